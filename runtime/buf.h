/*
 * runtime/buf.h - growable byte buffer (data, len, cap) that stays at one
 * address: appending returns a status, never a moved struct, so a caller can
 * not keep a stale copy of it. Used for output records, decoded tokens,
 * outgoing-value bodies and the input line reader.
 * Errors: appends return 0, or -1 when memory is exhausted (buffer unchanged).
 */
#ifndef KVRT_BUF_H
#define KVRT_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct kvrt_buf {
    uint8_t *data;  /* NULL while cap == 0 */
    size_t len;
    size_t cap;
} kvrt_buf;

void kvrt_buf_init(kvrt_buf *b);
void kvrt_buf_fini(kvrt_buf *b);
/* kvrt_buf_reserve's out-of-line half: reallocates (doubling from 64). */
int kvrt_buf_grow(kvrt_buf *b, size_t extra);

/* Make room for `extra` more bytes beyond len. Inline, with the append
 * functions: bodies, records and tokens are mostly short appends into
 * room already there. */
static inline int kvrt_buf_reserve(kvrt_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 0;
    return kvrt_buf_grow(b, extra);
}

static inline int kvrt_buf_append(kvrt_buf *b, const void *src, size_t n)
{
    if (n == 0)
        return 0;
    if (kvrt_buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return 0;
}

static inline int kvrt_buf_putc(kvrt_buf *b, uint8_t c)
{
    if (b->len == b->cap && kvrt_buf_grow(b, 1) != 0)
        return -1;
    b->data[b->len++] = c;
    return 0;
}

int kvrt_buf_puts(kvrt_buf *b, const char *s);
/* Drop everything past `len` (len <= b->len). */
void kvrt_buf_truncate(kvrt_buf *b, size_t len);

#endif
