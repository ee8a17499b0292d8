/*
 * runtime/wasi_p2_io.c - WASI 0.2 wasi:io (streams, error, poll) for guests
 * that import it themselves (SPEC §8.3). Output streams are the guest's
 * stdout/stderr, written where preview 1's fd 1/2 go (guestio.h) and
 * accepting everything; input streams are closed; stream pollables are
 * always ready, clock pollables when their instant passes.
 *
 * Canonical ABI: arguments are lifted first (a bad list traps), then the
 * return area is checked, then handles (a bad handle traps: there is no
 * error case for it). Results:
 *   result<_, stream-error>        12/4: tag@0, err: variant tag@4 (closed = 1)
 *   result<u64, stream-error>      16/8: tag@0, ok u64@8, err: variant tag@8
 *   result<list<u8>, stream-error> 12/4: tag@0, ok ptr@4 len@8, err: variant tag@4
 */
#include "iface.h"

#include <string.h>

#include "guestio.h"
#include "os.h"
#include "wasi_p2.h"

enum { CLOSED = 1 };                    /* stream-error: last-operation-failed 0, closed 1 */
enum { CHECK_WRITE_BUDGET = 1u << 20 }; /* what check-write answers */

uint32_t kvrt_wasi_p2_new(kvrt_ctx *ctx, kvrt_hkind kind, const kvrt_res *res)
{
    uint32_t h = kvrt_handle_new(&ctx->handles, kind, res);
    if (h == 0)
        kvrt_trap(ctx, "too many live handles (--max-handles %u) making a WASI resource",
                  ctx->handles.max_live);
    return h;
}

kvrt_res *kvrt_wasi_p2_get(kvrt_ctx *ctx, uint32_t h, kvrt_hkind kind, const char *what)
{
    kvrt_res *r = kvrt_handle_get(&ctx->handles, h, kind);
    if (r == NULL)
        kvrt_trap(ctx, "%s: invalid handle %u", what, h);
    return r;
}

void kvrt_wasi_p2_drop(kvrt_ctx *ctx, uint32_t h, kvrt_hkind kind, const char *what)
{
    if (!kvrt_handle_drop(&ctx->handles, h, kind))
        kvrt_trap(ctx, "%s: invalid handle %u", what, h);
}

uint32_t kvrt_wasi_p2_new_pollable(kvrt_ctx *ctx, uint64_t deadline)
{
    kvrt_res res;
    res.u.poll.deadline = deadline;
    return kvrt_wasi_p2_new(ctx, KVRT_H_WASI_POLL, &res);
}

/* ---- output-stream ----------------------------------------------------------- */

void kvrt_wasi_p2_out_check_write(kvrt_ctx *ctx, uint32_t self, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 16, 8);
    kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_OUTPUT, "output-stream.check-write");
    r[0] = 0;
    kvrt_put_u64(r + 8, CHECK_WRITE_BUDGET);
}

/* write, blocking-write-and-flush */
void kvrt_wasi_p2_out_write(kvrt_ctx *ctx, uint32_t self, uint32_t ptr, uint32_t len, uint32_t ret)
{
    const uint8_t *src = kvrt_mem_span(ctx, ptr, len, 1);
    uint8_t *r = kvrt_mem_span(ctx, ret, 12, 4);
    kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_OUTPUT, "output-stream.write");
    kvrt_guestio_write(ctx, src, len);
    r[0] = 0;
}

/* flush, blocking-flush: every write is already out */
void kvrt_wasi_p2_out_flush(kvrt_ctx *ctx, uint32_t self, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 12, 4);
    kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_OUTPUT, "output-stream.flush");
    r[0] = 0;
}

/* write-zeroes, blocking-write-zeroes-and-flush */
void kvrt_wasi_p2_out_write_zeroes(kvrt_ctx *ctx, uint32_t self, uint64_t len, uint32_t ret)
{
    kvrt_mem_span(ctx, ret, 12, 4);
    kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_OUTPUT, "output-stream.write-zeroes");
    kvrt_guestio_write_zeroes(ctx, len);
    kvrt_mem_span(ctx, ret, 12, 4)[0] = 0;
}

/* splice, blocking-splice: the source is a closed input stream */
void kvrt_wasi_p2_out_splice(kvrt_ctx *ctx, uint32_t self, uint32_t src, uint64_t len, uint32_t ret)
{
    (void)len;
    uint8_t *r = kvrt_mem_span(ctx, ret, 16, 8);
    kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_OUTPUT, "output-stream.splice");
    kvrt_wasi_p2_get(ctx, src, KVRT_H_WASI_INPUT, "output-stream.splice (source)");
    r[0] = 1;
    r[8] = CLOSED;
}

uint32_t kvrt_wasi_p2_out_subscribe(kvrt_ctx *ctx, uint32_t self)
{
    kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_OUTPUT, "output-stream.subscribe");
    return kvrt_wasi_p2_new_pollable(ctx, 0);
}

void kvrt_wasi_p2_drop_output_stream(kvrt_ctx *ctx, uint32_t h)
{
    kvrt_wasi_p2_drop(ctx, h, KVRT_H_WASI_OUTPUT, "[resource-drop]output-stream");
}

/* ---- input-stream (always closed) ----------------------------------------------- */

/* read, blocking-read */
void kvrt_wasi_p2_in_read(kvrt_ctx *ctx, uint32_t self, uint64_t len, uint32_t ret)
{
    (void)len;
    uint8_t *r = kvrt_mem_span(ctx, ret, 12, 4);
    kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_INPUT, "input-stream.read");
    r[0] = 1;
    r[4] = CLOSED;
}

/* skip, blocking-skip */
void kvrt_wasi_p2_in_skip(kvrt_ctx *ctx, uint32_t self, uint64_t len, uint32_t ret)
{
    (void)len;
    uint8_t *r = kvrt_mem_span(ctx, ret, 16, 8);
    kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_INPUT, "input-stream.skip");
    r[0] = 1;
    r[8] = CLOSED;
}

uint32_t kvrt_wasi_p2_in_subscribe(kvrt_ctx *ctx, uint32_t self)
{
    kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_INPUT, "input-stream.subscribe");
    return kvrt_wasi_p2_new_pollable(ctx, 0);
}

void kvrt_wasi_p2_drop_input_stream(kvrt_ctx *ctx, uint32_t h)
{
    kvrt_wasi_p2_drop(ctx, h, KVRT_H_WASI_INPUT, "[resource-drop]input-stream");
}

/* ---- error ------------------------------------------------------------------------ */

void kvrt_wasi_p2_error_to_debug_string(kvrt_ctx *ctx, uint32_t self, uint32_t ret)
{
    kvrt_mem_span(ctx, ret, 8, 4);
    const char *msg = kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_ERROR, "error.to-debug-string")
                          ->u.err.msg;
    size_t n = strlen(msg);
    uint32_t p = kvrt_guest_copy(ctx, (const uint8_t *)msg, n);
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_put_u32(r, p);
    kvrt_put_u32(r + 4, (uint32_t)n);
}

void kvrt_wasi_p2_drop_error(kvrt_ctx *ctx, uint32_t h)
{
    kvrt_wasi_p2_drop(ctx, h, KVRT_H_WASI_ERROR, "[resource-drop]error");
}

/* ---- poll ------------------------------------------------------------------------- */

static bool ready(uint64_t deadline, uint64_t now)
{
    return deadline <= now;
}

/* poll(list<borrow<pollable>>) -> list<u32>: block until one is ready,
 * then the indices of all that are. */
void kvrt_wasi_p2_poll(kvrt_ctx *ctx, uint32_t list, uint32_t len, uint32_t ret)
{
    const uint8_t *l = kvrt_mem_span(ctx, list, (uint64_t)len * 4, 4);
    kvrt_mem_span(ctx, ret, 8, 4);
    if (len == 0)
        kvrt_trap(ctx, "poll: the list of pollables is empty");
    /* Deadlines into scratch first: realloc (guest code) comes later. */
    kvrt_buf *s = &ctx->scratch;
    s->len = 0;
    if (kvrt_buf_reserve(s, (size_t)len * 8) != 0)
        kvrt_trap(ctx, "poll: out of memory");
    uint64_t *deadlines = (uint64_t *)(void *)s->data;
    uint64_t earliest = UINT64_MAX;
    for (uint32_t i = 0; i < len; i++) {
        uint32_t h = kvrt_get_u32(l + (size_t)i * 4);
        deadlines[i] = kvrt_wasi_p2_get(ctx, h, KVRT_H_WASI_POLL, "poll")->u.poll.deadline;
        if (deadlines[i] < earliest)
            earliest = deadlines[i];
    }
    kvrt_guestio_sleep_until(ctx, earliest);
    uint64_t now = kvrt_os_now_ns();
    uint32_t n = 0;
    for (uint32_t i = 0; i < len; i++)
        n += ready(deadlines[i], now);
    uint32_t p = kvrt_guest_alloc(ctx, 4, (uint64_t)n * 4);
    deadlines = (uint64_t *)(void *)ctx->scratch.data;
    uint8_t *out = ctx->mem->data + p;
    for (uint32_t i = 0, k = 0; i < len; i++) {
        if (ready(deadlines[i], now))
            kvrt_put_u32(out + (size_t)4 * k++, i);
    }
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_put_u32(r, p);
    kvrt_put_u32(r + 4, n);
}

uint32_t kvrt_wasi_p2_pollable_ready(kvrt_ctx *ctx, uint32_t self)
{
    uint64_t d = kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_POLL, "pollable.ready")->u.poll.deadline;
    return ready(d, kvrt_os_now_ns());
}

void kvrt_wasi_p2_pollable_block(kvrt_ctx *ctx, uint32_t self)
{
    uint64_t d = kvrt_wasi_p2_get(ctx, self, KVRT_H_WASI_POLL, "pollable.block")->u.poll.deadline;
    kvrt_guestio_sleep_until(ctx, d);
}

void kvrt_wasi_p2_drop_pollable(kvrt_ctx *ctx, uint32_t h)
{
    kvrt_wasi_p2_drop(ctx, h, KVRT_H_WASI_POLL, "[resource-drop]pollable");
}
