/*
 * runtime/iface_batch.c - the `batch` interface: get-many (all-or-nothing),
 * get-keys (insertion order), set-many (all-or-nothing on handles; pairs set
 * in order), delete-many (missing keys skipped).
 *
 * List arguments are lifted completely (every element bounds- and
 * UTF-8-checked) before any handle is looked at, as the canonical ABI does.
 */
#include "iface.h"

#include <stdlib.h>
#include <string.h>

/* Check a list<string> argument (8-byte elements: ptr, len; 4-aligned even
 * when empty) and every string in it. */
static void lift_strings(kvrt_ctx *ctx, uint32_t ptr, uint32_t n)
{
    const uint8_t *list = kvrt_mem_span(ctx, ptr, (uint64_t)n * 8, 4);
    for (uint32_t i = 0; i < n; i++)
        kvrt_mem_string(ctx, kvrt_get_u32(list + 8 * i), kvrt_get_u32(list + 8 * i + 4));
}

/* Element i of a lifted list of (ptr, len, ...) records `stride` bytes apart. */
static const uint8_t *string_at(kvrt_ctx *ctx, uint32_t list, uint32_t stride, uint32_t i,
                                uint32_t *len)
{
    const uint8_t *e = ctx->mem->data + list + (uint64_t)stride * i;
    *len = kvrt_get_u32(e + 4);
    return ctx->mem->data + kvrt_get_u32(e);
}

/* One read of the n keys of a lifted list for a backend that batches
 * reads (kv.h prefetch). */
static void prefetch(kvrt_ctx *ctx, kvrt_bucket *b, uint32_t keys_ptr, uint32_t n)
{
    kvrt_keyref *refs = malloc((n ? n : 1) * sizeof *refs);
    if (refs == NULL)
        kvrt_trap(ctx, "out of memory in get-many");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t klen;
        refs[i].key = string_at(ctx, keys_ptr, 8, i, &klen);
        refs[i].len = klen;
    }
    int rc = ctx->kv.ops->prefetch(ctx->kv.self, b, refs, n);
    free(refs);
    if (rc != 0)
        kvrt_kv_failed(ctx, "reading the store");
}

void kvrt_batch_get_many(kvrt_ctx *ctx, uint32_t bucket, uint32_t keys_ptr, uint32_t keys_len, uint32_t ret)
{
    lift_strings(ctx, keys_ptr, keys_len);
    uint8_t *r = kvrt_mem_span(ctx, ret, 12, 4);
    kvrt_bucket *b = kvrt_bucket_or_error(ctx, bucket, r);
    if (b == NULL)
        return;
    /* Resolve every key now: realloc runs guest code that may rewrite the
     * key list. The values are references of our own, held in ctx->held
     * until they go into handles (a trap meanwhile, in realloc say,
     * releases them: kvrt_release_held). */
    kvrt_buf *held = &ctx->held;
    kvrt_release_held(ctx);     /* empty after any trap (loop.c); cheap */
    if (kvrt_buf_reserve(held, (size_t)keys_len * sizeof(kvrt_val *)) != 0)
        kvrt_trap(ctx, "out of memory in get-many");
    kvrt_val **vals = (kvrt_val **)(void *)held->data;
    if (ctx->kv.ops->prefetch != NULL)
        prefetch(ctx, b, keys_ptr, keys_len);
    for (uint32_t i = 0; i < keys_len; i++) {
        uint32_t klen;
        const uint8_t *key = string_at(ctx, keys_ptr, 8, i, &klen);
        kvrt_val *v = kvrt_kv_get(ctx, b, key, klen);
        if (v == NULL) {
            kvrt_release_held(ctx);
            kvrt_ret_err_u32(r, kvrt_error_key(ctx, "no such key", key, klen, b));
            return;
        }
        vals[i] = v;
        held->len += sizeof v;
    }
    if (keys_len > ctx->handles.max_live - ctx->handles.live) {
        kvrt_release_held(ctx);
        kvrt_ret_err_u32(r, kvrt_error_text(ctx, "too many live handles"));
        return;
    }
    uint32_t list = kvrt_guest_alloc(ctx, 4, (uint64_t)keys_len * 4);
    for (uint32_t i = 0; i < keys_len; i++) {
        kvrt_res res;
        res.u.in.val = vals[i];
        res.u.in.consumed = false;
        uint32_t h = kvrt_handle_new(&ctx->handles, KVRT_H_INCOMING, &res);
        if (h == 0)
            kvrt_trap(ctx, "out of memory making incoming-values");
        vals[i] = NULL;     /* the handle has it now */
        kvrt_put_u32(ctx->mem->data + list + 4 * (uint64_t)i, h);
    }
    held->len = 0;
    r = kvrt_mem_span(ctx, ret, 12, 4);
    r[0] = 0;
    kvrt_put_u32(r + 4, list);
    kvrt_put_u32(r + 8, keys_len);
}

void kvrt_batch_get_keys(kvrt_ctx *ctx, uint32_t bucket, uint32_t ret)
{
    kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_bucket *b = kvrt_bucket_of(ctx, bucket);
    if (b == NULL)
        kvrt_trap(ctx, "get-keys: invalid bucket handle %u", bucket);
    kvrt_keyiter it;
    int64_t nk = ctx->kv.ops->keys(ctx->kv.self, b, &it);
    if (nk < 0)
        kvrt_kv_failed(ctx, "get-keys");
    size_t n = (size_t)nk;
    if (n > UINT32_MAX / 8)
        kvrt_trap(ctx, "get-keys: %zu keys do not fit in guest memory", n);
    uint32_t list = kvrt_guest_alloc(ctx, 4, (uint64_t)n * 8);
    /* The guest's realloc cannot call imports, so the bucket stays as it is
     * while we walk it. */
    uint32_t i = 0;
    size_t klen;
    for (const uint8_t *key; i < n && (key = ctx->kv.ops->key_next(ctx->kv.self, &it, &klen)) != NULL; i++) {
        uint32_t p = kvrt_guest_copy(ctx, key, klen);
        uint8_t *slot = ctx->mem->data + list + 8 * (uint64_t)i;
        kvrt_put_u32(slot, p);
        kvrt_put_u32(slot + 4, (uint32_t)klen);
    }
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_put_u32(r, list);
    kvrt_put_u32(r + 4, (uint32_t)n);
}

void kvrt_batch_set_many(kvrt_ctx *ctx, uint32_t bucket, uint32_t keys_ptr, uint32_t keys_len,
                         uint32_t values_ptr, uint32_t values_len, uint32_t ret)
{
    lift_strings(ctx, keys_ptr, keys_len);
    const uint8_t *vals = kvrt_mem_span(ctx, values_ptr, (uint64_t)values_len * 12, 4);
    for (uint32_t i = 0; i < values_len; i++)
        kvrt_mem_string(ctx, kvrt_get_u32(vals + 12 * i), kvrt_get_u32(vals + 12 * i + 4));
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_bucket *b = kvrt_bucket_or_error(ctx, bucket, r);
    if (b == NULL)
        return;
    for (uint32_t i = 0; i < values_len; i++) {
        uint32_t ov = kvrt_get_u32(vals + 12 * i + 8);
        if (kvrt_handle_get(&ctx->handles, ov, KVRT_H_OUTGOING) == NULL) {
            kvrt_ret_err_u32(r, kvrt_error_text(ctx, "invalid outgoing-value handle %u", ov));
            return;
        }
    }
    for (uint32_t i = 0; i < values_len; i++) {
        uint32_t klen;
        const uint8_t *key = string_at(ctx, values_ptr, 12, i, &klen);
        uint32_t ov = kvrt_get_u32(vals + 12 * i + 8);
        kvrt_buf *body = &kvrt_handle_get(&ctx->handles, ov, KVRT_H_OUTGOING)->u.body;
        kvrt_feed_set_bytes(ctx, b, key, klen, body->data, body->len);
    }
    r[0] = 0;
}

void kvrt_batch_delete_many(kvrt_ctx *ctx, uint32_t bucket, uint32_t keys_ptr, uint32_t keys_len, uint32_t ret)
{
    lift_strings(ctx, keys_ptr, keys_len);
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_bucket *b = kvrt_bucket_or_error(ctx, bucket, r);
    if (b == NULL)
        return;
    for (uint32_t i = 0; i < keys_len; i++) {
        uint32_t klen;
        const uint8_t *key = string_at(ctx, keys_ptr, 8, i, &klen);
        kvrt_feed_delete(ctx, b, key, klen);
    }
    r[0] = 0;
}
