/*
 * transpile/cursor.h - bounded byte cursor over the input (STYLE §2.3).
 * pos is an absolute offset from base (so it is the diagnostic offset) and
 * len is the end of this cursor's window; invariant pos <= len. Readers
 * return kt_err, write through `out` and advance only on success; running
 * out of bytes is KT_E_TRUNCATED, which the caller turns into a kt_fail.
 */
#ifndef KT_CURSOR_H
#define KT_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

typedef struct kt_cursor {
    const uint8_t *base;   /* whole input, for diagnostic offsets */
    size_t pos, len;       /* invariant: pos <= len */
} kt_cursor;

/* data may be NULL only when len == 0. */
static inline void kt_cur_init(kt_cursor *c, const uint8_t *data, size_t len)
{
    c->base = data;
    c->pos = 0;
    c->len = len;
}

static inline size_t kt_cur_left(const kt_cursor *c)
{
    return c->len - c->pos;
}

static inline bool kt_cur_done(const kt_cursor *c)
{
    return c->pos == c->len;
}

KT_MUST_CHECK static inline kt_err kt_cur_u8(kt_cursor *c, uint8_t *out)
{
    if (1 > c->len - c->pos)
        return KT_E_TRUNCATED;
    *out = c->base[c->pos];
    c->pos += 1;
    return KT_OK;
}

/* Borrow n bytes in place; *out stays valid as long as the input does.
 * For n == 0 *out is not dereferenceable. */
KT_MUST_CHECK static inline kt_err kt_cur_bytes(kt_cursor *c, size_t n, const uint8_t **out)
{
    if (n > c->len - c->pos)
        return KT_E_TRUNCATED;
    *out = c->base + c->pos;
    c->pos += n;
    return KT_OK;
}

KT_MUST_CHECK static inline kt_err kt_cur_skip(kt_cursor *c, size_t n)
{
    if (n > c->len - c->pos)
        return KT_E_TRUNCATED;
    c->pos += n;
    return KT_OK;
}

/* Split the next n bytes off into *out (same base, so offsets stay absolute)
 * and move c past them. */
KT_MUST_CHECK static inline kt_err kt_cur_sub(kt_cursor *c, size_t n, kt_cursor *out)
{
    if (n > c->len - c->pos)
        return KT_E_TRUNCATED;
    out->base = c->base;
    out->pos = c->pos;
    out->len = c->pos + n;
    c->pos += n;
    return KT_OK;
}

#endif
