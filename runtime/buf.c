/*
 * runtime/buf.c - growable byte buffer; see buf.h.
 */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void kvrt_buf_init(kvrt_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void kvrt_buf_fini(kvrt_buf *b)
{
    free(b->data);
    kvrt_buf_init(b);
}

int kvrt_buf_grow(kvrt_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len)
        return -1;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int kvrt_buf_puts(kvrt_buf *b, const char *s)
{
    return kvrt_buf_append(b, s, strlen(s));
}

void kvrt_buf_truncate(kvrt_buf *b, size_t len)
{
    if (len < b->len)
        b->len = len;
}
