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

typedef struct kvrt_buf {
    uint8_t *data;  /* NULL while cap == 0 */
    size_t len;
    size_t cap;
} kvrt_buf;

void kvrt_buf_init(kvrt_buf *b);
void kvrt_buf_fini(kvrt_buf *b);
/* Make room for `extra` more bytes beyond len. */
int kvrt_buf_reserve(kvrt_buf *b, size_t extra);
int kvrt_buf_append(kvrt_buf *b, const void *src, size_t n);
int kvrt_buf_putc(kvrt_buf *b, uint8_t c);
int kvrt_buf_puts(kvrt_buf *b, const char *s);
/* Drop everything past `len` (len <= b->len). */
void kvrt_buf_truncate(kvrt_buf *b, size_t len);

#endif
