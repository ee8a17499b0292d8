/*
 * runtime/mem.c - the checked view of guest linear memory and calls into the
 * guest's realloc; see ctx.h. Every import reads and writes guest memory
 * through these functions and nothing else. Also the release of the values
 * an import holds (ctx->held) when it ends or traps.
 */
#include "ctx.h"

#include <string.h>

#include "utf8.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "kvrt assumes a little-endian host (wasm memory is little-endian)");

/* kvrt_mem_span's out-of-line half: the range or the alignment is wrong
 * (it checks again, so it is also correct on its own). */
uint8_t *kvrt_mem_span_slow(kvrt_ctx *ctx, uint32_t off, uint64_t len, uint32_t align)
{
    uint64_t size = ctx->mem->size;
    if ((uint64_t)off + len > size)
        kvrt_trap(ctx, "out-of-bounds guest pointer %u (+%llu bytes, memory is %llu bytes)",
                  off, (unsigned long long)len, (unsigned long long)size);
    if ((off & (align - 1)) != 0)
        kvrt_trap(ctx, "misaligned guest pointer %u (needs alignment %u)", off, align);
    return ctx->mem->data + off;
}

uint8_t *kvrt_mem_try(kvrt_ctx *ctx, uint32_t off, uint64_t len)
{
    if ((uint64_t)off + len > ctx->mem->size)
        return NULL;
    return ctx->mem->data + off;
}

void kvrt_mem_string_bad(kvrt_ctx *ctx, uint32_t ptr, uint32_t len)
{
    kvrt_trap(ctx, "string argument at %u (%u bytes) is not valid UTF-8", ptr, len);
}

uint32_t kvrt_guest_alloc(kvrt_ctx *ctx, uint32_t align, uint64_t size)
{
    if (size > UINT32_MAX)
        kvrt_trap(ctx, "result of %llu bytes does not fit in guest memory",
                  (unsigned long long)size);
    if (ctx->head.in_realloc)
        kvrt_trap(ctx, "realloc re-entered the host");
    kvrt_set_in_realloc(&ctx->head, 1);
    ctx->head.in_host = 0;
    uint32_t p = ctx->guest->realloc_fn(ctx->inst, 0, 0, align, (uint32_t)size);
    ctx->head.in_host = 1;
    kvrt_set_in_realloc(&ctx->head, 0);
    if ((uint64_t)p + size > ctx->mem->size || (p & (align - 1)) != 0)
        kvrt_trap(ctx, "realloc(0, 0, %u, %llu) returned %u: out of bounds or misaligned",
                  align, (unsigned long long)size, p);
    return p;
}

uint32_t kvrt_guest_copy(kvrt_ctx *ctx, const uint8_t *src, uint64_t len)
{
    uint32_t p = kvrt_guest_alloc(ctx, 1, len);
    if (len)
        memcpy(ctx->mem->data + p, src, len);
    return p;
}

void kvrt_release_held(kvrt_ctx *ctx)
{
    kvrt_val **vals = (kvrt_val **)(void *)ctx->held.data;
    size_t n = ctx->held.len / sizeof(kvrt_val *);
    for (size_t i = 0; i < n; i++)
        kvrt_val_unref(vals[i]);
    ctx->held.len = 0;
}
