/*
 * runtime/val.c - reference-counted immutable values; see val.h. A value
 * of at most KVRT_SLAB_MAX bytes with its header comes from the slab (no
 * malloc per event value or per materialised store value), a larger one
 * from malloc: the length, which never changes, says which.
 */
#include "val.h"

#include <stdlib.h>
#include <string.h>

#include "slab.h"

static bool from_slab(size_t len)
{
    return len <= KVRT_SLAB_MAX - sizeof(kvrt_val);
}

kvrt_val *kvrt_val_new(const uint8_t *data, size_t len)
{
    if (len > SIZE_MAX - sizeof(kvrt_val))
        return NULL;
    kvrt_val *v = from_slab(len) ? kvrt_slab_alloc(sizeof(kvrt_val) + len)
                                 : malloc(sizeof(kvrt_val) + len);
    if (v == NULL)
        return NULL;
    v->refs = 1;
    v->len = len;
    if (len)
        memcpy(v->data, data, len);
    return v;
}

void kvrt_val_free(kvrt_val *v)
{
    if (from_slab(v->len))
        kvrt_slab_free(v);
    else
        free(v);
}
