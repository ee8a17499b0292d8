/*
 * runtime/val.c - reference-counted immutable values; see val.h.
 */
#include "val.h"

#include <stdlib.h>
#include <string.h>

kvrt_val *kvrt_val_new(const uint8_t *data, size_t len)
{
    if (len > SIZE_MAX - sizeof(kvrt_val))
        return NULL;
    kvrt_val *v = malloc(sizeof(kvrt_val) + len);
    if (v == NULL)
        return NULL;
    v->refs = 1;
    v->len = len;
    if (len)
        memcpy(v->data, data, len);
    return v;
}

void kvrt_val_unref(kvrt_val *v)
{
    if (v != NULL && --v->refs == 0)
        free(v);
}
