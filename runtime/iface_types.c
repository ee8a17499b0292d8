/*
 * runtime/iface_types.c - the `types` interface: buckets, outgoing-values
 * (bodies the guest writes), incoming-values (bodies the guest reads).
 */
#include "iface.h"

#include "journal.h"

#include <string.h>

static inline void drop_or_trap(kvrt_ctx *ctx, uint32_t h, kvrt_hkind kind, const char *what)
{
    if (!kvrt_handle_drop(&ctx->handles, h, kind))
        kvrt_trap(ctx, "%s: invalid handle %u", what, h);
}

void kvrt_types_drop_bucket(kvrt_ctx *ctx, uint32_t bucket)
{
    drop_or_trap(ctx, bucket, KVRT_H_BUCKET, "drop-bucket");
}

void kvrt_types_drop_outgoing_value(kvrt_ctx *ctx, uint32_t ov)
{
    drop_or_trap(ctx, ov, KVRT_H_OUTGOING, "drop-outgoing-value");
}

void kvrt_types_drop_incoming_value(kvrt_ctx *ctx, uint32_t iv)
{
    drop_or_trap(ctx, iv, KVRT_H_INCOMING, "drop-incoming-value");
}

kvrt_bucket *kvrt_open(kvrt_ctx *ctx, const uint8_t *name, size_t len)
{
    bool created;
    kvrt_bucket *b = ctx->kv.ops->open(ctx->kv.self, name, len, &created);
    if (b == NULL)
        kvrt_kv_failed(ctx, "opening a bucket");
    if (created && ctx->durable != NULL && kvrt_journal_put_open(&ctx->jbody, name, len) != 0)
        kvrt_trap(ctx, "out of memory opening a bucket");
    return b;
}

void kvrt_types_open_bucket(kvrt_ctx *ctx, uint32_t name_ptr, uint32_t name_len, uint32_t ret)
{
    const uint8_t *name = kvrt_mem_string(ctx, name_ptr, name_len);
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    if (kvrt_handles_full(&ctx->handles)) {
        kvrt_ret_err_u32(r, kvrt_error_text(ctx, "too many live handles"));
        return;
    }
    kvrt_res res;
    res.u.bucket = kvrt_open(ctx, name, name_len);
    uint32_t h = kvrt_handle_new(&ctx->handles, KVRT_H_BUCKET, &res);
    if (h == 0)
        kvrt_trap(ctx, "out of memory making a bucket handle");
    kvrt_ret_ok_u32(r, h);
}

uint32_t kvrt_types_new_outgoing_value(kvrt_ctx *ctx)
{
    kvrt_res res;
    kvrt_handles_new_body(&ctx->handles, &res.u.body);
    uint32_t h = kvrt_handle_new(&ctx->handles, KVRT_H_OUTGOING, &res);
    if (h == 0) {
        /* The body (a spare one keeps its memory) is still ours. */
        kvrt_handles_retire_body(&ctx->handles, &res.u.body);
        kvrt_trap(ctx, "new-outgoing-value: too many live handles (--max-handles %u)",
                  ctx->handles.max_live);
    }
    return h;
}

void kvrt_types_outgoing_value_write_body(kvrt_ctx *ctx, uint32_t ov, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_res res;
    res.u.outs.ov = ov;
    uint32_t h = 0;
    if (kvrt_handle_get(&ctx->handles, ov, KVRT_H_OUTGOING) != NULL)
        h = kvrt_handle_new(&ctx->handles, KVRT_H_OUTSTREAM, &res);
    if (h == 0) {
        /* result<output-stream>: the error case carries nothing. */
        r[0] = 1;
        kvrt_put_u32(r + 4, 0);
        return;
    }
    kvrt_ret_ok_u32(r, h);
}

void kvrt_types_incoming_value_consume_sync(kvrt_ctx *ctx, uint32_t iv, uint32_t ret)
{
    kvrt_mem_span(ctx, ret, 12, 4);
    kvrt_res *res = kvrt_handle_get(&ctx->handles, iv, KVRT_H_INCOMING);
    uint32_t err = 0;
    if (res == NULL)
        err = kvrt_error_text(ctx, "invalid incoming-value handle %u", iv);
    else if (res->u.in.consumed)
        err = kvrt_error_text(ctx, "incoming-value already consumed");
    if (err != 0) {
        kvrt_ret_err_u32(kvrt_mem_span(ctx, ret, 12, 4), err);
        return;
    }
    kvrt_val *v = res->u.in.val;
    uint32_t p = kvrt_guest_copy(ctx, v->data, v->len);
    /* realloc ran guest code, but imports could not run meanwhile, so res
     * is still this handle's slot. */
    res->u.in.consumed = true;
    uint8_t *r = kvrt_mem_span(ctx, ret, 12, 4);
    r[0] = 0;
    kvrt_put_u32(r + 4, p);
    kvrt_put_u32(r + 8, (uint32_t)v->len);
}

void kvrt_types_incoming_value_consume_async(kvrt_ctx *ctx, uint32_t iv, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_res *res = kvrt_handle_get(&ctx->handles, iv, KVRT_H_INCOMING);
    if (res == NULL) {
        kvrt_ret_err_u32(r, kvrt_error_text(ctx, "invalid incoming-value handle %u", iv));
        return;
    }
    if (res->u.in.consumed) {
        kvrt_ret_err_u32(r, kvrt_error_text(ctx, "incoming-value already consumed"));
        return;
    }
    if (kvrt_handles_full(&ctx->handles)) {
        kvrt_ret_err_u32(r, kvrt_error_text(ctx, "too many live handles"));
        return;
    }
    kvrt_res s;
    s.u.ins.val = kvrt_val_ref(res->u.in.val);
    s.u.ins.pos = 0;
    uint32_t h = kvrt_handle_new(&ctx->handles, KVRT_H_INSTREAM, &s);
    if (h == 0) {
        kvrt_val_unref(s.u.ins.val);
        kvrt_trap(ctx, "out of memory making an input-stream");
    }
    /* The table may have grown: look the incoming-value up again. */
    res = kvrt_handle_get(&ctx->handles, iv, KVRT_H_INCOMING);
    res->u.in.consumed = true;
    kvrt_ret_ok_u32(r, h);
}

uint64_t kvrt_types_size(kvrt_ctx *ctx, uint32_t iv)
{
    kvrt_res *res = kvrt_handle_get(&ctx->handles, iv, KVRT_H_INCOMING);
    if (res == NULL)
        kvrt_trap(ctx, "size: invalid incoming-value handle %u", iv);
    return res->u.in.val->len;
}
