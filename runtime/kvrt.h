/*
 * runtime/kvrt.h - the one header the generated glue includes: the runtime's
 * import functions (plain C arguments; guest memory is reached through the
 * context's checked view), the table of guest entry points the glue fills,
 * and kvrt_main, the executable's main loop.
 *
 * Every import function takes the context first, then the core wasm
 * arguments of SPEC §2 in order (i32 -> uint32_t, i64 -> uint64_t), the
 * return pointer last where the core signature has one. A guest fault makes
 * the function raise a wasm trap (it does not return).
 */
#ifndef KVRT_H
#define KVRT_H

#include <signal.h>
#include <stdint.h>

#include "wasm-rt.h"

typedef struct kvrt_ctx kvrt_ctx;

/* The first member of every kvrt_ctx: what the glue touches around each
 * import so a --timeout can only interrupt the guest, never the host in the
 * middle of a store update. */
typedef struct kvrt_ctx_head {
    volatile sig_atomic_t in_host;      /* 1 while an import runs */
    volatile sig_atomic_t timer_fired;  /* deadline passed while in_host */
    int in_realloc;                     /* the host is calling the guest's realloc */
    uintptr_t stack_floor;              /* imports trap below this stack address */
    uintptr_t entry_floor;              /* stack_floor, or UINTPTR_MAX while in_realloc:
                                         * one compare refuses both at import entry */
} kvrt_ctx_head;

/* Set in_realloc, and the entry floor with it (kvrt_host_enter). */
static inline void kvrt_set_in_realloc(kvrt_ctx_head *h, int on)
{
    h->in_realloc = on;
    h->entry_floor = on ? UINTPTR_MAX : h->stack_floor;
}

/* Set the stack floor, and the entry floor with it. */
static inline void kvrt_set_stack_floor(kvrt_ctx_head *h, uintptr_t floor)
{
    h->stack_floor = floor;
    kvrt_set_in_realloc(h, h->in_realloc);
}

/* Called when an import returns and the deadline passed meanwhile. */
_Noreturn void kvrt_timeout_trap(kvrt_ctx *ctx);
/* Called when the guest's realloc, run by the host in the middle of an
 * import, calls an import itself: that would change the store or the handle
 * table under the outer import's feet, so it traps. */
_Noreturn void kvrt_reentry_trap(kvrt_ctx *ctx);
/* Called when an import is entered with too little stack left: the guest's
 * recursion would otherwise run the stack out inside host code (in malloc,
 * say), where unwinding is not safe. */
_Noreturn void kvrt_stack_trap(kvrt_ctx *ctx);

/* Import entry refused (below the entry floor): re-entry from the guest's
 * realloc, or too little stack. */
_Noreturn void kvrt_entry_trap(kvrt_ctx *ctx);

static inline void kvrt_host_enter(kvrt_ctx *ctx)
{
    kvrt_ctx_head *h = (kvrt_ctx_head *)ctx;
    char probe;
    if ((uintptr_t)&probe < h->entry_floor)
        kvrt_entry_trap(ctx);
    h->in_host = 1;
}

/* Entry of a side-channel import (WASI preview 1, the toolchain host
 * functions): these touch neither the store nor the handle table, so the
 * guest's realloc may call them (wasi-libc's command-model exports run
 * constructors that call fd_prestat_get, even inside cabi_realloc). */
static inline void kvrt_host_enter_side(kvrt_ctx *ctx)
{
    kvrt_ctx_head *h = (kvrt_ctx_head *)ctx;
    char probe;
    if ((uintptr_t)&probe < h->stack_floor)
        kvrt_stack_trap(ctx);
    h->in_host = 1;
}

static inline void kvrt_host_leave(kvrt_ctx *ctx)
{
    kvrt_ctx_head *h = (kvrt_ctx_head *)ctx;
    h->in_host = 0;
    if (h->timer_fired)
        kvrt_timeout_trap(ctx);
}

/* Guest entry points, filled by the generated glue. `inst` is the wasm2c
 * instance the glue allocated; optional entries are NULL when the guest
 * does not export them. */
typedef struct kvrt_guest {
    void *(*instantiate)(kvrt_ctx *ctx);        /* NULL when out of memory */
    void (*start)(void *inst);                  /* the wasm start function (SPEC §8.6) */
    void (*free_instance)(void *inst);
    wasm_rt_memory_t *(*memory)(void *inst);
    uint32_t (*realloc_fn)(void *inst, uint32_t old_ptr, uint32_t old_size,
                           uint32_t align, uint32_t new_size);
    void (*initialize)(void *inst);
    void (*on_set)(void *inst, uint32_t bucket, uint32_t key_ptr,
                   uint32_t key_len, uint32_t incoming_value);
    void (*on_set_post)(void *inst);
    void (*on_delete)(void *inst, uint32_t bucket, uint32_t key_ptr, uint32_t key_len);
    void (*on_delete_post)(void *inst);
} kvrt_guest;

/* The executable's main: options, events, output (SPEC §5). */
int kvrt_main(int argc, char **argv, const kvrt_guest *guest);

/* ---- streams ---------------------------------------------------------- */
void kvrt_streams_read(kvrt_ctx *ctx, uint32_t src, uint64_t len, uint32_t ret);
void kvrt_streams_skip(kvrt_ctx *ctx, uint32_t src, uint64_t len, uint32_t ret);
void kvrt_streams_write(kvrt_ctx *ctx, uint32_t dst, uint32_t buf_ptr, uint32_t buf_len, uint32_t ret);
void kvrt_streams_write_repeated(kvrt_ctx *ctx, uint32_t dst, uint32_t byte, uint64_t len, uint32_t ret);
void kvrt_streams_splice(kvrt_ctx *ctx, uint32_t dst, uint32_t src, uint64_t len, uint32_t ret);
void kvrt_streams_forward(kvrt_ctx *ctx, uint32_t dst, uint32_t src, uint32_t ret);
void kvrt_streams_drop_input_stream(kvrt_ctx *ctx, uint32_t s);
void kvrt_streams_drop_output_stream(kvrt_ctx *ctx, uint32_t s);

/* ---- wasi-cloud-error ------------------------------------------------- */
void kvrt_wasi_cloud_error_drop_error(kvrt_ctx *ctx, uint32_t err);
void kvrt_wasi_cloud_error_trace(kvrt_ctx *ctx, uint32_t err, uint32_t ret);

/* ---- types ------------------------------------------------------------ */
void kvrt_types_drop_bucket(kvrt_ctx *ctx, uint32_t bucket);
void kvrt_types_open_bucket(kvrt_ctx *ctx, uint32_t name_ptr, uint32_t name_len, uint32_t ret);
void kvrt_types_drop_outgoing_value(kvrt_ctx *ctx, uint32_t ov);
uint32_t kvrt_types_new_outgoing_value(kvrt_ctx *ctx);
void kvrt_types_outgoing_value_write_body(kvrt_ctx *ctx, uint32_t ov, uint32_t ret);
void kvrt_types_drop_incoming_value(kvrt_ctx *ctx, uint32_t iv);
void kvrt_types_incoming_value_consume_sync(kvrt_ctx *ctx, uint32_t iv, uint32_t ret);
void kvrt_types_incoming_value_consume_async(kvrt_ctx *ctx, uint32_t iv, uint32_t ret);
uint64_t kvrt_types_size(kvrt_ctx *ctx, uint32_t iv);

/* ---- readwrite -------------------------------------------------------- */
void kvrt_readwrite_get(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len, uint32_t ret);
void kvrt_readwrite_set(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len, uint32_t ov, uint32_t ret);
void kvrt_readwrite_delete(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len, uint32_t ret);
void kvrt_readwrite_exists(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len, uint32_t ret);

/* ---- atomic ----------------------------------------------------------- */
void kvrt_atomic_increment(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len,
                           uint64_t delta, uint32_t ret);
void kvrt_atomic_compare_and_swap(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len,
                                  uint64_t old_v, uint64_t new_v, uint32_t ret);

/* ---- batch ------------------------------------------------------------ */
void kvrt_batch_get_many(kvrt_ctx *ctx, uint32_t bucket, uint32_t keys_ptr, uint32_t keys_len, uint32_t ret);
void kvrt_batch_get_keys(kvrt_ctx *ctx, uint32_t bucket, uint32_t ret);
void kvrt_batch_set_many(kvrt_ctx *ctx, uint32_t bucket, uint32_t keys_ptr, uint32_t keys_len,
                         uint32_t values_ptr, uint32_t values_len, uint32_t ret);
void kvrt_batch_delete_many(kvrt_ctx *ctx, uint32_t bucket, uint32_t keys_ptr, uint32_t keys_len, uint32_t ret);

/* ---- imports outside the world (SPEC §8) --------------------------------- */
#include "kvrt_wasi.h"

#endif
