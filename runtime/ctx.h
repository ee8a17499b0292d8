/*
 * runtime/ctx.h - the runtime's state (kvrt_ctx), shared by the import
 * functions and the main loop, plus the guest-memory view and trap helpers
 * every import goes through (mem.c, trap.c).
 *
 * Guest memory is hostile: kvrt_mem_span is the only way to turn a guest
 * (offset, length) into a host pointer, and it checks the range (64-bit
 * arithmetic, so offset + length cannot wrap) and the alignment in the same
 * call. A span is valid only until the guest runs again (realloc may grow
 * memory): keep offsets, not pointers, across kvrt_guest_alloc.
 */
#ifndef KVRT_CTX_H
#define KVRT_CTX_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "handles.h"
#include "kvrt.h"
#include "kv.h"
#include "store.h"
#include "utf8.h"

typedef enum kvrt_format { KVRT_FMT_TEXT = 0, KVRT_FMT_JSON = 1 } kvrt_format;

typedef struct kvrt_limits {
    uint32_t max_handles;       /* live handles per instance */
    uint64_t max_value;         /* bytes per outgoing-value body */
    uint32_t max_memory_pages;  /* 0 = the guest's own maximum */
} kvrt_limits;

typedef struct kvrt_stats {
    uint64_t events, sets, deletes, traps, mutations, bad_lines;
    uint64_t retries;           /* --store redis: handler runs again after a conflict */
} kvrt_stats;

/* The guest's side channel (SPEC §8): where its fd 1/2 (WASI preview 1)
 * and stdout/stderr streams (WASI 0.2) go, and the environment it sees. */
typedef struct kvrt_wasi {
    int out_fd;             /* 2 (stderr, default), a --guest-output file, or -1 (none) */
    char **env;             /* "NAME=VALUE" from --env, in order */
    uint32_t nenv;
    uint64_t env_bytes;     /* sum of strlen + 1 */
} kvrt_wasi;

struct kvrt_ctx {
    kvrt_ctx_head head;             /* must stay first: see kvrt.h */
    const kvrt_guest *guest;
    void *inst;                     /* wasm2c instance, NULL when none */
    wasm_rt_memory_t *mem;          /* the instance's memory */
    kvrt_kv kv;                     /* the store (kv.h): in memory or Redis */
    kvrt_store *store;              /* the in-memory store; NULL with --store */
    bool store_lost;                /* kv failed for good: stop, exit 4 */
    kvrt_handles handles;
    kvrt_limits limits;
    kvrt_format format;
    kvrt_buf out;                   /* pending output records */
    kvrt_buf scratch;               /* the host's temporary space, reused (trap reports) */
    kvrt_buf held;                  /* kvrt_val *s the running import owns
                                     * (NULL entries skipped): released by
                                     * kvrt_release_held, also after a trap */
    kvrt_wasi wasi;
    /* --data: the journal of the running event's guest part (`open`, `set`,
     * `delete` lines, journal.h), cut off with the event when it traps. */
    struct kvrt_datadir *durable;   /* NULL without --data */
    kvrt_buf jbody;
    const char *trap_reason;        /* set by host-raised traps */
    char trap_buf[256];
    kvrt_stats stats;
};

/* ---- lifetime (ctx.c) ----------------------------------------------------- */

/* Zero ctx and set the defaults: 65536 live handles, 64 MiB bodies, text
 * output, guest output to stderr (fd 2). The store, the instance, the
 * memory and --data are the caller's to attach. A caller that changes
 * limits.max_handles before any handle exists calls kvrt_handles_init again. */
void kvrt_ctx_init(kvrt_ctx *ctx, const kvrt_guest *guest);
/* Release what ctx owns itself: every live handle, the held values and
 * the buffers. Not the store, the instance or the guest's output files
 * (kvrt_guestio_fini); call it before the store is freed. */
void kvrt_ctx_fini(kvrt_ctx *ctx);

/* ---- guest memory (mem.c) ---------------------------------------------- */

/* Host pointer to guest [off, off+len) with off % align == 0; traps when out
 * of range or misaligned. align is a power of two. */
uint8_t *kvrt_mem_span_slow(kvrt_ctx *ctx, uint32_t off, uint64_t len, uint32_t align);
static inline uint8_t *kvrt_mem_span(kvrt_ctx *ctx, uint32_t off, uint64_t len, uint32_t align)
{
    if ((uint64_t)off + len <= ctx->mem->size && (off & (align - 1)) == 0)
        return ctx->mem->data + off;
    return kvrt_mem_span_slow(ctx, off, len, align);    /* traps */
}
/* Lift a string argument: bounds-checked, valid UTF-8, else trap. */
_Noreturn void kvrt_mem_string_bad(kvrt_ctx *ctx, uint32_t ptr, uint32_t len);
static inline const uint8_t *kvrt_mem_string(kvrt_ctx *ctx, uint32_t ptr, uint32_t len)
{
    const uint8_t *s = kvrt_mem_span(ctx, ptr, len, 1);
    if (!kvrt_utf8_valid(s, len))
        kvrt_mem_string_bad(ctx, ptr, len);     /* traps */
    return s;
}
/* Guest memory for a returned list/string of `size` bytes: calls the
 * guest's realloc(0, 0, align, size) and checks the result; traps when the
 * result is misaligned or out of bounds. */
uint32_t kvrt_guest_alloc(kvrt_ctx *ctx, uint32_t align, uint64_t size);
/* Copy bytes into a fresh guest allocation; returns its offset. */
uint32_t kvrt_guest_copy(kvrt_ctx *ctx, const uint8_t *src, uint64_t len);
/* Host pointer to guest [off, off+len), or NULL when out of range (no
 * trap, no alignment rule): for WASI preview 1, whose bad pointers are
 * EFAULT results. A zero-length range is in range when off <= size. */
uint8_t *kvrt_mem_try(kvrt_ctx *ctx, uint32_t off, uint64_t len);

/* Little-endian scalars in guest memory (mem.c asserts a little-endian
 * host); inline, as every import result goes through them. */
static inline void kvrt_put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void kvrt_put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint32_t kvrt_get_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Drop the values in ctx->held and empty it. */
void kvrt_release_held(kvrt_ctx *ctx);

/* ---- traps (trap.c) ------------------------------------------------------ */

/* Raise a wasm trap on behalf of the host, with a reason for the report.
 * Never returns. Callers release what they hold first. */
_Noreturn void kvrt_trap(kvrt_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
