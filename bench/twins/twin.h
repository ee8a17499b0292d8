/*
 * bench/twins/twin.h - the small guest API the benchmark's native twins are
 * written against. Each workload (counter.c, audit.c, batch.c) is written
 * once against it and built two ways:
 *   - api_wasm.c: to wasm32 over the world's imports (kvguest.h), then
 *     through `kvaot build`: the real guest;
 *   - api_native.c: native C calling the runtime's host-level operations
 *     directly (no wasm, no canonical ABI, no bounds checks): the limit.
 * The ratio of the two is the price of the wasm layer. Both builds print the
 * same output on the same events (tests/twins checks it).
 *
 * Byte views (tw_bytes) a call returns stay valid until the handler returns
 * or the same key is set again, whichever comes first.
 */
#ifndef TWIN_H
#define TWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uintptr_t tw_bucket;    /* a bucket handle (wasm) or the bucket (native) */
typedef uint32_t tw_value;      /* the event's incoming-value handle */

typedef struct tw_bytes {
    const uint8_t *ptr;
    size_t len;
} tw_bytes;

/* ---- written by the workload ---------------------------------------------- */
void twin_on_set(tw_bucket b, const uint8_t *key, size_t klen, tw_value v);
void twin_on_delete(tw_bucket b, const uint8_t *key, size_t klen);

/* ---- provided by the API build -------------------------------------------- */
/* Open (creating) a bucket by name; close it when done. */
tw_bucket tw_open(const char *name);
void tw_close(tw_bucket b);
/* The event's value, whole. */
tw_bytes tw_event_value(tw_value v);
/* The current value of key, whole (get + consume-sync); false when absent. */
bool tw_get(tw_bucket b, const void *key, size_t klen, tw_bytes *out);
/* The same read through an input-stream in 8-byte chunks (get +
 * consume-async + read until end of stream). */
bool tw_get_streamed(tw_bucket b, const void *key, size_t klen, tw_bytes *out);
void tw_set(tw_bucket b, const void *key, size_t klen, const void *val, size_t vlen);
bool tw_delete(tw_bucket b, const void *key, size_t klen);
/* atomic.increment; traps when the value is not a counter. */
uint64_t tw_increment(tw_bucket b, const void *key, size_t klen, uint64_t delta);
/* batch.get-many, all or nothing: false when a key is absent. */
bool tw_get_many(tw_bucket b, const tw_bytes *keys, size_t n, tw_bytes *vals);
/* batch.set-many of keys[i] = vals[i]. */
void tw_set_many(tw_bucket b, const tw_bytes *keys, const tw_bytes *vals, size_t n);

/* ---- helpers (the same code in both builds) ------------------------------- */
static inline size_t tw_put_u64(uint8_t *out, uint64_t v)
{
    uint8_t tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (uint8_t)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Decimal digits to a number; 0 when p is not all digits. */
static inline uint64_t tw_parse_u64(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    return v;
}

static inline void tw_copy(uint8_t *dst, const void *src, size_t n)
{
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
        dst[i] = s[i];
}

#endif
