/*
 * runtime/ctx.c - the lifetime of the runtime's state (kvrt_ctx, ctx.h):
 * its defaults and what it owns besides the store, the instance and the
 * guest's output. Shared by the executable's main (cli.c) and the tests and
 * fuzzers that drive the imports without one.
 */
#include "ctx.h"

#include <string.h>

void kvrt_ctx_init(kvrt_ctx *ctx, const kvrt_guest *guest)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->head.in_host = 1;
    ctx->guest = guest;
    ctx->limits.max_handles = 65536;
    ctx->limits.max_value = 64u << 20;
    kvrt_handles_init(&ctx->handles, ctx->limits.max_handles);
    kvrt_buf_init(&ctx->out);
    kvrt_buf_init(&ctx->scratch);
    kvrt_buf_init(&ctx->held);
    kvrt_buf_init(&ctx->jbody);
    ctx->format = KVRT_FMT_TEXT;
    ctx->wasi.out_fd = 2;
}

void kvrt_ctx_fini(kvrt_ctx *ctx)
{
    kvrt_handles_fini(&ctx->handles);
    kvrt_release_held(ctx);
    kvrt_buf_fini(&ctx->held);
    kvrt_buf_fini(&ctx->out);
    kvrt_buf_fini(&ctx->scratch);
    kvrt_buf_fini(&ctx->jbody);
}
