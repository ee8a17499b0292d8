/*
 * runtime/feed.c - guest mutations: apply to the store (journaled, so a trap
 * can undo them) and append the canonical record to the pending output.
 * Output records of an event are dropped with it on a trap (loop.c truncates
 * ctx->out back to the event's start).
 */
#include "iface.h"

#include "canon.h"

static int record_text(kvrt_buf *out, bool is_set, const uint8_t *bname, size_t blen,
                       const uint8_t *key, size_t klen, const uint8_t *v, size_t vlen)
{
    return is_set ? kvrt_canon_set_text(out, bname, blen, key, klen, v, vlen)
                  : kvrt_canon_delete_text(out, bname, blen, key, klen);
}

/* The mutation's line in the feed and, with --data, in the event's journal
 * body: the text feed's line itself (copied), or the text line again when
 * the feed is JSON. */
static void record(kvrt_ctx *ctx, bool is_set, kvrt_bucket *b, const uint8_t *key,
                   size_t klen, const uint8_t *v, size_t vlen)
{
    size_t blen;
    const uint8_t *bname = kvrt_bucket_name(b, &blen);
    size_t mark = ctx->out.len;
    int rc;
    if (ctx->format == KVRT_FMT_JSON)
        rc = is_set ? kvrt_canon_set_json(&ctx->out, bname, blen, key, klen, v, vlen)
                    : kvrt_canon_delete_json(&ctx->out, bname, blen, key, klen);
    else
        rc = record_text(&ctx->out, is_set, bname, blen, key, klen, v, vlen);
    if (rc == 0 && ctx->durable != NULL) {
        if (ctx->format == KVRT_FMT_JSON)
            rc = record_text(&ctx->jbody, is_set, bname, blen, key, klen, v, vlen);
        else
            rc = kvrt_buf_append(&ctx->jbody, ctx->out.data + mark, ctx->out.len - mark);
    }
    if (rc != 0)
        kvrt_trap(ctx, "out of memory writing the output feed");
    ctx->stats.mutations++;
}

_Noreturn void kvrt_kv_failed(kvrt_ctx *ctx, const char *what)
{
    const kvrt_kv_ops *ops = ctx->kv.ops;
    if (ops->lost != NULL && ops->lost(ctx->kv.self))
        ctx->store_lost = true;
    kvrt_trap(ctx, "%s: %s", what, ops->why(ctx->kv.self));
}

void kvrt_feed_set(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val *v)
{
    /* Record first: if that fails nothing was stored. */
    record(ctx, true, b, key, klen, v->data, v->len);
    if (ctx->kv.ops->set(ctx->kv.self, b, key, klen, v) != 0)
        kvrt_kv_failed(ctx, "storing a value");
}

void kvrt_feed_set_bytes(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen,
                         const uint8_t *data, size_t len)
{
    const kvrt_kv_ops *ops = ctx->kv.ops;
    if (ops->set_bytes == NULL) {
        kvrt_val *v = kvrt_val_new(data, len);
        if (v == NULL)
            kvrt_trap(ctx, "out of memory copying a value");
        kvrt_feed_set(ctx, b, key, klen, v);
        return;
    }
    record(ctx, true, b, key, klen, data, len);
    if (ops->set_bytes(ctx->kv.self, b, key, klen, data, len) != 0)
        kvrt_kv_failed(ctx, "storing a value");
}

bool kvrt_feed_delete(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    int rc = ctx->kv.ops->del(ctx->kv.self, b, key, klen, false);
    if (rc < 0)
        kvrt_kv_failed(ctx, "deleting a key");
    if (rc == 0)
        return false;
    record(ctx, false, b, key, klen, NULL, 0);
    return true;
}

void kvrt_bucket_error(kvrt_ctx *ctx, uint32_t h, uint8_t *r)
{
    r[0] = 1;
    kvrt_put_u32(r + 4, kvrt_error_text(ctx, "invalid bucket handle %u", h));
}
