/*
 * runtime/errors.c - error handles (wasi-cloud-error) and their trace texts
 * (SPEC §7): `no such key: "K" in bucket "B"`, `invalid bucket handle N`, ...
 */
#include "iface.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"

/* Make the handle; msg is owned by the table from here on. what: NULL, or
 * the literal of a key error whose msg holds its parts (below). */
static uint32_t new_error(kvrt_ctx *ctx, char *msg, const char *what)
{
    kvrt_res res;
    res.u.err.msg = msg;
    res.u.err.what = what;
    uint32_t h = kvrt_handle_new(&ctx->handles, KVRT_H_ERROR, &res);
    if (h == 0) {
        free(msg);
        kvrt_trap(ctx, "too many live handles (--max-handles %u) making an error",
                  ctx->handles.max_live);
    }
    return h;
}

/* A key error's parts, one allocation: key length and bucket name length
 * (u32 each), then the key's bytes and the name's. */
#define PARTS_HEAD 8

uint32_t kvrt_error_key(kvrt_ctx *ctx, const char *what, const uint8_t *key,
                        size_t klen, kvrt_bucket *b)
{
    size_t blen;
    const uint8_t *bname = kvrt_bucket_name(b, &blen);
    if (klen > UINT32_MAX || blen > UINT32_MAX)
        kvrt_trap(ctx, "a key or bucket name of more than 4 GiB in an error");
    uint8_t *parts = malloc(PARTS_HEAD + klen + blen);
    if (parts == NULL)
        kvrt_trap(ctx, "out of memory making an error");
    kvrt_put_u32(parts, (uint32_t)klen);
    kvrt_put_u32(parts + 4, (uint32_t)blen);
    memcpy(parts + PARTS_HEAD, key, klen);
    memcpy(parts + PARTS_HEAD + klen, bname, blen);
    return new_error(ctx, (char *)parts, what);
}

/* The text of a key error from its parts; NULL when out of memory. */
static char *format_key_error(const char *what, const uint8_t *parts)
{
    size_t klen = kvrt_get_u32(parts), blen = kvrt_get_u32(parts + 4);
    const uint8_t *key = parts + PARTS_HEAD;
    kvrt_buf m;
    kvrt_buf_init(&m);
    int rc = kvrt_buf_puts(&m, what);
    rc |= kvrt_buf_puts(&m, ": ");
    rc |= kvrt_canon_quoted(&m, key, klen);
    rc |= kvrt_buf_puts(&m, " in bucket ");
    rc |= kvrt_canon_quoted(&m, key + klen, blen);
    rc |= kvrt_buf_putc(&m, 0);
    if (rc != 0) {
        kvrt_buf_fini(&m);
        return NULL;
    }
    return (char *)m.data;
}

uint32_t kvrt_error_text(kvrt_ctx *ctx, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    char *msg = strdup(tmp);
    if (msg == NULL)
        kvrt_trap(ctx, "out of memory making an error");
    return new_error(ctx, msg, NULL);
}

void kvrt_wasi_cloud_error_drop_error(kvrt_ctx *ctx, uint32_t err)
{
    if (!kvrt_handle_drop(&ctx->handles, err, KVRT_H_ERROR))
        kvrt_trap(ctx, "drop-error: invalid error handle %u", err);
}

void kvrt_wasi_cloud_error_trace(kvrt_ctx *ctx, uint32_t err, uint32_t ret)
{
    kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_res *r = kvrt_handle_get(&ctx->handles, err, KVRT_H_ERROR);
    if (r == NULL)
        kvrt_trap(ctx, "trace: invalid error handle %u", err);
    if (r->u.err.what != NULL) {
        char *text = format_key_error(r->u.err.what, (const uint8_t *)r->u.err.msg);
        if (text == NULL)
            kvrt_trap(ctx, "out of memory in trace");
        free(r->u.err.msg);
        r->u.err.msg = text;
        r->u.err.what = NULL;
    }
    const char *msg = r->u.err.msg;
    size_t len = strlen(msg);
    uint32_t p = kvrt_guest_copy(ctx, (const uint8_t *)msg, len);
    uint8_t *out = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_put_u32(out, p);
    kvrt_put_u32(out + 4, (uint32_t)len);
}
