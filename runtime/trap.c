/*
 * runtime/trap.c - host-raised traps: record why, then unwind through
 * wasm2c's trap mechanism to the wasm_rt_impl_try in loop.c.
 */
#include "ctx.h"

#include <stdarg.h>
#include <stdio.h>

void kvrt_trap(kvrt_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->trap_buf, sizeof ctx->trap_buf, fmt, ap);
    va_end(ap);
    ctx->trap_reason = ctx->trap_buf;
    kvrt_set_in_realloc(&ctx->head, 0);
    wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
}

_Noreturn void kvrt_timeout_trap(kvrt_ctx *ctx)
{
    ctx->head.timer_fired = 0;
    ctx->trap_reason = "time limit (--timeout) exceeded";
    kvrt_set_in_realloc(&ctx->head, 0);
    wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
}

_Noreturn void kvrt_reentry_trap(kvrt_ctx *ctx)
{
    kvrt_trap(ctx, "the guest's realloc called an import (re-entering the host)");
}

_Noreturn void kvrt_stack_trap(kvrt_ctx *ctx)
{
    ctx->trap_reason = "call stack exhausted (too little stack left to run an import)";
    kvrt_set_in_realloc(&ctx->head, 0);
    wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
}

_Noreturn void kvrt_entry_trap(kvrt_ctx *ctx)
{
    if (ctx->head.in_realloc)
        kvrt_reentry_trap(ctx);
    kvrt_stack_trap(ctx);
}
