/*
 * runtime/iface_streams.c - the `streams` interface. An input-stream reads a
 * shared value from a position (independent of its incoming-value); an
 * output-stream appends to the body of the outgoing-value it was made from,
 * found again by handle on every write, so a dropped value gives
 * stream-error. Bodies are capped at --max-value: a write that would pass
 * the cap moves nothing and returns stream-error.
 */
#include "iface.h"

#include <string.h>

/* stream-error: tag 1 and a zero payload byte at the payload offset. */
static void put_stream_error(uint8_t *r, uint32_t payload_off)
{
    r[0] = 1;
    r[payload_off] = 0;
}

static kvrt_val *input_of(kvrt_ctx *ctx, uint32_t src, uint64_t *pos)
{
    kvrt_res *s = kvrt_handle_get(&ctx->handles, src, KVRT_H_INSTREAM);
    if (s == NULL)
        return NULL;
    *pos = s->u.ins.pos;
    return s->u.ins.val;
}

static void advance_input(kvrt_ctx *ctx, uint32_t src, uint64_t n)
{
    kvrt_handle_get(&ctx->handles, src, KVRT_H_INSTREAM)->u.ins.pos += n;
}

/* Body behind an output-stream, or NULL (bad stream or dropped value). */
static kvrt_buf *body_of(kvrt_ctx *ctx, uint32_t dst)
{
    kvrt_res *s = kvrt_handle_get(&ctx->handles, dst, KVRT_H_OUTSTREAM);
    if (s == NULL)
        return NULL;
    kvrt_res *ov = kvrt_handle_get(&ctx->handles, s->u.outs.ov, KVRT_H_OUTGOING);
    return ov ? &ov->u.body : NULL;
}

static bool fits(kvrt_ctx *ctx, const kvrt_buf *body, uint64_t n)
{
    return n <= ctx->limits.max_value && body->len <= ctx->limits.max_value - n;
}

void kvrt_streams_read(kvrt_ctx *ctx, uint32_t src, uint64_t len, uint32_t ret)
{
    kvrt_mem_span(ctx, ret, 16, 4);
    uint64_t pos = 0;
    kvrt_val *v = input_of(ctx, src, &pos);
    if (v == NULL) {
        put_stream_error(kvrt_mem_span(ctx, ret, 16, 4), 4);
        return;
    }
    uint64_t left = v->len - pos;
    uint64_t n = len < left ? len : left;
    uint32_t p = kvrt_guest_alloc(ctx, 1, n);
    if (n)
        memcpy(ctx->mem->data + p, v->data + pos, n);
    advance_input(ctx, src, n);
    uint8_t *r = kvrt_mem_span(ctx, ret, 16, 4);
    r[0] = 0;
    kvrt_put_u32(r + 4, p);
    kvrt_put_u32(r + 8, (uint32_t)n);
    r[12] = pos + n == v->len;
}

void kvrt_streams_skip(kvrt_ctx *ctx, uint32_t src, uint64_t len, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 24, 8);
    uint64_t pos = 0;
    kvrt_val *v = input_of(ctx, src, &pos);
    if (v == NULL) {
        put_stream_error(r, 8);
        return;
    }
    uint64_t left = v->len - pos;
    uint64_t n = len < left ? len : left;
    advance_input(ctx, src, n);
    r[0] = 0;
    kvrt_put_u64(r + 8, n);
    r[16] = pos + n == v->len;
}

void kvrt_streams_write(kvrt_ctx *ctx, uint32_t dst, uint32_t buf_ptr, uint32_t buf_len, uint32_t ret)
{
    const uint8_t *src = kvrt_mem_span(ctx, buf_ptr, buf_len, 1);
    uint8_t *r = kvrt_mem_span(ctx, ret, 16, 8);
    kvrt_buf *body = body_of(ctx, dst);
    if (body == NULL || !fits(ctx, body, buf_len)) {
        put_stream_error(r, 8);
        return;
    }
    if (kvrt_buf_append(body, src, buf_len) != 0)
        kvrt_trap(ctx, "out of memory writing %u bytes to an outgoing-value", buf_len);
    r[0] = 0;
    kvrt_put_u64(r + 8, buf_len);
}

void kvrt_streams_write_repeated(kvrt_ctx *ctx, uint32_t dst, uint32_t byte, uint64_t len, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 16, 8);
    kvrt_buf *body = body_of(ctx, dst);
    if (body == NULL || !fits(ctx, body, len)) {
        put_stream_error(r, 8);
        return;
    }
    /* len 0 touches nothing: an empty body may have no memory at all */
    if (len > 0) {
        if (kvrt_buf_reserve(body, (size_t)len) != 0)
            kvrt_trap(ctx, "out of memory writing %llu bytes to an outgoing-value",
                      (unsigned long long)len);
        memset(body->data + body->len, (int)(byte & 0xff), (size_t)len);
        body->len += (size_t)len;
    }
    r[0] = 0;
    kvrt_put_u64(r + 8, len);
}

/* Move up to len bytes (all when whole) from src to dst's body. Returns
 * false for stream-error; *moved and *eos describe what happened. */
static bool transfer(kvrt_ctx *ctx, uint32_t dst, uint32_t src, uint64_t len, bool whole,
                     uint64_t *moved, bool *eos)
{
    uint64_t pos = 0;
    kvrt_val *v = input_of(ctx, src, &pos);
    kvrt_buf *body = body_of(ctx, dst);
    if (v == NULL || body == NULL)
        return false;
    uint64_t left = v->len - pos;
    uint64_t n = whole || len > left ? left : len;
    if (!fits(ctx, body, n))
        return false;
    if (kvrt_buf_append(body, v->data + pos, (size_t)n) != 0)
        kvrt_trap(ctx, "out of memory writing %llu bytes to an outgoing-value",
                  (unsigned long long)n);
    advance_input(ctx, src, n);
    *moved = n;
    *eos = pos + n == v->len;
    return true;
}

void kvrt_streams_splice(kvrt_ctx *ctx, uint32_t dst, uint32_t src, uint64_t len, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 24, 8);
    uint64_t moved = 0;
    bool eos = false;
    if (!transfer(ctx, dst, src, len, false, &moved, &eos)) {
        put_stream_error(r, 8);
        return;
    }
    r[0] = 0;
    kvrt_put_u64(r + 8, moved);
    r[16] = eos;
}

void kvrt_streams_forward(kvrt_ctx *ctx, uint32_t dst, uint32_t src, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 16, 8);
    uint64_t moved = 0;
    bool eos = false;
    if (!transfer(ctx, dst, src, 0, true, &moved, &eos)) {
        put_stream_error(r, 8);
        return;
    }
    r[0] = 0;
    kvrt_put_u64(r + 8, moved);
}

void kvrt_streams_drop_input_stream(kvrt_ctx *ctx, uint32_t s)
{
    if (!kvrt_handle_drop(&ctx->handles, s, KVRT_H_INSTREAM))
        kvrt_trap(ctx, "drop-input-stream: invalid handle %u", s);
}

void kvrt_streams_drop_output_stream(kvrt_ctx *ctx, uint32_t s)
{
    if (!kvrt_handle_drop(&ctx->handles, s, KVRT_H_OUTSTREAM))
        kvrt_trap(ctx, "drop-output-stream: invalid handle %u", s);
}
