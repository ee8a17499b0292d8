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

/* Make the handle; msg is owned by the table from here on. */
static uint32_t new_error(kvrt_ctx *ctx, char *msg)
{
    kvrt_res res;
    res.u.err.msg = msg;
    uint32_t h = kvrt_handle_new(&ctx->handles, KVRT_H_ERROR, &res);
    if (h == 0) {
        free(msg);
        kvrt_trap(ctx, "too many live handles (--max-handles %u) making an error",
                  ctx->handles.max_live);
    }
    return h;
}

uint32_t kvrt_error_key(kvrt_ctx *ctx, const char *what, const uint8_t *key,
                        size_t klen, kvrt_bucket *b)
{
    size_t blen;
    const uint8_t *bname = kvrt_bucket_name(b, &blen);
    kvrt_buf m;
    kvrt_buf_init(&m);
    int rc = kvrt_buf_puts(&m, what);
    rc |= kvrt_buf_puts(&m, ": ");
    rc |= kvrt_canon_quoted(&m, key, klen);
    rc |= kvrt_buf_puts(&m, " in bucket ");
    rc |= kvrt_canon_quoted(&m, bname, blen);
    rc |= kvrt_buf_putc(&m, 0);
    if (rc != 0) {
        kvrt_buf_fini(&m);
        kvrt_trap(ctx, "out of memory making an error");
    }
    return new_error(ctx, (char *)m.data);
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
    return new_error(ctx, msg);
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
    const char *msg = r->u.err.msg;
    size_t len = strlen(msg);
    uint32_t p = kvrt_guest_copy(ctx, (const uint8_t *)msg, len);
    uint8_t *out = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_put_u32(out, p);
    kvrt_put_u32(out + 4, (uint32_t)len);
}
