/*
 * runtime/iface_readwrite.c - the `readwrite` interface: get, set, delete,
 * exists on a bucket handle (SPEC §3).
 */
#include "iface.h"

void kvrt_readwrite_get(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len, uint32_t ret)
{
    const uint8_t *key = kvrt_mem_string(ctx, key_ptr, key_len);
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_bucket *b = kvrt_bucket_or_error(ctx, bucket, r);
    if (b == NULL)
        return;
    kvrt_val *v = kvrt_kv_get(ctx, b, key, key_len);
    if (v == NULL) {
        kvrt_ret_err_u32(r, kvrt_error_key(ctx, "no such key", key, key_len, b));
        return;
    }
    if (kvrt_handles_full(&ctx->handles)) {
        kvrt_val_unref(v);
        kvrt_ret_err_u32(r, kvrt_error_text(ctx, "too many live handles"));
        return;
    }
    kvrt_res res;
    res.u.in.val = v;
    res.u.in.consumed = false;
    uint32_t h = kvrt_handle_new(&ctx->handles, KVRT_H_INCOMING, &res);
    if (h == 0) {
        kvrt_val_unref(v);
        kvrt_trap(ctx, "out of memory making an incoming-value");
    }
    kvrt_ret_ok_u32(r, h);
}

void kvrt_readwrite_set(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len,
                        uint32_t ov, uint32_t ret)
{
    const uint8_t *key = kvrt_mem_string(ctx, key_ptr, key_len);
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_bucket *b = kvrt_bucket_or_error(ctx, bucket, r);
    if (b == NULL)
        return;
    kvrt_res *body = kvrt_handle_get(&ctx->handles, ov, KVRT_H_OUTGOING);
    if (body == NULL) {
        kvrt_ret_err_u32(r, kvrt_error_text(ctx, "invalid outgoing-value handle %u", ov));
        return;
    }
    kvrt_feed_set_bytes(ctx, b, key, key_len, body->u.body.data, body->u.body.len);
    r[0] = 0;
}

void kvrt_readwrite_delete(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len, uint32_t ret)
{
    const uint8_t *key = kvrt_mem_string(ctx, key_ptr, key_len);
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_bucket *b = kvrt_bucket_or_error(ctx, bucket, r);
    if (b == NULL)
        return;
    if (!kvrt_feed_delete(ctx, b, key, key_len)) {
        kvrt_ret_err_u32(r, kvrt_error_key(ctx, "no such key", key, key_len, b));
        return;
    }
    r[0] = 0;
}

void kvrt_readwrite_exists(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len, uint32_t ret)
{
    const uint8_t *key = kvrt_mem_string(ctx, key_ptr, key_len);
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_bucket *b = kvrt_bucket_or_error(ctx, bucket, r);
    if (b == NULL)
        return;
    r[0] = 0;
    r[4] = kvrt_kv_has(ctx, b, key, key_len);
}
