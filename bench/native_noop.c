/*
 * bench/native_noop.c - the trivial guest of bench/noop.wat written as
 * native C against the runtime's guest table (no wasm, no wasm2c): the
 * floor for the host's own per-event cost (parse, store, handles, key copy,
 * output), to compare the kvaot-built noop with.
 */
#include <stdint.h>

#include "kvrt.h"

static uint8_t g_bytes[65536];
static wasm_rt_memory_t g_mem;
static uint32_t g_bump = 1024;

static void *instantiate(kvrt_ctx *ctx)
{
    (void)ctx;
    g_mem.data = g_bytes;
    g_mem.size = sizeof g_bytes;
    g_mem.pages = 1;
    g_mem.max_pages = 1;
    return &g_mem;
}

static void free_instance(void *inst) { (void)inst; }
static wasm_rt_memory_t *memory(void *inst) { (void)inst; return &g_mem; }

static uint32_t realloc_fn(void *inst, uint32_t old_ptr, uint32_t old_size,
                           uint32_t align, uint32_t new_size)
{
    (void)inst; (void)old_ptr; (void)old_size;
    uint32_t p = (g_bump + align - 1) & ~(align - 1);
    g_bump = p + new_size;
    return p;
}

static void on_set(void *inst, uint32_t b, uint32_t kp, uint32_t kl, uint32_t iv)
{
    (void)inst; (void)b; (void)kp; (void)kl; (void)iv;
    g_bump = 1024;
}

static void on_delete(void *inst, uint32_t b, uint32_t kp, uint32_t kl)
{
    (void)inst; (void)b; (void)kp; (void)kl;
    g_bump = 1024;
}

static const kvrt_guest guest = {
    .instantiate = instantiate,
    .free_instance = free_instance,
    .memory = memory,
    .realloc_fn = realloc_fn,
    .on_set = on_set,
    .on_delete = on_delete,
};

int main(int argc, char **argv)
{
    return kvrt_main(argc, argv, &guest);
}
