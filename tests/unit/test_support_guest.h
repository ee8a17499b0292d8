/*
 * tests/unit/test_support_guest.h - the test guest shared by the `imports`
 * suite (test_imports_streams.c, test_imports_store.c,
 * test_imports_hostile.c), which calls every import function of
 * runtime/kvrt.h through the C API.
 *
 * The harness is a hand-built kvrt_ctx over a calloc'd 1 MiB linear memory
 * and a bump-allocator realloc that tests can make return garbage (g_tg.mode),
 * plus helpers that place arguments in guest memory, read return areas, error
 * traces and the output feed, and preset or inspect the store. The suite's
 * setup and teardown (TestSuite(imports)) live in test_support_guest.c and
 * apply to every Test(imports, ...) in any file.
 *
 * Traps: the runtime raises them with wasm_rt_trap(), a siglongjmp to
 * wasm2c's global wasm_rt_jmp_buf. Every test body runs under tg_guarded(),
 * whose sigsetjmp turns an unexpected trap into a test failure naming the
 * host's reason; tg_traps() arms the buffer around one expected-trap call
 * and restores the outer guard afterwards. Both are plain functions that
 * make the guarded call themselves, so the frame that called sigsetjmp is
 * still live when the runtime jumps back to it.
 *
 * Shared functions take the prefix tg_; the globals keep the g_ prefix.
 */
#ifndef KVAOT_TEST_SUPPORT_GUEST_H
#define KVAOT_TEST_SUPPORT_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm-rt-impl.h"

#include "ctx.h"
#include "handles.h"
#include "kvrt.h"
#include "store.h"

#define MEM_SIZE (1u << 20)
#define ARG_BASE 0x1000u    /* arguments the test places, bump-allocated */
#define HEAP_BASE 0x80000u  /* the guest realloc's heap */
#define R 0x100u            /* the usual return area (8-aligned) */
#define TR 0x180u           /* return area of trace() inside helpers */
#define R2 0x200u           /* a second return area */
#define BADH 0xdeadu        /* a handle number never issued */

/* ---- the test guest ---------------------------------------------------- */

typedef enum alloc_mode {
    ALLOC_OK,           /* bump allocation, aligned */
    ALLOC_OOB,          /* aligned but ends past the memory */
    ALLOC_HUGE,         /* 0xfffffffc: wraps in 32 bits */
    ALLOC_MISALIGNED,   /* in bounds, off by one */
    ALLOC_AT_END,       /* the last `size` bytes of memory (valid) */
    ALLOC_REENTER       /* calls an import from inside realloc */
} alloc_mode;

#define LOG_MAX 64

typedef struct test_guest {
    uint32_t heap;          /* next free heap byte */
    uint32_t arg;           /* next free argument byte */
    alloc_mode mode;
    uint32_t good_calls;    /* calls answered with ALLOC_OK before `mode` */
    uint32_t calls;
    uint32_t log_align[LOG_MAX], log_size[LOG_MAX];
} test_guest;

/* Set up afresh before each test of the suite, torn down after it. */
extern kvrt_ctx g_ctx;
extern wasm_rt_memory_t g_mem;
extern test_guest g_tg;

/* Forget the realloc calls logged so far (g_tg.calls, log_align, log_size). */
void tg_reset_realloc_log(void);

/* Run a test body; an unexpected trap fails the test with its reason. */
void tg_guarded(void (*body)(void));

/* ---- guest memory helpers ------------------------------------------------ */

uint8_t tg_rd8(uint32_t off);
uint32_t tg_rd32(uint32_t off);
uint64_t tg_rd64(uint32_t off);

/* Fill a return area with 0xaa so stale bytes cannot pass for results. */
void tg_poison(uint32_t off, uint32_t n);

/* Copy bytes into the argument area; returns their guest offset. */
uint32_t tg_put_bytes(const void *src, size_t n, uint32_t align);

typedef struct gstr {
    uint32_t ptr, len;
} gstr;

/* A string argument placed in guest memory. */
gstr tg_gs(const char *s);

/* A list<string> argument: 8-byte (ptr, len) elements, 4-aligned. */
uint32_t tg_put_str_list(const char *const *items, size_t n);

/* A list<tuple<string, u32>> argument: 12-byte elements, 4-aligned. */
uint32_t tg_put_pair_list(const char *const *keys, const uint32_t *handles, size_t n);

/* Whether guest bytes [ptr, ptr + len) are in bounds and equal `want`. */
bool tg_guest_bytes_eq(uint32_t ptr, uint32_t len, const void *want, size_t wlen);

/* ---- store and feed helpers ---------------------------------------------- */

void tg_preset_n(const char *bucket, const char *key, const void *value, size_t vlen);
void tg_preset(const char *bucket, const char *key, const char *value);
/* The stored value (a reference of the caller's own) or NULL. */
kvrt_val *tg_stored(const char *bucket, const char *key);

/* The value stored under bucket/key must be `want` (NULL: missing). */
void tg_expect_stored(const char *bucket, const char *key, const char *want);

/* The pending output feed must be exactly `want`; then it is cleared. */
void tg_expect_feed(const char *want);

/* ---- import call helpers ------------------------------------------------ */

uint32_t tg_open_bucket(const char *name);
uint32_t tg_write_body(uint32_t ov);
void tg_write_str(uint32_t os, const char *text);

/* A new outgoing-value whose body is `body`. */
uint32_t tg_new_ov(const char *body);

uint32_t tg_get_iv(uint32_t bucket, const char *key);
uint32_t tg_consume_async(uint32_t iv);

/* An input-stream over the current value of bucket/key. */
uint32_t tg_instream(uint32_t bucket, const char *key);

/* consume-sync must give exactly `want`. */
void tg_expect_consume(uint32_t iv, const void *want, size_t wlen);

/* trace(err) must be `want`. */
void tg_expect_trace(uint32_t err, const char *want);

/* The result at `ret` must be an error (tag 1) whose handle, at ret+off,
 * traces as `want`; the error is dropped afterwards. */
void tg_expect_error_at(uint32_t ret, uint32_t off, const char *want);

/* tg_expect_error_at(R, 4, want). */
void tg_expect_error(const char *want);

/* get-keys of a bucket must list exactly `want`, in order. */
void tg_expect_keys(uint32_t bucket, const char *const *want, size_t n);

/* ---- expected traps: a table-friendly description of one import call ---- */

typedef enum imp {
    F_READ, F_SKIP, F_WRITE, F_WRITE_REPEATED, F_SPLICE, F_FORWARD,
    F_DROP_INPUT_STREAM, F_DROP_OUTPUT_STREAM, F_DROP_ERROR, F_TRACE,
    F_DROP_BUCKET, F_OPEN_BUCKET, F_DROP_OUTGOING, F_NEW_OUTGOING, F_WRITE_BODY,
    F_DROP_INCOMING, F_CONSUME_SYNC, F_CONSUME_ASYNC, F_SIZE,
    F_GET, F_SET, F_DELETE, F_EXISTS, F_INCREMENT, F_CAS,
    F_GET_MANY, F_GET_KEYS, F_SET_MANY, F_DELETE_MANY
} imp;

/* The WIT name of each import, for messages. */
extern const char *const tg_imp_names[];

typedef struct call {
    imp fn;
    uint64_t a[6];      /* the core arguments in order, return pointer last */
} call;

/* Whether the call traps. A host trap must leave a reason. The outer
 * guard's jump buffer is saved and restored around the call. */
bool tg_traps(const call *c);

void tg_expect_trap(const call *c, const char *why);
/* Run thunk (which calls imports) under a trap guard: the trap's reason,
 * or NULL when it returned. */
const char *tg_trap_of(void (*thunk)(void));
void tg_expect_no_trap(const call *c, const char *why);

#endif /* KVAOT_TEST_SUPPORT_GUEST_H */
