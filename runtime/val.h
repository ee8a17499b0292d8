/*
 * runtime/val.h - immutable, reference-counted byte values. The store, the
 * incoming-values and the input streams share one kvrt_val instead of copying
 * the bytes: a value never changes after creation, so "the value as it is
 * now" (SPEC §3 get) is simply another reference.
 * Ownership: kvrt_val_new returns one reference; kvrt_val_ref adds one,
 * kvrt_val_unref drops one and frees at zero.
 */
#ifndef KVRT_VAL_H
#define KVRT_VAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kvrt_val {
    uint32_t refs;
    size_t len;
    uint8_t data[];
} kvrt_val;

/* Copy of data[0..len); NULL when out of memory. */
kvrt_val *kvrt_val_new(const uint8_t *data, size_t len);

static inline kvrt_val *kvrt_val_ref(kvrt_val *v)
{
    v->refs++;
    return v;
}

/* Frees v (its last reference is gone). */
void kvrt_val_free(kvrt_val *v);
static inline void kvrt_val_unref(kvrt_val *v)
{
    if (v != NULL && --v->refs == 0)
        kvrt_val_free(v);
}

#endif
