/*
 * tests/unit/test_imports.c - every import function of runtime/kvrt.h,
 * called through the C API against a test guest: a calloc'd 1 MiB linear
 * memory and a bump-allocator realloc that tests can make return garbage.
 * Checks the return areas at the exact offsets of SPEC §2, the trace texts
 * of SPEC §7, the output feed records, the semantics of SPEC §3, and the
 * hostile-guest rules (bounds, alignment, UTF-8, realloc results, imports
 * called from inside realloc, handle limits), which must trap.
 *
 * Traps: the runtime raises them with wasm_rt_trap(), a siglongjmp to
 * wasm2c's global wasm_rt_jmp_buf. Every test body runs under guarded(),
 * whose sigsetjmp turns an unexpected trap into a test failure naming the
 * host's reason; traps() arms the buffer around one expected-trap call and
 * restores the outer guard afterwards.
 */
#include <criterion/criterion.h>

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm-rt-impl.h"

#include "ctx.h"
#include "handles.h"
#include "kvrt.h"
#include "store.h"

#if defined(__SANITIZE_ADDRESS__)
#define IMPORTS_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMPORTS_HAVE_LSAN 1
#endif
#endif
#ifdef IMPORTS_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

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

static kvrt_ctx g_ctx;
static wasm_rt_memory_t g_mem;
static test_guest g_tg;
static kvrt_guest g_guest;

static uint32_t align_up(uint32_t v, uint32_t align)
{
    return (v + align - 1) & ~(align - 1);
}

static uint32_t test_realloc(void *inst, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                             uint32_t new_size)
{
    cr_assert_eq(inst, &g_tg, "realloc gets the instance");
    cr_assert_eq(old_ptr, 0u);
    cr_assert_eq(old_size, 0u);
    cr_assert(align == 1 || align == 2 || align == 4 || align == 8, "align %u", align);
    cr_assert_eq(g_ctx.head.in_host, 0, "realloc runs as guest code");
    uint32_t n = g_tg.calls++;
    if (n < LOG_MAX) {
        g_tg.log_align[n] = align;
        g_tg.log_size[n] = new_size;
    }
    alloc_mode mode = n < g_tg.good_calls ? ALLOC_OK : g_tg.mode;
    switch (mode) {
    case ALLOC_OOB:
        return MEM_SIZE - new_size + align;
    case ALLOC_HUGE:
        return 0xfffffffcu;
    case ALLOC_AT_END:
        return (MEM_SIZE - new_size) & ~(align - 1);
    case ALLOC_REENTER:
        /* A guest realloc that calls an import, forwarded the way the
         * generated glue forwards every import (templates, emit.c). */
        kvrt_host_enter(&g_ctx);
        (void)kvrt_types_new_outgoing_value(&g_ctx);
        kvrt_host_leave(&g_ctx);
        break;
    case ALLOC_MISALIGNED:
    case ALLOC_OK:
        break;
    }
    cr_assert_leq(new_size, MEM_SIZE - HEAP_BASE, "test heap too small");
    uint32_t p = align_up(g_tg.heap, align);
    if ((uint64_t)p + new_size + 1 > MEM_SIZE)
        p = HEAP_BASE;      /* wrap around: old results are throwaway */
    g_tg.heap = p + new_size;
    return mode == ALLOC_MISALIGNED ? p + 1 : p;
}

static void reset_realloc_log(void)
{
    g_tg.calls = 0;
}

static void setup(void)
{
    memset(&g_ctx, 0, sizeof g_ctx);
    g_ctx.head.in_host = 1;
    g_ctx.limits.max_handles = 65536;
    g_ctx.limits.max_value = 64u << 20;
    g_ctx.store = kvrt_store_new();
    cr_assert_not_null(g_ctx.store);
    kvrt_handles_init(&g_ctx.handles, g_ctx.limits.max_handles);
    kvrt_buf_init(&g_ctx.out);
    g_ctx.format = KVRT_FMT_TEXT;
    memset(&g_mem, 0, sizeof g_mem);
    g_mem.data = calloc(1, MEM_SIZE);
    cr_assert_not_null(g_mem.data);
    g_mem.size = MEM_SIZE;
    g_mem.pages = 16;
    g_mem.max_pages = 16;
    g_ctx.mem = &g_mem;
    memset(&g_tg, 0, sizeof g_tg);
    g_tg.heap = HEAP_BASE;
    g_tg.arg = ARG_BASE;
    memset(&g_guest, 0, sizeof g_guest);
    g_guest.name = "test-guest";
    g_guest.realloc_fn = test_realloc;
    g_ctx.guest = &g_guest;
    g_ctx.inst = &g_tg;
    wasm_rt_set_unwind_target(&wasm_rt_jmp_buf);
}

static void teardown(void)
{
    kvrt_handles_fini(&g_ctx.handles);
    kvrt_store_free(g_ctx.store);
    kvrt_buf_fini(&g_ctx.out);
    free(g_mem.data);
    memset(&g_ctx, 0, sizeof g_ctx);
#ifdef IMPORTS_HAVE_LSAN
    cr_expect_eq(__lsan_do_recoverable_leak_check(), 0, "LeakSanitizer found leaks");
#endif
}

TestSuite(imports, .init = setup, .fini = teardown);

/* Run a test body; an unexpected trap fails the test with its reason. */
static void guarded(void (*body)(void))
{
    if (sigsetjmp(wasm_rt_jmp_buf, 0) != 0)
        cr_assert_fail("unexpected trap: %s", g_ctx.trap_reason ? g_ctx.trap_reason : "(no reason)");
    body();
}

/* ---- guest memory helpers ------------------------------------------------ */

static uint8_t rd8(uint32_t off)
{
    cr_assert_lt(off, MEM_SIZE);
    return g_mem.data[off];
}

static uint32_t rd32(uint32_t off)
{
    cr_assert_leq((uint64_t)off + 4, MEM_SIZE);
    uint32_t v;
    memcpy(&v, g_mem.data + off, 4);
    return v;
}

static uint64_t rd64(uint32_t off)
{
    cr_assert_leq((uint64_t)off + 8, MEM_SIZE);
    uint64_t v;
    memcpy(&v, g_mem.data + off, 8);
    return v;
}

/* Fill a return area with 0xaa so stale bytes cannot pass for results. */
static void poison(uint32_t off, uint32_t n)
{
    memset(g_mem.data + off, 0xaa, n);
}

/* Copy bytes into the argument area; returns their guest offset. */
static uint32_t put_bytes(const void *src, size_t n, uint32_t align)
{
    cr_assert_lt(n, (size_t)(HEAP_BASE - ARG_BASE));
    uint32_t p = align_up(g_tg.arg, align);
    if (p + n > HEAP_BASE)
        p = ARG_BASE;
    if (n)
        memcpy(g_mem.data + p, src, n);
    g_tg.arg = p + (uint32_t)n;
    return p;
}

typedef struct gstr {
    uint32_t ptr, len;
} gstr;

static gstr gsn(const char *s, size_t n)
{
    gstr g = { put_bytes(s, n, 1), (uint32_t)n };
    return g;
}

static gstr gs(const char *s)
{
    return gsn(s, strlen(s));
}

/* A list<string> argument: 8-byte (ptr, len) elements, 4-aligned. */
static uint32_t put_str_list(const char *const *items, size_t n)
{
    uint32_t tmp[64 * 2];
    cr_assert_leq(n, (size_t)64);
    for (size_t i = 0; i < n; i++) {
        gstr g = gs(items[i]);
        tmp[2 * i] = g.ptr;
        tmp[2 * i + 1] = g.len;
    }
    return put_bytes(tmp, n * 8, 4);
}

/* A list<tuple<string, u32>> argument: 12-byte elements, 4-aligned. */
static uint32_t put_pair_list(const char *const *keys, const uint32_t *handles, size_t n)
{
    uint32_t tmp[64 * 3];
    cr_assert_leq(n, (size_t)64);
    for (size_t i = 0; i < n; i++) {
        gstr g = gs(keys[i]);
        tmp[3 * i] = g.ptr;
        tmp[3 * i + 1] = g.len;
        tmp[3 * i + 2] = handles[i];
    }
    return put_bytes(tmp, n * 12, 4);
}

static bool guest_bytes_eq(uint32_t ptr, uint32_t len, const void *want, size_t wlen)
{
    return len == wlen && (uint64_t)ptr + len <= MEM_SIZE &&
           (len == 0 || memcmp(g_mem.data + ptr, want, len) == 0);
}

/* ---- store and feed helpers ---------------------------------------------- */

static void preset_n(const char *bucket, const char *key, const void *value, size_t vlen)
{
    kvrt_bucket *b = kvrt_store_open(g_ctx.store, (const uint8_t *)bucket, strlen(bucket));
    cr_assert_not_null(b);
    kvrt_val *v = kvrt_val_new(value, vlen);
    cr_assert_not_null(v);
    cr_assert_eq(kvrt_bucket_set(g_ctx.store, b, (const uint8_t *)key, strlen(key), v), 0);
}

static void preset(const char *bucket, const char *key, const char *value)
{
    preset_n(bucket, key, value, strlen(value));
}

static kvrt_val *stored(const char *bucket, const char *key)
{
    kvrt_bucket *b = kvrt_store_find(g_ctx.store, (const uint8_t *)bucket, strlen(bucket));
    return b ? kvrt_bucket_get(b, (const uint8_t *)key, strlen(key)) : NULL;
}

/* The value stored under bucket/key must be `want` (NULL: missing). */
static void expect_stored(const char *bucket, const char *key, const char *want)
{
    kvrt_val *v = stored(bucket, key);
    if (want == NULL) {
        cr_expect_null(v, "%s/%s should be missing", bucket, key);
        return;
    }
    cr_assert_not_null(v, "%s/%s missing", bucket, key);
    cr_expect(v->len == strlen(want) && memcmp(v->data, want, v->len) == 0,
              "%s/%s = [%.*s], want [%s]", bucket, key, (int)v->len, (const char *)v->data, want);
}

/* The pending output feed must be exactly `want`; then it is cleared. */
static void expect_feed(const char *want)
{
    size_t n = strlen(want);
    cr_expect(g_ctx.out.len == n && (n == 0 || memcmp(g_ctx.out.data, want, n) == 0),
              "feed [%.*s], want [%s]", (int)g_ctx.out.len,
              g_ctx.out.data ? (const char *)g_ctx.out.data : "", want);
    kvrt_buf_truncate(&g_ctx.out, 0);
}

/* ---- import call helpers ------------------------------------------------ */

static uint32_t open_bucket(const char *name)
{
    gstr n = gs(name);
    poison(R2, 8);
    kvrt_types_open_bucket(&g_ctx, n.ptr, n.len, R2);
    cr_assert_eq(rd8(R2), 0, "open-bucket %s failed", name);
    uint32_t h = rd32(R2 + 4);
    cr_assert_neq(h, 0u);
    return h;
}

static uint32_t write_body(uint32_t ov)
{
    poison(R2, 8);
    kvrt_types_outgoing_value_write_body(&g_ctx, ov, R2);
    cr_assert_eq(rd8(R2), 0, "write-body failed");
    uint32_t s = rd32(R2 + 4);
    cr_assert_neq(s, 0u);
    return s;
}

static void write_str(uint32_t os, const char *text)
{
    gstr t = gs(text);
    poison(R2, 16);
    kvrt_streams_write(&g_ctx, os, t.ptr, t.len, R2);
    cr_assert_eq(rd8(R2), 0, "write failed");
    cr_assert_eq(rd64(R2 + 8), (uint64_t)t.len);
}

/* A new outgoing-value whose body is `body`. */
static uint32_t new_ov(const char *body)
{
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    cr_assert_neq(ov, 0u);
    if (body[0]) {
        uint32_t os = write_body(ov);
        write_str(os, body);
        kvrt_streams_drop_output_stream(&g_ctx, os);
    }
    return ov;
}

static uint32_t get_iv(uint32_t bucket, const char *key)
{
    gstr k = gs(key);
    poison(R2, 8);
    kvrt_readwrite_get(&g_ctx, bucket, k.ptr, k.len, R2);
    cr_assert_eq(rd8(R2), 0, "get %s failed", key);
    return rd32(R2 + 4);
}

static uint32_t consume_async(uint32_t iv)
{
    poison(R2, 8);
    kvrt_types_incoming_value_consume_async(&g_ctx, iv, R2);
    cr_assert_eq(rd8(R2), 0, "consume-async failed");
    return rd32(R2 + 4);
}

/* An input-stream over the current value of bucket/key. */
static uint32_t instream(uint32_t bucket, const char *key)
{
    uint32_t iv = get_iv(bucket, key);
    uint32_t s = consume_async(iv);
    kvrt_types_drop_incoming_value(&g_ctx, iv);
    return s;
}

/* consume-sync must give exactly `want`. */
static void expect_consume(uint32_t iv, const void *want, size_t wlen)
{
    poison(R2, 12);
    kvrt_types_incoming_value_consume_sync(&g_ctx, iv, R2);
    cr_assert_eq(rd8(R2), 0, "consume-sync failed");
    cr_expect(guest_bytes_eq(rd32(R2 + 4), rd32(R2 + 8), want, wlen),
              "consume-sync gave [%.*s], want [%.*s]", (int)rd32(R2 + 8),
              (const char *)g_mem.data + rd32(R2 + 4), (int)wlen, (const char *)want);
}

/* trace(err) must be `want`. */
static void expect_trace(uint32_t err, const char *want)
{
    poison(TR, 8);
    kvrt_wasi_cloud_error_trace(&g_ctx, err, TR);
    uint32_t p = rd32(TR), n = rd32(TR + 4);
    cr_expect(guest_bytes_eq(p, n, want, strlen(want)), "trace [%.*s], want [%s]",
              (int)(n < 300 ? n : 300), (const char *)g_mem.data + (p < MEM_SIZE ? p : 0), want);
}

/* The result at `ret` must be an error (tag 1) whose handle, at ret+off,
 * traces as `want`; the error is dropped afterwards. */
static void expect_error_at(uint32_t ret, uint32_t off, const char *want)
{
    cr_assert_eq(rd8(ret), 1, "expected error [%s], got tag %u", want, rd8(ret));
    uint32_t err = rd32(ret + off);
    cr_assert_neq(err, 0u);
    expect_trace(err, want);
    kvrt_wasi_cloud_error_drop_error(&g_ctx, err);
}

static void expect_error(const char *want)
{
    expect_error_at(R, 4, want);
}

/* get-keys of a bucket must list exactly `want`, in order. */
static void expect_keys(uint32_t bucket, const char *const *want, size_t n)
{
    poison(R2, 8);
    kvrt_batch_get_keys(&g_ctx, bucket, R2);
    uint32_t list = rd32(R2), len = rd32(R2 + 4);
    cr_assert_eq(len, (uint32_t)n, "get-keys: %u keys, want %zu", len, n);
    cr_assert_eq(list % 4, 0u);
    for (size_t i = 0; i < n; i++) {
        uint32_t p = rd32(list + 8 * (uint32_t)i), l = rd32(list + 8 * (uint32_t)i + 4);
        cr_expect(guest_bytes_eq(p, l, want[i], strlen(want[i])), "key %zu: [%.*s], want [%s]",
                  i, (int)l, (const char *)g_mem.data + p, want[i]);
    }
}

/* ---- expected traps: a table-friendly description of one import call ---- */

typedef enum imp {
    F_READ, F_SKIP, F_WRITE, F_WRITE_REPEATED, F_SPLICE, F_FORWARD,
    F_DROP_INPUT_STREAM, F_DROP_OUTPUT_STREAM, F_DROP_ERROR, F_TRACE,
    F_DROP_BUCKET, F_OPEN_BUCKET, F_DROP_OUTGOING, F_NEW_OUTGOING, F_WRITE_BODY,
    F_DROP_INCOMING, F_CONSUME_SYNC, F_CONSUME_ASYNC, F_SIZE,
    F_GET, F_SET, F_DELETE, F_EXISTS, F_INCREMENT, F_CAS,
    F_GET_MANY, F_GET_KEYS, F_SET_MANY, F_DELETE_MANY
} imp;

static const char *const imp_names[] = {
    "read", "skip", "write", "write-repeated", "splice", "forward",
    "drop-input-stream", "drop-output-stream", "drop-error", "trace",
    "drop-bucket", "open-bucket", "drop-outgoing-value", "new-outgoing-value",
    "outgoing-value-write-body", "drop-incoming-value", "incoming-value-consume-sync",
    "incoming-value-consume-async", "size", "get", "set", "delete", "exists",
    "increment", "compare-and-swap", "get-many", "get-keys", "set-many", "delete-many",
};

_Static_assert(sizeof imp_names / sizeof imp_names[0] == F_DELETE_MANY + 1,
               "one name per import");

typedef struct call {
    imp fn;
    uint64_t a[6];      /* the core arguments in order, return pointer last */
} call;

static uint32_t a32(const call *c, int i)
{
    return (uint32_t)c->a[i];
}

static void invoke(const call *c)
{
    kvrt_ctx *x = &g_ctx;
    switch (c->fn) {
    case F_READ: kvrt_streams_read(x, a32(c, 0), c->a[1], a32(c, 2)); break;
    case F_SKIP: kvrt_streams_skip(x, a32(c, 0), c->a[1], a32(c, 2)); break;
    case F_WRITE: kvrt_streams_write(x, a32(c, 0), a32(c, 1), a32(c, 2), a32(c, 3)); break;
    case F_WRITE_REPEATED:
        kvrt_streams_write_repeated(x, a32(c, 0), a32(c, 1), c->a[2], a32(c, 3));
        break;
    case F_SPLICE: kvrt_streams_splice(x, a32(c, 0), a32(c, 1), c->a[2], a32(c, 3)); break;
    case F_FORWARD: kvrt_streams_forward(x, a32(c, 0), a32(c, 1), a32(c, 2)); break;
    case F_DROP_INPUT_STREAM: kvrt_streams_drop_input_stream(x, a32(c, 0)); break;
    case F_DROP_OUTPUT_STREAM: kvrt_streams_drop_output_stream(x, a32(c, 0)); break;
    case F_DROP_ERROR: kvrt_wasi_cloud_error_drop_error(x, a32(c, 0)); break;
    case F_TRACE: kvrt_wasi_cloud_error_trace(x, a32(c, 0), a32(c, 1)); break;
    case F_DROP_BUCKET: kvrt_types_drop_bucket(x, a32(c, 0)); break;
    case F_OPEN_BUCKET: kvrt_types_open_bucket(x, a32(c, 0), a32(c, 1), a32(c, 2)); break;
    case F_DROP_OUTGOING: kvrt_types_drop_outgoing_value(x, a32(c, 0)); break;
    case F_NEW_OUTGOING: (void)kvrt_types_new_outgoing_value(x); break;
    case F_WRITE_BODY: kvrt_types_outgoing_value_write_body(x, a32(c, 0), a32(c, 1)); break;
    case F_DROP_INCOMING: kvrt_types_drop_incoming_value(x, a32(c, 0)); break;
    case F_CONSUME_SYNC: kvrt_types_incoming_value_consume_sync(x, a32(c, 0), a32(c, 1)); break;
    case F_CONSUME_ASYNC: kvrt_types_incoming_value_consume_async(x, a32(c, 0), a32(c, 1)); break;
    case F_SIZE: (void)kvrt_types_size(x, a32(c, 0)); break;
    case F_GET: kvrt_readwrite_get(x, a32(c, 0), a32(c, 1), a32(c, 2), a32(c, 3)); break;
    case F_SET:
        kvrt_readwrite_set(x, a32(c, 0), a32(c, 1), a32(c, 2), a32(c, 3), a32(c, 4));
        break;
    case F_DELETE: kvrt_readwrite_delete(x, a32(c, 0), a32(c, 1), a32(c, 2), a32(c, 3)); break;
    case F_EXISTS: kvrt_readwrite_exists(x, a32(c, 0), a32(c, 1), a32(c, 2), a32(c, 3)); break;
    case F_INCREMENT:
        kvrt_atomic_increment(x, a32(c, 0), a32(c, 1), a32(c, 2), c->a[3], a32(c, 4));
        break;
    case F_CAS:
        kvrt_atomic_compare_and_swap(x, a32(c, 0), a32(c, 1), a32(c, 2), c->a[3], c->a[4],
                                     a32(c, 5));
        break;
    case F_GET_MANY: kvrt_batch_get_many(x, a32(c, 0), a32(c, 1), a32(c, 2), a32(c, 3)); break;
    case F_GET_KEYS: kvrt_batch_get_keys(x, a32(c, 0), a32(c, 1)); break;
    case F_SET_MANY:
        kvrt_batch_set_many(x, a32(c, 0), a32(c, 1), a32(c, 2), a32(c, 3), a32(c, 4), a32(c, 5));
        break;
    case F_DELETE_MANY:
        kvrt_batch_delete_many(x, a32(c, 0), a32(c, 1), a32(c, 2), a32(c, 3));
        break;
    }
}

/* Whether the call traps. A host trap must leave a reason. The outer
 * guard's jump buffer is saved and restored around the call. */
static bool traps(const call *c)
{
    jmp_buf outer;
    memcpy(&outer, &wasm_rt_jmp_buf, sizeof outer);
    g_ctx.trap_reason = NULL;
    wasm_rt_set_unwind_target(&wasm_rt_jmp_buf);
    if (sigsetjmp(wasm_rt_jmp_buf, 0) != 0) {
        memcpy(&wasm_rt_jmp_buf, &outer, sizeof outer);
        cr_assert_not_null(g_ctx.trap_reason, "a host trap without a reason");
        cr_assert_eq(g_ctx.head.in_realloc, 0, "a trap ends the realloc call");
        g_ctx.head.in_host = 1;
        return true;
    }
    invoke(c);
    memcpy(&wasm_rt_jmp_buf, &outer, sizeof outer);
    return false;
}

static void expect_trap(const call *c, const char *why)
{
    cr_expect(traps(c), "%s: %s did not trap", why, imp_names[c->fn]);
}

static void expect_no_trap(const call *c, const char *why)
{
    cr_expect_not(traps(c), "%s: %s trapped: %s", why, imp_names[c->fn],
                  g_ctx.trap_reason ? g_ctx.trap_reason : "");
}

/* ======================================================================== */
/* streams                                                                   */
/* ======================================================================== */

static void t_read_lens_and_eos(void)
{
    preset("b", "k", "hello world");
    uint32_t b = open_bucket("b");
    uint32_t s = instream(b, "k");

    poison(R, 16);
    reset_realloc_log();
    kvrt_streams_read(&g_ctx, s, 4, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "hell", 4));
    cr_expect_eq(rd8(R + 12), 0, "eos while bytes remain");
    cr_assert_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 1u, "bytes are allocated with align 1");
    cr_expect_eq(g_tg.log_size[0], 4u);

    poison(R, 16);
    reset_realloc_log();
    kvrt_streams_read(&g_ctx, s, 0, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd32(R + 8), 0u);
    cr_expect_eq(rd8(R + 12), 0, "len 0 with bytes left is not eos");
    cr_expect_eq(g_tg.calls, 1u, "realloc is called for an empty list too");
    cr_expect_eq(g_tg.log_size[0], 0u);

    poison(R, 16);
    reset_realloc_log();
    kvrt_streams_read(&g_ctx, s, 100, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "o world", 7));
    cr_expect_eq(rd8(R + 12), 1);
    cr_expect_eq(g_tg.log_size[0], 7u, "never allocates more than what remains");

    for (int i = 0; i < 2; i++) {
        poison(R, 16);
        reset_realloc_log();
        kvrt_streams_read(&g_ctx, s, i ? UINT64_MAX : 5, R);
        cr_assert_eq(rd8(R), 0, "an ended stream is not an error");
        cr_expect_eq(rd32(R + 8), 0u);
        cr_expect_eq(rd8(R + 12), 1, "an ended stream returns (empty, true)");
        cr_expect_eq(g_tg.log_size[0], 0u);
    }
    kvrt_streams_drop_input_stream(&g_ctx, s);
}
Test(imports, read_small_lens_and_eos) { guarded(t_read_lens_and_eos); }

static void t_read_exact_and_empty(void)
{
    preset("b", "abc", "abc");
    preset("b", "empty", "");
    uint32_t b = open_bucket("b");
    uint32_t s = instream(b, "abc");
    poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 3, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "abc", 3));
    cr_expect_eq(rd8(R + 12), 1, "eos when nothing remains after this call");

    s = instream(b, "empty");
    poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 10, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd32(R + 8), 0u);
    cr_expect_eq(rd8(R + 12), 1);

    /* binary bytes come through unchanged */
    static const uint8_t bin[] = { 0, 0xff, '\n', 0x80, 0 };
    preset_n("b", "bin", bin, sizeof bin);
    s = instream(b, "bin");
    poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 1000, R);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), bin, sizeof bin));
}
Test(imports, read_exact_end_and_empty_value) { guarded(t_read_exact_and_empty); }

static void t_read_bad_handle(void)
{
    preset("b", "k", "v");
    uint32_t b = open_bucket("b");
    uint32_t iv = get_iv(b, "k");
    uint32_t dropped = instream(b, "k");
    kvrt_streams_drop_input_stream(&g_ctx, dropped);
    const uint32_t bad[] = { 0, BADH, dropped, iv, b };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        poison(R, 24);
        reset_realloc_log();
        kvrt_streams_read(&g_ctx, bad[i], 10, R);
        cr_expect_eq(rd8(R), 1, "read of bad stream %u: stream-error", bad[i]);
        cr_expect_eq(rd8(R + 4), 0, "stream-error payload byte");
        cr_expect_eq(g_tg.calls, 0u, "nothing allocated for an error");
        poison(R, 24);
        kvrt_streams_skip(&g_ctx, bad[i], 10, R);
        cr_expect_eq(rd8(R), 1, "skip of bad stream %u: stream-error", bad[i]);
        cr_expect_eq(rd8(R + 8), 0, "stream-error payload byte");
    }
    /* the incoming-value was not disturbed by being used as a stream */
    expect_consume(iv, "v", 1);
}
Test(imports, read_and_skip_bad_handle_is_stream_error) { guarded(t_read_bad_handle); }

static void t_skip(void)
{
    preset("b", "k", "0123456789");
    uint32_t b = open_bucket("b");
    uint32_t s = instream(b, "k");
    poison(R, 24);
    reset_realloc_log();
    kvrt_streams_skip(&g_ctx, s, 3, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 3u);
    cr_expect_eq(rd8(R + 16), 0);
    cr_expect_eq(g_tg.calls, 0u, "skip allocates nothing");

    poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 2, R);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "34", 2), "read after skip");

    poison(R, 24);
    kvrt_streams_skip(&g_ctx, s, 0, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 0u);
    cr_expect_eq(rd8(R + 16), 0);

    poison(R, 24);
    kvrt_streams_skip(&g_ctx, s, UINT64_MAX, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 5u);
    cr_expect_eq(rd8(R + 16), 1);

    poison(R, 24);
    kvrt_streams_skip(&g_ctx, s, 1, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 0u);
    cr_expect_eq(rd8(R + 16), 1, "ended stream");
}
Test(imports, skip) { guarded(t_skip); }

static void t_write_and_set(void)
{
    uint32_t b = open_bucket("b");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = write_body(ov);
    gstr t = gs("abc");
    poison(R, 16);
    kvrt_streams_write(&g_ctx, os, t.ptr, t.len, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 3u, "bytes moved at offset 8");
    poison(R, 16);
    kvrt_streams_write(&g_ctx, os, t.ptr, 0, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 0u);
    /* a zero-length list may point at the very end of memory */
    poison(R, 16);
    kvrt_streams_write(&g_ctx, os, MEM_SIZE, 0, R);
    cr_expect_eq(rd8(R), 0);
    gstr k = gs("k");
    poison(R, 8);
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    cr_assert_eq(rd8(R), 0);
    expect_stored("b", "k", "abc");
    expect_feed("set b k abc\n");
    /* output-streams are not the value: dropping one leaves the value */
    kvrt_streams_drop_output_stream(&g_ctx, os);
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    cr_expect_eq(rd8(R), 0);
    expect_feed("set b k abc\n");
}
Test(imports, write_appends_to_the_body) { guarded(t_write_and_set); }

static void t_write_repeated(void)
{
    uint32_t b = open_bucket("b");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = write_body(ov);
    poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'x', 3, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 3u);
    poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'y', 0, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 0u);
    /* the u8 argument arrives as an i32: only its low byte counts */
    poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 0x100 | 'z', 2, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 2u);
    gstr k = gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    expect_stored("b", "k", "xxxzz");
    expect_feed("set b k xxxzz\n");
}
Test(imports, write_repeated) { guarded(t_write_repeated); }

static void t_splice_forward(void)
{
    preset("src", "k", "abcdef");
    uint32_t bs = open_bucket("src");
    uint32_t s = instream(bs, "k");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = write_body(ov);
    poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 2, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 2u);
    cr_expect_eq(rd8(R + 16), 0);
    poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 0, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 0u);
    cr_expect_eq(rd8(R + 16), 0);
    poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 100, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 4u);
    cr_expect_eq(rd8(R + 16), 1);
    poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 100, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 0u);
    cr_expect_eq(rd8(R + 16), 1, "ended stream");

    uint32_t s2 = instream(bs, "k");
    poison(R, 24);
    kvrt_streams_skip(&g_ctx, s2, 1, R);
    poison(R, 16);
    kvrt_streams_forward(&g_ctx, os, s2, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 5u, "forward moves everything that remains");
    poison(R, 16);
    kvrt_streams_forward(&g_ctx, os, s2, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 0u);

    uint32_t b = open_bucket("dst");
    gstr k = gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    expect_stored("dst", "k", "abcdefbcdef");
    expect_feed("set dst k abcdefbcdef\n");
}
Test(imports, splice_and_forward) { guarded(t_splice_forward); }

static void t_stream_error_dropped_value(void)
{
    preset("b", "k", "payload");
    uint32_t b = open_bucket("b");
    uint32_t s = instream(b, "k");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = write_body(ov);
    kvrt_types_drop_outgoing_value(&g_ctx, ov);
    /* new values must not revive the stream, even if they reuse numbers */
    for (int i = 0; i < 3; i++)
        (void)kvrt_types_new_outgoing_value(&g_ctx);
    gstr t = gs("x");
    poison(R, 24);
    kvrt_streams_write(&g_ctx, os, t.ptr, t.len, R);
    cr_expect_eq(rd8(R), 1, "write to a dropped value");
    cr_expect_eq(rd8(R + 8), 0);
    poison(R, 24);
    kvrt_streams_write_repeated(&g_ctx, os, 'x', 3, R);
    cr_expect_eq(rd8(R), 1, "write-repeated to a dropped value");
    cr_expect_eq(rd8(R + 8), 0);
    poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 3, R);
    cr_expect_eq(rd8(R), 1, "splice to a dropped value");
    cr_expect_eq(rd8(R + 8), 0);
    poison(R, 24);
    kvrt_streams_forward(&g_ctx, os, s, R);
    cr_expect_eq(rd8(R), 1, "forward to a dropped value");
    cr_expect_eq(rd8(R + 8), 0);
    /* the input stream was not advanced by the failed moves */
    poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 100, R);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "payload", 7));
    /* dropping the output-stream still works */
    kvrt_streams_drop_output_stream(&g_ctx, os);
}
Test(imports, stream_error_when_value_dropped) { guarded(t_stream_error_dropped_value); }

static void t_stream_error_bad_handles(void)
{
    preset("b", "k", "payload");
    uint32_t b = open_bucket("b");
    uint32_t s = instream(b, "k");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = write_body(ov);
    gstr t = gs("x");
    const uint32_t bad_out[] = { 0, BADH, ov, s };
    for (size_t i = 0; i < sizeof bad_out / sizeof bad_out[0]; i++) {
        poison(R, 24);
        kvrt_streams_write(&g_ctx, bad_out[i], t.ptr, t.len, R);
        cr_expect_eq(rd8(R), 1, "write to %u", bad_out[i]);
        poison(R, 24);
        kvrt_streams_write_repeated(&g_ctx, bad_out[i], 'x', 1, R);
        cr_expect_eq(rd8(R), 1, "write-repeated to %u", bad_out[i]);
        poison(R, 24);
        kvrt_streams_splice(&g_ctx, bad_out[i], s, 1, R);
        cr_expect_eq(rd8(R), 1, "splice to %u", bad_out[i]);
        poison(R, 24);
        kvrt_streams_forward(&g_ctx, bad_out[i], s, R);
        cr_expect_eq(rd8(R), 1, "forward to %u", bad_out[i]);
    }
    const uint32_t bad_in[] = { 0, BADH, os, ov };
    for (size_t i = 0; i < sizeof bad_in / sizeof bad_in[0]; i++) {
        poison(R, 24);
        kvrt_streams_splice(&g_ctx, os, bad_in[i], 1, R);
        cr_expect_eq(rd8(R), 1, "splice from %u", bad_in[i]);
        cr_expect_eq(rd8(R + 8), 0);
        poison(R, 24);
        kvrt_streams_forward(&g_ctx, os, bad_in[i], R);
        cr_expect_eq(rd8(R), 1, "forward from %u", bad_in[i]);
        cr_expect_eq(rd8(R + 8), 0);
    }
    /* nothing reached the body */
    gstr k = gs("out");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    expect_stored("b", "out", "");
    poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 100, R);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "payload", 7), "input not advanced");
}
Test(imports, stream_error_on_bad_handles) { guarded(t_stream_error_bad_handles); }

static void t_max_value(void)
{
    g_ctx.limits.max_value = 10;
    preset("b", "src", "XYZ");
    uint32_t b = open_bucket("b");
    uint32_t s = instream(b, "src");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = write_body(ov);
    gstr eight = gs("aaaaaaaa");
    gstr three = gs("ccc");
    poison(R, 16);
    kvrt_streams_write(&g_ctx, os, eight.ptr, eight.len, R);
    cr_assert_eq(rd8(R), 0);
    poison(R, 16);
    kvrt_streams_write(&g_ctx, os, three.ptr, three.len, R);
    cr_expect_eq(rd8(R), 1, "write past --max-value");
    cr_expect_eq(rd8(R + 8), 0);
    poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'c', 3, R);
    cr_expect_eq(rd8(R), 1, "write-repeated past --max-value");
    poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'c', UINT64_MAX, R);
    cr_expect_eq(rd8(R), 1, "write-repeated of 2^64-1 bytes");
    poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 3, R);
    cr_expect_eq(rd8(R), 1, "splice past --max-value");
    poison(R, 16);
    kvrt_streams_forward(&g_ctx, os, s, R);
    cr_expect_eq(rd8(R), 1, "forward past --max-value");
    /* a splice that fits still works: the failed ones moved nothing */
    poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 1, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 1u);
    /* exactly reaching the cap is fine */
    poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'b', 1, R);
    cr_expect_eq(rd8(R), 0);
    poison(R, 16);
    kvrt_streams_write(&g_ctx, os, three.ptr, 0, R);
    cr_expect_eq(rd8(R), 0, "an empty write at the cap");
    poison(R, 16);
    kvrt_streams_forward(&g_ctx, os, s, R);
    cr_expect_eq(rd8(R), 1, "forward of 2 bytes at the cap");
    gstr k = gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    expect_stored("b", "k", "aaaaaaaaXb");
    /* the stream still holds "YZ" */
    poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 100, R);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "YZ", 2), "input not advanced");
}
Test(imports, max_value_cap_moves_nothing) { guarded(t_max_value); }

static void t_two_output_streams(void)
{
    uint32_t b = open_bucket("b");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os1 = write_body(ov);
    uint32_t os2 = write_body(ov);
    cr_assert_neq(os1, os2, "write-body makes a new stream each time");
    write_str(os1, "one,");
    write_str(os2, "two,");
    write_str(os1, "three");
    gstr k = gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    expect_stored("b", "k", "one,two,three");
    kvrt_streams_drop_output_stream(&g_ctx, os1);
    kvrt_streams_drop_output_stream(&g_ctx, os2);
}
Test(imports, write_body_again_appends) { guarded(t_two_output_streams); }

static void t_drop_streams(void)
{
    preset("b", "k", "v");
    uint32_t b = open_bucket("b");
    uint32_t s = instream(b, "k");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = write_body(ov);
    expect_trap(&(call){ F_DROP_INPUT_STREAM, { os } }, "output-stream as input-stream");
    expect_trap(&(call){ F_DROP_OUTPUT_STREAM, { s } }, "input-stream as output-stream");
    expect_trap(&(call){ F_DROP_INPUT_STREAM, { 0 } }, "handle 0");
    expect_trap(&(call){ F_DROP_OUTPUT_STREAM, { BADH } }, "never issued");
    expect_no_trap(&(call){ F_DROP_INPUT_STREAM, { s } }, "drop");
    expect_no_trap(&(call){ F_DROP_OUTPUT_STREAM, { os } }, "drop");
    expect_trap(&(call){ F_DROP_INPUT_STREAM, { s } }, "double drop");
    expect_trap(&(call){ F_DROP_OUTPUT_STREAM, { os } }, "double drop");
    /* the outgoing-value outlives its stream */
    gstr k = gs("k2");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    cr_expect_eq(rd8(R), 0);
}
Test(imports, drop_streams) { guarded(t_drop_streams); }

/* ======================================================================== */
/* wasi-cloud-error                                                          */
/* ======================================================================== */

static void t_trace_and_drop_error(void)
{
    uint32_t b = open_bucket("users");
    gstr k = gs("user/42");
    poison(R, 8);
    kvrt_readwrite_get(&g_ctx, b, k.ptr, k.len, R);
    cr_assert_eq(rd8(R), 1);
    uint32_t err = rd32(R + 4);
    const char *want = "no such key: \"user/42\" in bucket \"users\"";
    reset_realloc_log();
    poison(R2, 8);
    kvrt_wasi_cloud_error_trace(&g_ctx, err, R2);
    cr_expect(guest_bytes_eq(rd32(R2), rd32(R2 + 4), want, strlen(want)), "ptr@0 len@4");
    cr_expect_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 1u, "strings are allocated with align 1");
    cr_expect_eq(g_tg.log_size[0], (uint32_t)strlen(want));
    expect_trace(err, want);    /* tracing does not consume */
    expect_no_trap(&(call){ F_DROP_ERROR, { err } }, "drop-error");
    expect_trap(&(call){ F_DROP_ERROR, { err } }, "double drop-error");
    expect_trap(&(call){ F_TRACE, { err, R } }, "trace of a dropped error");
    expect_trap(&(call){ F_TRACE, { b, R } }, "trace of a bucket");
    expect_trap(&(call){ F_TRACE, { 0, R } }, "trace of 0");
    expect_trap(&(call){ F_DROP_ERROR, { b } }, "drop-error of a bucket");
    expect_trap(&(call){ F_DROP_ERROR, { BADH } }, "drop-error never issued");
}
Test(imports, trace_and_drop_error) { guarded(t_trace_and_drop_error); }

static void t_trace_quoting(void)
{
    /* K and B are quoted with the canonical escapes */
    static const struct { const char *bucket, *key, *want; } cases[] = {
        { "b", "a\"b\\c", "no such key: \"a\\\"b\\\\c\" in bucket \"b\"" },
        { "", "", "no such key: \"\" in bucket \"\"" },
        { "tab\tb", "nl\nk", "no such key: \"nl\\nk\" in bucket \"tab\\tb\"" },
        { "b", "\x01\x7f\r", "no such key: \"\\x01\\x7f\\r\" in bucket \"b\"" },
        { "b", "caf\xc3\xa9 \xe2\x82\xac", "no such key: \"caf\xc3\xa9 \xe2\x82\xac\" in bucket \"b\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t b = open_bucket(cases[i].bucket);
        gstr k = gs(cases[i].key);
        poison(R, 8);
        kvrt_readwrite_get(&g_ctx, b, k.ptr, k.len, R);
        expect_error(cases[i].want);
    }
}
Test(imports, trace_texts_quote_keys_and_buckets) { guarded(t_trace_quoting); }

/* ======================================================================== */
/* types                                                                     */
/* ======================================================================== */

static void t_open_bucket(void)
{
    gstr n = gs("b");
    poison(R, 8);
    kvrt_types_open_bucket(&g_ctx, n.ptr, n.len, R);
    cr_assert_eq(rd8(R), 0);
    uint32_t h1 = rd32(R + 4);
    poison(R, 8);
    kvrt_types_open_bucket(&g_ctx, n.ptr, n.len, R);
    cr_assert_eq(rd8(R), 0);
    uint32_t h2 = rd32(R + 4);
    cr_expect_neq(h1, 0u);
    cr_expect_neq(h2, 0u);
    cr_expect_neq(h1, h2, "each open-bucket returns a fresh handle");
    cr_expect_eq(g_ctx.handles.live, 2u);
    kvrt_bucket *sb = kvrt_store_find(g_ctx.store, (const uint8_t *)"b", 1);
    cr_assert_not_null(sb, "open-bucket creates the bucket");
    cr_expect_null(kvrt_bucket_next(sb), "one bucket, not two");
    /* the empty name is a bucket too */
    poison(R, 8);
    kvrt_types_open_bucket(&g_ctx, n.ptr, 0, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_not_null(kvrt_store_find(g_ctx.store, (const uint8_t *)"", 0));
    expect_feed("");
    /* both handles reach the same bucket; dropping one leaves the other */
    preset("b", "k", "v");
    kvrt_types_drop_bucket(&g_ctx, h1);
    gstr k = gs("k");
    poison(R, 8);
    kvrt_readwrite_exists(&g_ctx, h2, k.ptr, k.len, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd8(R + 4), 1);
    poison(R, 8);
    kvrt_readwrite_exists(&g_ctx, h1, k.ptr, k.len, R);
    char want[64];
    snprintf(want, sizeof want, "invalid bucket handle %u", h1);
    expect_error(want);
}
Test(imports, open_bucket_fresh_handles) { guarded(t_open_bucket); }

static void t_drops(void)
{
    preset("b", "k", "v");
    uint32_t b = open_bucket("b");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t iv = get_iv(b, "k");
    expect_trap(&(call){ F_DROP_BUCKET, { ov } }, "outgoing-value as bucket");
    expect_trap(&(call){ F_DROP_OUTGOING, { iv } }, "incoming-value as outgoing-value");
    expect_trap(&(call){ F_DROP_INCOMING, { b } }, "bucket as incoming-value");
    expect_trap(&(call){ F_DROP_BUCKET, { 0 } }, "handle 0");
    expect_trap(&(call){ F_DROP_OUTGOING, { BADH } }, "never issued");
    expect_trap(&(call){ F_DROP_INCOMING, { BADH } }, "never issued");
    cr_expect_eq(g_ctx.handles.live, 3u);
    expect_no_trap(&(call){ F_DROP_BUCKET, { b } }, "drop-bucket");
    expect_no_trap(&(call){ F_DROP_OUTGOING, { ov } }, "drop-outgoing-value");
    expect_no_trap(&(call){ F_DROP_INCOMING, { iv } }, "drop-incoming-value");
    cr_expect_eq(g_ctx.handles.live, 0u);
    expect_trap(&(call){ F_DROP_BUCKET, { b } }, "double drop-bucket");
    expect_trap(&(call){ F_DROP_OUTGOING, { ov } }, "double drop-outgoing-value");
    expect_trap(&(call){ F_DROP_INCOMING, { iv } }, "double drop-incoming-value");
    /* dropping a bucket handle does not touch the store */
    expect_stored("b", "k", "v");
}
Test(imports, drop_bucket_outgoing_incoming) { guarded(t_drops); }

static void t_new_outgoing_value(void)
{
    uint32_t b = open_bucket("b");
    uint32_t a = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t c = kvrt_types_new_outgoing_value(&g_ctx);
    cr_expect_neq(a, 0u);
    cr_expect_neq(c, 0u);
    cr_expect_neq(a, c);
    gstr k = gs("k");
    poison(R, 8);
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, a, R);
    cr_assert_eq(rd8(R), 0);
    expect_stored("b", "k", "");
    expect_feed("set b k \"\"\n");
}
Test(imports, new_outgoing_value_is_empty) { guarded(t_new_outgoing_value); }

static void t_write_body_bad_handle(void)
{
    uint32_t b = open_bucket("b");
    uint32_t dropped = kvrt_types_new_outgoing_value(&g_ctx);
    kvrt_types_drop_outgoing_value(&g_ctx, dropped);
    const uint32_t bad[] = { 0, BADH, dropped, b };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t live = g_ctx.handles.live;
        poison(R, 8);
        kvrt_types_outgoing_value_write_body(&g_ctx, bad[i], R);
        cr_expect_eq(rd8(R), 1, "write-body of %u: err tag", bad[i]);
        cr_expect_eq(g_ctx.handles.live, live, "no handle made for %u", bad[i]);
    }
}
Test(imports, write_body_bad_handle_is_err) { guarded(t_write_body_bad_handle); }

static void t_consume_sync(void)
{
    preset("b", "k", "the value");
    uint32_t b = open_bucket("b");
    uint32_t iv = get_iv(b, "k");
    poison(R, 12);
    reset_realloc_log();
    kvrt_types_incoming_value_consume_sync(&g_ctx, iv, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "the value", 9), "ptr@4 len@8");
    cr_expect_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 1u);
    cr_expect_eq(g_tg.log_size[0], 9u);
    poison(R, 12);
    kvrt_types_incoming_value_consume_sync(&g_ctx, iv, R);
    expect_error_at(R, 4, "incoming-value already consumed");
    poison(R, 8);
    kvrt_types_incoming_value_consume_async(&g_ctx, iv, R);
    expect_error_at(R, 4, "incoming-value already consumed");
    cr_expect_eq(kvrt_types_size(&g_ctx, iv), 9u, "size keeps working");
    kvrt_types_drop_incoming_value(&g_ctx, iv);

    /* bad handles: an error naming the number */
    char want[64];
    const uint32_t bad[] = { 0, BADH, iv, b };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(want, sizeof want, "invalid incoming-value handle %u", bad[i]);
        poison(R, 12);
        kvrt_types_incoming_value_consume_sync(&g_ctx, bad[i], R);
        expect_error_at(R, 4, want);
        poison(R, 8);
        kvrt_types_incoming_value_consume_async(&g_ctx, bad[i], R);
        expect_error_at(R, 4, want);
    }
    /* empty value */
    preset("b", "e", "");
    iv = get_iv(b, "e");
    reset_realloc_log();
    expect_consume(iv, "", 0);
    cr_expect_eq(g_tg.calls, 1u, "realloc called for 0 bytes too");
}
Test(imports, consume_sync) { guarded(t_consume_sync); }

static void t_consume_async(void)
{
    preset("b", "k", "streamed");
    uint32_t b = open_bucket("b");
    uint32_t iv = get_iv(b, "k");
    poison(R, 8);
    kvrt_types_incoming_value_consume_async(&g_ctx, iv, R);
    cr_assert_eq(rd8(R), 0);
    uint32_t s = rd32(R + 4);
    cr_assert_neq(s, 0u);
    poison(R, 8);
    kvrt_types_incoming_value_consume_async(&g_ctx, iv, R);
    expect_error_at(R, 4, "incoming-value already consumed");
    poison(R, 12);
    kvrt_types_incoming_value_consume_sync(&g_ctx, iv, R);
    expect_error_at(R, 4, "incoming-value already consumed");
    cr_expect_eq(kvrt_types_size(&g_ctx, iv), 8u);
    /* the stream is independent of its incoming-value */
    kvrt_types_drop_incoming_value(&g_ctx, iv);
    kvrt_val *v = stored("b", "k");
    cr_expect_eq(v->refs, 2u, "store + stream share the value");
    poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 3, R);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "str", 3));
    /* and of the store */
    gstr k = gs("k");
    kvrt_readwrite_delete(&g_ctx, b, k.ptr, k.len, R);
    cr_expect_eq(rd8(R), 0);
    poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 100, R);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "eamed", 5));
    cr_expect_eq(rd8(R + 12), 1);
    kvrt_streams_drop_input_stream(&g_ctx, s);
}
Test(imports, consume_async) { guarded(t_consume_async); }

static void t_size(void)
{
    static const uint8_t bin[] = { 'a', 0, 'b', 0xff };
    preset_n("b", "k", bin, sizeof bin);
    preset("b", "e", "");
    uint32_t b = open_bucket("b");
    uint32_t iv = get_iv(b, "k");
    cr_expect_eq(kvrt_types_size(&g_ctx, iv), 4u);
    expect_consume(iv, bin, sizeof bin);
    cr_expect_eq(kvrt_types_size(&g_ctx, iv), 4u, "size after consume");
    uint32_t ive = get_iv(b, "e");
    cr_expect_eq(kvrt_types_size(&g_ctx, ive), 0u);
    kvrt_types_drop_incoming_value(&g_ctx, iv);
    expect_trap(&(call){ F_SIZE, { iv } }, "size of a dropped incoming-value");
    expect_trap(&(call){ F_SIZE, { 0 } }, "size of 0");
    expect_trap(&(call){ F_SIZE, { BADH } }, "size never issued");
    expect_trap(&(call){ F_SIZE, { b } }, "size of a bucket");
}
Test(imports, size) { guarded(t_size); }

/* ======================================================================== */
/* readwrite                                                                 */
/* ======================================================================== */

static void t_get(void)
{
    uint32_t b = open_bucket("users");
    gstr k = gs("user/42");
    uint32_t live = g_ctx.handles.live;
    poison(R, 8);
    kvrt_readwrite_get(&g_ctx, b, k.ptr, k.len, R);
    expect_error("no such key: \"user/42\" in bucket \"users\"");
    cr_expect_eq(g_ctx.handles.live, live);

    preset("users", "user/42", "alice");
    poison(R, 8);
    kvrt_readwrite_get(&g_ctx, b, k.ptr, k.len, R);
    cr_assert_eq(rd8(R), 0);
    uint32_t iv = rd32(R + 4);
    kvrt_val *v = stored("users", "user/42");
    cr_expect_eq(v->refs, 2u, "the incoming-value shares the stored value");
    expect_consume(iv, "alice", 5);
    kvrt_types_drop_incoming_value(&g_ctx, iv);
    cr_expect_eq(v->refs, 1u, "dropping it gives the reference back");
    expect_feed("");
}
Test(imports, get) { guarded(t_get); }

static void t_get_snapshot(void)
{
    preset("b", "k", "old");
    uint32_t b = open_bucket("b");
    uint32_t iv1 = get_iv(b, "k");
    uint32_t iv2 = get_iv(b, "k");
    uint32_t ov = new_ov("new");
    gstr k = gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    cr_assert_eq(rd8(R), 0);
    uint32_t iv3 = get_iv(b, "k");
    kvrt_readwrite_delete(&g_ctx, b, k.ptr, k.len, R);
    cr_assert_eq(rd8(R), 0);
    expect_consume(iv1, "old", 3);
    cr_expect_eq(kvrt_types_size(&g_ctx, iv2), 3u);
    uint32_t s = consume_async(iv2);
    poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 10, R);
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "old", 3));
    expect_consume(iv3, "new", 3);
}
Test(imports, get_is_a_snapshot) { guarded(t_get_snapshot); }

static void t_invalid_bucket(void)
{
    preset("b", "k", "5");
    uint32_t good = open_bucket("b");
    uint32_t dropped = open_bucket("b");
    kvrt_types_drop_bucket(&g_ctx, dropped);
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    const uint32_t bad[] = { 0, BADH, dropped, ov };
    gstr k = gs("k");
    uint32_t keys = put_str_list((const char *const[]){ "k" }, 1);
    uint32_t pairs = put_pair_list((const char *const[]){ "k" }, &ov, 1);
    char want[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(want, sizeof want, "invalid bucket handle %u", bad[i]);
        poison(R, 16);
        kvrt_readwrite_get(&g_ctx, bad[i], k.ptr, k.len, R);
        expect_error(want);
        poison(R, 16);
        kvrt_readwrite_set(&g_ctx, bad[i], k.ptr, k.len, ov, R);
        expect_error(want);
        poison(R, 16);
        kvrt_readwrite_delete(&g_ctx, bad[i], k.ptr, k.len, R);
        expect_error(want);
        poison(R, 16);
        kvrt_readwrite_exists(&g_ctx, bad[i], k.ptr, k.len, R);
        expect_error(want);
        poison(R, 16);
        kvrt_atomic_increment(&g_ctx, bad[i], k.ptr, k.len, 1, R);
        expect_error_at(R, 8, want);
        poison(R, 16);
        kvrt_atomic_compare_and_swap(&g_ctx, bad[i], k.ptr, k.len, 5, 6, R);
        expect_error(want);
        poison(R, 16);
        kvrt_batch_get_many(&g_ctx, bad[i], keys, 1, R);
        expect_error(want);
        poison(R, 16);
        kvrt_batch_set_many(&g_ctx, bad[i], keys, 1, pairs, 1, R);
        expect_error(want);
        poison(R, 16);
        kvrt_batch_delete_many(&g_ctx, bad[i], keys, 1, R);
        expect_error(want);
        expect_trap(&(call){ F_GET_KEYS, { bad[i], R } }, "get-keys of a bad bucket");
    }
    expect_stored("b", "k", "5");
    expect_feed("");
    cr_expect_eq(g_ctx.handles.live, 2u, "only good and ov remain");
    poison(R, 8);
    kvrt_readwrite_exists(&g_ctx, good, k.ptr, k.len, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd8(R + 4), 1);
}
Test(imports, invalid_bucket_handle_errors) { guarded(t_invalid_bucket); }

static void t_set(void)
{
    uint32_t b = open_bucket("b");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = write_body(ov);
    write_str(os, "ab");
    gstr k1 = gs("k1"), k2 = gs("k2");
    poison(R, 8);
    kvrt_readwrite_set(&g_ctx, b, k1.ptr, k1.len, ov, R);
    cr_assert_eq(rd8(R), 0);
    write_str(os, "cd");
    poison(R, 8);
    kvrt_readwrite_set(&g_ctx, b, k2.ptr, k2.len, ov, R);
    cr_assert_eq(rd8(R), 0);
    expect_stored("b", "k1", "ab");
    expect_stored("b", "k2", "abcd");
    expect_feed("set b k1 ab\nset b k2 abcd\n");
    /* overwrite keeps the key's place */
    kvrt_readwrite_set(&g_ctx, b, k1.ptr, k1.len, ov, R);
    expect_stored("b", "k1", "abcd");
    expect_keys(b, (const char *const[]){ "k1", "k2" }, 2);
    expect_feed("set b k1 abcd\n");

    /* invalid outgoing-values: error, nothing stored or printed */
    uint32_t dropped = kvrt_types_new_outgoing_value(&g_ctx);
    kvrt_types_drop_outgoing_value(&g_ctx, dropped);
    const uint32_t bad[] = { 0, BADH, dropped, os, b };
    char want[64];
    gstr k3 = gs("k3");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(want, sizeof want, "invalid outgoing-value handle %u", bad[i]);
        poison(R, 8);
        kvrt_readwrite_set(&g_ctx, b, k3.ptr, k3.len, bad[i], R);
        expect_error(want);
    }
    expect_stored("b", "k3", NULL);
    expect_feed("");
}
Test(imports, set_copies_body_so_far) { guarded(t_set); }

static void t_delete(void)
{
    preset("b", "k", "v");
    preset("b", "other", "w");
    uint32_t b = open_bucket("b");
    gstr k = gs("k");
    poison(R, 8);
    kvrt_readwrite_delete(&g_ctx, b, k.ptr, k.len, R);
    cr_assert_eq(rd8(R), 0);
    expect_stored("b", "k", NULL);
    expect_feed("delete b k\n");
    poison(R, 8);
    kvrt_readwrite_delete(&g_ctx, b, k.ptr, k.len, R);
    expect_error("no such key: \"k\" in bucket \"b\"");
    expect_feed("");
    expect_stored("b", "other", "w");
}
Test(imports, delete) { guarded(t_delete); }

static void t_exists(void)
{
    preset("b", "k", "v");
    uint32_t b = open_bucket("b");
    gstr k = gs("k"), m = gs("missing");
    uint32_t live = g_ctx.handles.live;
    poison(R, 8);
    kvrt_readwrite_exists(&g_ctx, b, k.ptr, k.len, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd8(R + 4), 1);
    poison(R, 8);
    kvrt_readwrite_exists(&g_ctx, b, m.ptr, m.len, R);
    cr_expect_eq(rd8(R), 0, "a missing key is not an error");
    cr_expect_eq(rd8(R + 4), 0);
    cr_expect_eq(g_ctx.handles.live, live, "no error handle made");
    expect_feed("");
}
Test(imports, exists) { guarded(t_exists); }

/* ======================================================================== */
/* atomic                                                                    */
/* ======================================================================== */

static void t_increment(void)
{
    uint32_t b = open_bucket("b");
    gstr c = gs("c");
    poison(R, 16);
    kvrt_atomic_increment(&g_ctx, b, c.ptr, c.len, 5, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 5u, "u64 at offset 8");
    expect_stored("b", "c", "5");
    expect_feed("set b c 5\n");
    poison(R, 16);
    kvrt_atomic_increment(&g_ctx, b, c.ptr, c.len, 37, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 42u);
    expect_stored("b", "c", "42");
    expect_feed("set b c 42\n");
    /* a missing key gets the full delta, also 2^64-1 */
    gstr m = gs("max");
    poison(R, 16);
    kvrt_atomic_increment(&g_ctx, b, m.ptr, m.len, UINT64_MAX, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), UINT64_MAX);
    expect_stored("b", "max", "18446744073709551615");
    expect_feed("set b max 18446744073709551615\n");
}
Test(imports, increment) { guarded(t_increment); }

static void t_increment_not_counter(void)
{
    static const char *const bad[] = {
        "", "abc", "-1", "+1", " 1", "1 ", "1.0", "0x10", "1\n", "\xd9\xa1",
        "000000000000000000001",        /* 21 digits */
        "18446744073709551616",         /* 2^64 */
        "99999999999999999999",
    };
    uint32_t b = open_bucket("b");
    gstr k = gs("k");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        preset("b", "k", bad[i]);
        poison(R, 16);
        kvrt_atomic_increment(&g_ctx, b, k.ptr, k.len, 1, R);
        expect_error_at(R, 8, "not a counter: \"k\" in bucket \"b\"");
        expect_stored("b", "k", bad[i]);
        poison(R, 8);
        kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 0, 1, R);
        expect_error("not a counter: \"k\" in bucket \"b\"");
        expect_stored("b", "k", bad[i]);
    }
    expect_feed("");
    /* the edges that are counters */
    static const struct { const char *v; uint64_t delta, sum; const char *stored; } good[] = {
        { "0", 0, 0, "0" },
        { "00000000000000000001", 1, 2, "2" },          /* 20 digits */
        { "18446744073709551615", 0, UINT64_MAX, "18446744073709551615" },
        { "18446744073709551614", 1, UINT64_MAX, "18446744073709551615" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        preset("b", "k", good[i].v);
        poison(R, 16);
        kvrt_atomic_increment(&g_ctx, b, k.ptr, k.len, good[i].delta, R);
        cr_expect_eq(rd8(R), 0, "%s is a counter", good[i].v);
        cr_expect_eq(rd64(R + 8), good[i].sum);
        expect_stored("b", "k", good[i].stored);
    }
    kvrt_buf_truncate(&g_ctx.out, 0);
}
Test(imports, increment_and_cas_reject_non_counters) { guarded(t_increment_not_counter); }

static void t_increment_overflow(void)
{
    uint32_t b = open_bucket("b");
    gstr k = gs("k");
    static const struct { const char *v; uint64_t delta; } cases[] = {
        { "18446744073709551615", 1 },
        { "18446744073709551610", 6 },
        { "1", UINT64_MAX },
        { "18446744073709551615", UINT64_MAX },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        preset("b", "k", cases[i].v);
        poison(R, 16);
        kvrt_atomic_increment(&g_ctx, b, k.ptr, k.len, cases[i].delta, R);
        expect_error_at(R, 8, "counter overflow: \"k\" in bucket \"b\"");
        expect_stored("b", "k", cases[i].v);
    }
    expect_feed("");
}
Test(imports, increment_overflow) { guarded(t_increment_overflow); }

static void t_increment_canonical(void)
{
    preset("b", "k", "007");
    uint32_t b = open_bucket("b");
    gstr k = gs("k");
    poison(R, 16);
    kvrt_atomic_increment(&g_ctx, b, k.ptr, k.len, 0, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd64(R + 8), 7u);
    expect_stored("b", "k", "7");
    expect_feed("set b k 7\n");
    /* rewritten even when unchanged */
    poison(R, 16);
    kvrt_atomic_increment(&g_ctx, b, k.ptr, k.len, 0, R);
    expect_feed("set b k 7\n");
}
Test(imports, increment_rewrites_canonical_decimal) { guarded(t_increment_canonical); }

static void t_cas(void)
{
    uint32_t b = open_bucket("b");
    gstr k = gs("k");
    poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 0, 1, R);
    expect_error("no such key: \"k\" in bucket \"b\"");
    expect_stored("b", "k", NULL);

    preset("b", "k", "10");
    poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 10, 20, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd8(R + 4), 1, "ok(true) at offset 4");
    expect_stored("b", "k", "20");
    expect_feed("set b k 20\n");

    poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 10, 30, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd8(R + 4), 0, "ok(false)");
    expect_stored("b", "k", "20");
    expect_feed("");

    poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 20, 20, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd8(R + 4), 1);
    expect_feed("set b k 20\n");

    preset("b", "k", "007");
    poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 7, 7, R);
    cr_assert_eq(rd8(R), 0);
    cr_expect_eq(rd8(R + 4), 1);
    expect_stored("b", "k", "7");
    expect_feed("set b k 7\n");

    poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 7, UINT64_MAX, R);
    cr_expect_eq(rd8(R + 4), 1);
    expect_stored("b", "k", "18446744073709551615");
    expect_feed("set b k 18446744073709551615\n");
}
Test(imports, compare_and_swap) { guarded(t_cas); }

/* ======================================================================== */
/* batch                                                                     */
/* ======================================================================== */

static void t_get_many(void)
{
    preset("b", "a", "A");
    preset("b", "b", "BB");
    uint32_t b = open_bucket("b");
    uint32_t keys = put_str_list((const char *const[]){ "a", "b", "a" }, 3);
    uint32_t live = g_ctx.handles.live;
    poison(R, 12);
    reset_realloc_log();
    kvrt_batch_get_many(&g_ctx, b, keys, 3, R);
    cr_assert_eq(rd8(R), 0);
    uint32_t list = rd32(R + 4);
    cr_assert_eq(rd32(R + 8), 3u, "len at offset 8");
    cr_expect_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 4u, "list<u32> allocated with align 4");
    cr_expect_eq(g_tg.log_size[0], 12u);
    cr_expect_eq(g_ctx.handles.live, live + 3);
    uint32_t h0 = rd32(list), h1 = rd32(list + 4), h2 = rd32(list + 8);
    cr_expect(h0 != h1 && h1 != h2 && h0 != h2);
    expect_consume(h0, "A", 1);
    expect_consume(h1, "BB", 2);
    expect_consume(h2, "A", 1);

    /* empty list: ok, realloc(0, 0, 4, 0) */
    poison(R, 12);
    reset_realloc_log();
    kvrt_batch_get_many(&g_ctx, b, keys, 0, R);
    cr_expect_eq(rd8(R), 0);
    cr_expect_eq(rd32(R + 8), 0u);
    cr_expect_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 4u);
    cr_expect_eq(g_tg.log_size[0], 0u);
}
Test(imports, get_many) { guarded(t_get_many); }

static void t_get_many_missing(void)
{
    preset("b", "a", "A");
    uint32_t b = open_bucket("b");
    uint32_t keys = put_str_list((const char *const[]){ "a", "x", "a", "y" }, 4);
    uint32_t live = g_ctx.handles.live;
    poison(R, 12);
    reset_realloc_log();
    kvrt_batch_get_many(&g_ctx, b, keys, 4, R);
    cr_assert_eq(rd8(R), 1);
    cr_expect_eq(g_ctx.handles.live, live + 1, "only the error handle was made");
    cr_expect_eq(g_tg.calls, 0u, "no list allocated");
    expect_error("no such key: \"x\" in bucket \"b\"");
    cr_expect_eq(g_ctx.handles.live, live);
    kvrt_val *v = stored("b", "a");
    cr_expect_eq(v->refs, 1u, "no incoming-value holds the value");
}
Test(imports, get_many_missing_key_makes_no_handles) { guarded(t_get_many_missing); }

static void t_get_keys(void)
{
    uint32_t b = open_bucket("b");
    /* empty bucket: realloc(0, 0, 4, 0) and length 0 */
    reset_realloc_log();
    expect_keys(b, NULL, 0);
    cr_expect_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 4u);
    cr_expect_eq(g_tg.log_size[0], 0u);

    preset("b", "c", "1");
    preset("b", "a", "2");
    preset("b", "bb", "3");
    reset_realloc_log();
    expect_keys(b, (const char *const[]){ "c", "a", "bb" }, 3);
    cr_assert_eq(g_tg.calls, 4u, "one list and one string per key");
    cr_expect_eq(g_tg.log_align[0], 4u, "list<string> allocated with align 4");
    cr_expect_eq(g_tg.log_size[0], 24u, "8 bytes per element");
    cr_expect_eq(g_tg.log_align[1], 1u);
    cr_expect_eq(g_tg.log_size[1], 1u);
    cr_expect_eq(g_tg.log_size[3], 2u);

    /* delete then set again goes to the end; overwrite keeps the place */
    gstr a = gs("a"), c = gs("c");
    kvrt_readwrite_delete(&g_ctx, b, a.ptr, a.len, R);
    uint32_t ov = new_ov("x");
    kvrt_readwrite_set(&g_ctx, b, a.ptr, a.len, ov, R);
    kvrt_readwrite_set(&g_ctx, b, c.ptr, c.len, ov, R);
    expect_keys(b, (const char *const[]){ "c", "bb", "a" }, 3);
    /* the empty key */
    kvrt_readwrite_set(&g_ctx, b, a.ptr, 0, ov, R);
    reset_realloc_log();
    expect_keys(b, (const char *const[]){ "c", "bb", "a", "" }, 4);
    cr_expect_eq(g_tg.log_size[4], 0u, "realloc for the empty key too");
    cr_expect_eq(g_tg.calls, 5u);
    /* only this bucket's keys */
    preset("other", "zzz", "1");
    expect_keys(b, (const char *const[]){ "c", "bb", "a", "" }, 4);
}
Test(imports, get_keys_in_insertion_order) { guarded(t_get_keys); }

static void t_set_many(void)
{
    preset("b", "old", "o");
    uint32_t b = open_bucket("b");
    uint32_t ov1 = new_ov("one"), ov2 = new_ov("two"), ov3 = new_ov("three");
    uint32_t keys = put_str_list((const char *const[]){ "ignored" }, 1);
    uint32_t pairs = put_pair_list((const char *const[]){ "k1", "k2", "k1" },
                                   (const uint32_t[]){ ov1, ov2, ov3 }, 3);
    poison(R, 8);
    kvrt_batch_set_many(&g_ctx, b, keys, 1, pairs, 3, R);
    cr_assert_eq(rd8(R), 0);
    expect_stored("b", "k1", "three");
    expect_stored("b", "k2", "two");
    expect_stored("b", "ignored", NULL);
    expect_feed("set b k1 one\nset b k2 two\nset b k1 three\n");
    expect_keys(b, (const char *const[]){ "old", "k1", "k2" }, 3);
    /* the values stay usable */
    uint32_t os = write_body(ov2);
    write_str(os, "!");
    pairs = put_pair_list((const char *const[]){ "k3" }, &ov2, 1);
    kvrt_batch_set_many(&g_ctx, b, keys, 0, pairs, 1, R);
    cr_assert_eq(rd8(R), 0);
    expect_stored("b", "k3", "two!");
    expect_feed("set b k3 two!\n");
    /* nothing to do */
    kvrt_batch_set_many(&g_ctx, b, keys, 0, pairs, 0, R);
    cr_expect_eq(rd8(R), 0);
    expect_feed("");
}
Test(imports, set_many) { guarded(t_set_many); }

static void t_set_many_invalid(void)
{
    uint32_t b = open_bucket("b");
    uint32_t ov1 = new_ov("one");
    uint32_t dropped = new_ov("gone");
    kvrt_types_drop_outgoing_value(&g_ctx, dropped);
    const uint32_t bad[] = { 0, BADH, dropped, b };
    char want[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(want, sizeof want, "invalid outgoing-value handle %u", bad[i]);
        /* last, first and middle */
        const uint32_t sets[3][3] = { { ov1, ov1, bad[i] }, { bad[i], ov1, ov1 },
                                      { ov1, bad[i], ov1 } };
        for (int j = 0; j < 3; j++) {
            uint32_t pairs = put_pair_list((const char *const[]){ "k1", "k2", "k3" }, sets[j], 3);
            poison(R, 8);
            kvrt_batch_set_many(&g_ctx, b, pairs, 0, pairs, 3, R);
            expect_error(want);
        }
    }
    expect_stored("b", "k1", NULL);
    expect_stored("b", "k2", NULL);
    expect_stored("b", "k3", NULL);
    expect_feed("");
}
Test(imports, set_many_all_or_nothing) { guarded(t_set_many_invalid); }

static void t_delete_many(void)
{
    preset("b", "a", "1");
    preset("b", "b", "2");
    preset("b", "c", "3");
    uint32_t b = open_bucket("b");
    uint32_t keys = put_str_list((const char *const[]){ "a", "missing", "b", "a" }, 4);
    poison(R, 8);
    kvrt_batch_delete_many(&g_ctx, b, keys, 4, R);
    cr_assert_eq(rd8(R), 0);
    expect_stored("b", "a", NULL);
    expect_stored("b", "b", NULL);
    expect_stored("b", "c", "3");
    expect_feed("delete b a\ndelete b b\n");
    poison(R, 8);
    kvrt_batch_delete_many(&g_ctx, b, keys, 4, R);
    cr_expect_eq(rd8(R), 0, "all missing: still ok");
    poison(R, 8);
    kvrt_batch_delete_many(&g_ctx, b, keys, 0, R);
    cr_expect_eq(rd8(R), 0);
    expect_feed("");
}
Test(imports, delete_many) { guarded(t_delete_many); }

static void t_json_feed(void)
{
    g_ctx.format = KVRT_FMT_JSON;
    uint32_t b = open_bucket("b");
    uint32_t ov = new_ov("v");
    gstr k = gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    kvrt_readwrite_delete(&g_ctx, b, k.ptr, k.len, R);
    expect_feed("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"v\"}\n"
                "{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}\n");
}
Test(imports, json_feed) { guarded(t_json_feed); }

/* ======================================================================== */
/* hostile guests                                                            */
/* ======================================================================== */

/* A call of `fn` that would succeed, with return pointer `ret`; every
 * handle it needs is fresh. The store holds b/k = "1". */
static call valid_call(imp fn, uint32_t ret)
{
    preset("b", "k", "1");
    uint32_t b = open_bucket("b");
    gstr k = gs("k");
    call c = { fn, { 0 } };
    switch (fn) {
    case F_READ:
    case F_SKIP:
        c.a[0] = instream(b, "k");
        c.a[1] = 1;
        c.a[2] = ret;
        break;
    case F_WRITE: {
        gstr t = gs("x");
        c.a[0] = write_body(kvrt_types_new_outgoing_value(&g_ctx));
        c.a[1] = t.ptr;
        c.a[2] = t.len;
        c.a[3] = ret;
        break;
    }
    case F_WRITE_REPEATED:
        c.a[0] = write_body(kvrt_types_new_outgoing_value(&g_ctx));
        c.a[1] = 'x';
        c.a[2] = 1;
        c.a[3] = ret;
        break;
    case F_SPLICE:
        c.a[0] = write_body(kvrt_types_new_outgoing_value(&g_ctx));
        c.a[1] = instream(b, "k");
        c.a[2] = 1;
        c.a[3] = ret;
        break;
    case F_FORWARD:
        c.a[0] = write_body(kvrt_types_new_outgoing_value(&g_ctx));
        c.a[1] = instream(b, "k");
        c.a[2] = ret;
        break;
    case F_TRACE: {
        gstr m = gs("missing");
        kvrt_readwrite_get(&g_ctx, b, m.ptr, m.len, R2);
        cr_assert_eq(rd8(R2), 1);
        c.a[0] = rd32(R2 + 4);
        c.a[1] = ret;
        break;
    }
    case F_OPEN_BUCKET:
        c.a[0] = k.ptr;
        c.a[1] = k.len;
        c.a[2] = ret;
        break;
    case F_WRITE_BODY:
        c.a[0] = kvrt_types_new_outgoing_value(&g_ctx);
        c.a[1] = ret;
        break;
    case F_CONSUME_SYNC:
    case F_CONSUME_ASYNC:
        c.a[0] = get_iv(b, "k");
        c.a[1] = ret;
        break;
    case F_GET:
    case F_DELETE:
    case F_EXISTS:
        c.a[0] = b;
        c.a[1] = k.ptr;
        c.a[2] = k.len;
        c.a[3] = ret;
        break;
    case F_SET:
        c.a[0] = b;
        c.a[1] = k.ptr;
        c.a[2] = k.len;
        c.a[3] = new_ov("2");
        c.a[4] = ret;
        break;
    case F_INCREMENT:
        c.a[0] = b;
        c.a[1] = k.ptr;
        c.a[2] = k.len;
        c.a[3] = 1;
        c.a[4] = ret;
        break;
    case F_CAS:
        c.a[0] = b;
        c.a[1] = k.ptr;
        c.a[2] = k.len;
        c.a[3] = 1;
        c.a[4] = 2;
        c.a[5] = ret;
        break;
    case F_GET_MANY:
    case F_DELETE_MANY:
        c.a[0] = b;
        c.a[1] = put_str_list((const char *const[]){ "k" }, 1);
        c.a[2] = 1;
        c.a[3] = ret;
        break;
    case F_GET_KEYS:
        c.a[0] = b;
        c.a[1] = ret;
        break;
    case F_SET_MANY: {
        uint32_t ov = new_ov("2");
        c.a[0] = b;
        c.a[1] = put_str_list((const char *const[]){ "k" }, 1);
        c.a[2] = 1;
        c.a[3] = put_pair_list((const char *const[]){ "k" }, &ov, 1);
        c.a[4] = 1;
        c.a[5] = ret;
        break;
    }
    default:
        cr_assert_fail("no return area for %s", imp_names[fn]);
    }
    kvrt_buf_truncate(&g_ctx.out, 0);
    return c;
}

typedef struct ret_rule {
    imp fn;
    uint32_t size, align;
} ret_rule;

/* SPEC §7: return areas are checked for the full size and alignment. */
static const ret_rule ret_rules[] = {
    { F_READ, 16, 4 }, { F_SKIP, 24, 8 }, { F_WRITE, 16, 8 }, { F_WRITE_REPEATED, 16, 8 },
    { F_FORWARD, 16, 8 }, { F_SPLICE, 24, 8 }, { F_TRACE, 8, 4 }, { F_OPEN_BUCKET, 8, 4 },
    { F_WRITE_BODY, 8, 4 }, { F_CONSUME_SYNC, 12, 4 }, { F_CONSUME_ASYNC, 8, 4 },
    { F_GET, 8, 4 }, { F_SET, 8, 4 }, { F_DELETE, 8, 4 }, { F_EXISTS, 8, 4 },
    { F_INCREMENT, 16, 8 }, { F_CAS, 8, 4 }, { F_GET_MANY, 12, 4 }, { F_GET_KEYS, 8, 4 },
    { F_SET_MANY, 8, 4 }, { F_DELETE_MANY, 8, 4 },
};

/* A trapping call must not have changed anything. */
static void expect_untouched(const call *c, uint32_t live, const char *why)
{
    cr_expect_eq(g_ctx.handles.live, live, "%s: %s made a handle", why, imp_names[c->fn]);
    cr_expect_eq(g_tg.calls, 0u, "%s: %s called realloc", why, imp_names[c->fn]);
    cr_expect_eq(g_ctx.out.len, 0u, "%s: %s printed", why, imp_names[c->fn]);
    expect_stored("b", "k", "1");
}

static void t_return_areas(void)
{
    for (size_t i = 0; i < sizeof ret_rules / sizeof ret_rules[0]; i++) {
        const ret_rule *rr = &ret_rules[i];
        const char *name = imp_names[rr->fn];
        /* misaligned by every amount */
        for (uint32_t m = 1; m < rr->align; m++) {
            call c = valid_call(rr->fn, 0x400 + m);
            uint32_t live = g_ctx.handles.live;
            reset_realloc_log();
            cr_expect(traps(&c), "%s: return pointer %% %u == %u did not trap", name,
                      rr->align, m);
            expect_untouched(&c, live, "misaligned return pointer");
        }
        /* the area's last byte just past the end of memory */
        call c = valid_call(rr->fn, MEM_SIZE - rr->size + rr->align);
        uint32_t live = g_ctx.handles.live;
        reset_realloc_log();
        cr_expect(traps(&c), "%s: return area past the end did not trap", name);
        expect_untouched(&c, live, "return area out of bounds");
        c = valid_call(rr->fn, 0xfffffff8u);
        reset_realloc_log();
        cr_expect(traps(&c), "%s: return pointer 0xfffffff8 did not trap", name);
        /* exactly at the end is fine */
        c = valid_call(rr->fn, MEM_SIZE - rr->size);
        cr_expect_not(traps(&c), "%s: return area at the end trapped: %s", name,
                      g_ctx.trap_reason);
        kvrt_buf_truncate(&g_ctx.out, 0);
    }
}
Test(imports, return_areas_checked_for_size_and_alignment) { guarded(t_return_areas); }

/* Calls taking (bucket, string) with a given string argument. */
static const imp string_fns[] = { F_GET, F_SET, F_DELETE, F_EXISTS, F_INCREMENT, F_CAS,
                                  F_OPEN_BUCKET };

static call string_call(imp fn, uint32_t bucket, uint32_t ptr, uint32_t len, uint32_t ov)
{
    call c = { fn, { bucket, ptr, len, R, 0, 0 } };
    switch (fn) {
    case F_SET:
        c.a[3] = ov;
        c.a[4] = R;
        break;
    case F_INCREMENT:
        c.a[3] = 1;
        c.a[4] = R;
        break;
    case F_CAS:
        c.a[3] = 1;
        c.a[4] = 2;
        c.a[5] = R;
        break;
    case F_OPEN_BUCKET:
        c.a[0] = ptr;
        c.a[1] = len;
        c.a[2] = R;
        break;
    default:
        break;
    }
    return c;
}

static void t_bad_string_pointers(void)
{
    preset("b", "k", "1");
    uint32_t b = open_bucket("b");
    uint32_t ov = new_ov("x");
    static const struct { uint32_t ptr, len; const char *why; } bad[] = {
        { MEM_SIZE - 2, 5, "runs past the end" },
        { MEM_SIZE + 1, 0, "empty, past the end" },
        { MEM_SIZE, 1, "starts at the end" },
        { 0xfffffff0u, 0x20, "ptr + len wraps in 32 bits" },
        { 0x10, 0xffffffffu, "len 2^32-1" },
        { 0xffffffffu, 1, "last u32" },
    };
    for (size_t f = 0; f < sizeof string_fns / sizeof string_fns[0]; f++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            for (int bad_bucket = 0; bad_bucket < 2; bad_bucket++) {
                call c = string_call(string_fns[f], bad_bucket ? BADH : b, bad[i].ptr,
                                     bad[i].len, ov);
                uint32_t live = g_ctx.handles.live;
                reset_realloc_log();
                cr_expect(traps(&c), "%s: %s did not trap", imp_names[c.fn], bad[i].why);
                expect_untouched(&c, live, bad[i].why);
            }
        }
        /* an empty string right at the end is in bounds */
        call c = string_call(string_fns[f], b, MEM_SIZE, 0, ov);
        expect_no_trap(&c, "empty string at the end of memory");
        kvrt_buf_truncate(&g_ctx.out, 0);
    }
    /* the byte list of write */
    uint32_t os = write_body(ov);
    expect_trap(&(call){ F_WRITE, { os, MEM_SIZE - 1, 2, R } }, "write buffer past the end");
    expect_trap(&(call){ F_WRITE, { os, 0xffffffffu, 2, R } }, "write buffer wraps");
    expect_trap(&(call){ F_WRITE, { os, MEM_SIZE + 1, 0, R } }, "empty write buffer past end");
}
Test(imports, out_of_bounds_strings_trap) { guarded(t_bad_string_pointers); }

static void t_invalid_utf8(void)
{
    preset("b", "k", "1");
    uint32_t b = open_bucket("b");
    uint32_t ov = new_ov("x");
    static const char *const bad[] = {
        "\xff", "\xc0\x80", "\xed\xa0\x80", "a\x80", "\xf4\x90\x80\x80", "\xe2\x82", "k\xfe",
    };
    for (size_t f = 0; f < sizeof string_fns / sizeof string_fns[0]; f++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            for (int bad_bucket = 0; bad_bucket < 2; bad_bucket++) {
                gstr s = gs(bad[i]);
                call c = string_call(string_fns[f], bad_bucket ? BADH : b, s.ptr, s.len, ov);
                uint32_t live = g_ctx.handles.live;
                reset_realloc_log();
                cr_expect(traps(&c), "%s: invalid UTF-8 #%zu (bad bucket %d) did not trap",
                          imp_names[c.fn], i, bad_bucket);
                expect_untouched(&c, live, "invalid UTF-8");
            }
        }
    }
    /* and inside lists, also when the bucket handle or outgoing-value is bad */
    const char *const mixed[] = { "k", "\xc3\x28" };
    uint32_t keys = put_str_list(mixed, 2);
    uint32_t good_keys = put_str_list((const char *const[]){ "k" }, 1);
    uint32_t bad_pairs = put_pair_list(mixed, (const uint32_t[]){ ov, ov }, 2);
    uint32_t bad_ov_pairs = put_pair_list(mixed, (const uint32_t[]){ BADH, BADH }, 2);
    uint32_t good_pairs = put_pair_list((const char *const[]){ "k" }, &ov, 1);
    for (int bad_bucket = 0; bad_bucket < 2; bad_bucket++) {
        uint32_t bk = bad_bucket ? BADH : b;
        const call calls[] = {
            { F_GET_MANY, { bk, keys, 2, R } },
            { F_DELETE_MANY, { bk, keys, 2, R } },
            { F_SET_MANY, { bk, keys, 2, good_pairs, 1, R } },
            { F_SET_MANY, { bk, good_keys, 1, bad_pairs, 2, R } },
            { F_SET_MANY, { bk, good_keys, 1, bad_ov_pairs, 2, R } },
        };
        for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
            uint32_t live = g_ctx.handles.live;
            reset_realloc_log();
            cr_expect(traps(&calls[i]), "%s #%zu: invalid UTF-8 in a list did not trap",
                      imp_names[calls[i].fn], i);
            expect_untouched(&calls[i], live, "invalid UTF-8 in a list");
        }
    }
}
Test(imports, invalid_utf8_traps_before_handles_are_checked) { guarded(t_invalid_utf8); }

static void t_list_pointers(void)
{
    preset("b", "k", "1");
    uint32_t b = open_bucket("b");
    uint32_t ov = new_ov("x");
    uint32_t good = put_str_list((const char *const[]){ "k" }, 1);
    /* an element whose string is out of bounds */
    uint32_t oob_elem = put_bytes((const uint32_t[]){ MEM_SIZE - 1, 4 }, 8, 4);
    uint32_t oob_pair = put_bytes((const uint32_t[]){ MEM_SIZE - 1, 4, ov }, 12, 4);
    const struct { call c; const char *why; } cases[] = {
        /* misaligned even when empty */
        { { F_GET_MANY, { b, good + 2, 0, R } }, "get-many keys % 4 == 2, empty" },
        { { F_GET_MANY, { b, good + 1, 0, R } }, "get-many keys % 4 == 1, empty" },
        { { F_DELETE_MANY, { b, good + 2, 0, R } }, "delete-many keys misaligned, empty" },
        { { F_SET_MANY, { b, good + 2, 0, good, 0, R } }, "set-many keys misaligned, empty" },
        { { F_SET_MANY, { b, good, 0, good + 2, 0, R } }, "set-many values misaligned, empty" },
        { { F_GET_MANY, { b, good + 2, 1, R } }, "get-many keys misaligned" },
        /* out of bounds */
        { { F_GET_MANY, { b, MEM_SIZE + 4, 0, R } }, "empty list past the end" },
        { { F_GET_MANY, { b, MEM_SIZE - 4, 1, R } }, "list runs past the end" },
        { { F_GET_MANY, { b, 0, 0x20000000u, R } }, "list length * 8 wraps in 32 bits" },
        { { F_SET_MANY, { b, good, 0, 0, 0x15555556u, R } }, "tuple list * 12 wraps" },
        { { F_SET_MANY, { b, good, 0, MEM_SIZE - 8, 1, R } }, "tuple list past the end" },
        { { F_DELETE_MANY, { b, 0xfffffff8u, 2, R } }, "list pointer wraps" },
        { { F_GET_MANY, { b, oob_elem, 1, R } }, "element string out of bounds" },
        { { F_DELETE_MANY, { BADH, oob_elem, 1, R } }, "element out of bounds, bad bucket" },
        { { F_SET_MANY, { b, oob_elem, 1, good, 0, R } }, "ignored keys are still checked" },
        { { F_SET_MANY, { b, good, 0, oob_pair, 1, R } }, "pair string out of bounds" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t live = g_ctx.handles.live;
        reset_realloc_log();
        cr_expect(traps(&cases[i].c), "%s did not trap", cases[i].why);
        expect_untouched(&cases[i].c, live, cases[i].why);
    }
    /* an empty, aligned list at the very end of memory is fine */
    expect_no_trap(&(call){ F_GET_MANY, { b, MEM_SIZE, 0, R } }, "empty list at the end");
    expect_no_trap(&(call){ F_DELETE_MANY, { b, MEM_SIZE, 0, R } }, "empty list at the end");
    expect_no_trap(&(call){ F_SET_MANY, { b, MEM_SIZE, 0, MEM_SIZE, 0, R } }, "empty lists");
}
Test(imports, list_pointers_checked) { guarded(t_list_pointers); }

static void t_bad_realloc(void)
{
    preset("b", "k", "value");
    preset("b", "k2", "value2");
    uint32_t b = open_bucket("b");
    uint32_t keys = put_str_list((const char *const[]){ "k", "k2" }, 2);
    const alloc_mode modes[] = { ALLOC_OOB, ALLOC_HUGE };
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        g_tg.mode = modes[m];
        g_tg.good_calls = 0;
        uint32_t s = 0;
        {
            alloc_mode keep = g_tg.mode;
            g_tg.mode = ALLOC_OK;
            s = instream(b, "k");
            g_tg.mode = keep;
        }
        expect_trap(&(call){ F_READ, { s, 3, R } }, "read with a bad realloc");
        expect_trap(&(call){ F_READ, { s, 0, R } }, "read of 0 bytes with a bad realloc");
        g_tg.mode = ALLOC_OK;
        uint32_t iv = get_iv(b, "k");
        gstr miss = gs("missing");
        kvrt_readwrite_get(&g_ctx, b, miss.ptr, miss.len, R2);
        uint32_t err = rd32(R2 + 4);
        g_tg.mode = modes[m];
        expect_trap(&(call){ F_CONSUME_SYNC, { iv, R } }, "consume-sync with a bad realloc");
        expect_trap(&(call){ F_TRACE, { err, R } }, "trace with a bad realloc");
        uint32_t live = g_ctx.handles.live;
        expect_trap(&(call){ F_GET_MANY, { b, keys, 2, R } }, "get-many with a bad realloc");
        cr_expect_eq(g_ctx.handles.live, live, "get-many made handles before trapping");
        expect_trap(&(call){ F_GET_KEYS, { b, R } }, "get-keys with a bad list");
        g_tg.good_calls = g_tg.calls + 2;  /* list and first key fine, second key bad */
        expect_trap(&(call){ F_GET_KEYS, { b, R } }, "get-keys with a bad key string");
    }
    /* misaligned lists */
    g_tg.mode = ALLOC_MISALIGNED;
    g_tg.good_calls = 0;
    g_tg.calls = 0;
    uint32_t live = g_ctx.handles.live;
    expect_trap(&(call){ F_GET_MANY, { b, keys, 2, R } }, "get-many with a misaligned list");
    cr_expect_eq(g_ctx.handles.live, live);
    expect_trap(&(call){ F_GET_KEYS, { b, R } }, "get-keys with a misaligned list");
    /* strings have align 1: any in-bounds pointer is fine */
    g_tg.mode = ALLOC_OK;
    uint32_t iv = get_iv(b, "k");
    g_tg.mode = ALLOC_MISALIGNED;
    expect_no_trap(&(call){ F_CONSUME_SYNC, { iv, R } }, "consume-sync, odd string pointer");
    /* the last bytes of memory are fine, empty results at the very end too */
    g_tg.mode = ALLOC_AT_END;
    expect_no_trap(&(call){ F_GET_KEYS, { b, R } }, "get-keys at the end of memory");
    uint32_t s = instream(b, "k2");
    expect_no_trap(&(call){ F_READ, { s, 100, R } }, "read into the end of memory");
    cr_expect(guest_bytes_eq(rd32(R + 4), rd32(R + 8), "value2", 6));
    cr_expect_eq(rd32(R + 4), MEM_SIZE - 6);
    expect_no_trap(&(call){ F_READ, { s, 0, R } }, "empty read at the end of memory");
    cr_expect_eq(rd32(R + 4), MEM_SIZE);
}
Test(imports, bad_realloc_results_trap) { guarded(t_bad_realloc); }

static void t_realloc_reentry(void)
{
    preset("b", "k", "value");
    uint32_t b = open_bucket("b");
    uint32_t iv = get_iv(b, "k");
    g_tg.mode = ALLOC_REENTER;
    uint32_t live = g_ctx.handles.live;
    /* The outer import must not go on with a handle table or store changed
     * under its feet (consume-sync would copy from a value the inner call
     * freed): the inner import traps (kvrt.h, kvrt_reentry_trap). */
    cr_expect(traps(&(call){ F_CONSUME_SYNC, { iv, R } }),
              "an import called from inside realloc did not trap");
    cr_expect_eq(g_ctx.handles.live, live, "the re-entrant import made a handle");
    cr_expect_eq(g_ctx.head.in_realloc, 0);
    /* and the host is usable again afterwards */
    g_tg.mode = ALLOC_OK;
    expect_consume(iv, "value", 5);
}
Test(imports, import_inside_realloc_traps) { guarded(t_realloc_reentry); }

static void t_too_many_handles(void)
{
    g_ctx.limits.max_handles = 4;
    kvrt_handles_fini(&g_ctx.handles);
    kvrt_handles_init(&g_ctx.handles, g_ctx.limits.max_handles);
    preset("b", "k", "1");
    preset("b", "k2", "2");
    uint32_t b = open_bucket("b");                              /* 1 */
    uint32_t ov = new_ov("v");                                  /* 2 */
    uint32_t os = write_body(ov);                               /* 3 */
    uint32_t keys = put_str_list((const char *const[]){ "k", "k2" }, 2);
    gstr k = gs("k"), miss = gs("missing");

    /* room for one: get-many of two keys is an error, no incoming-value */
    poison(R, 12);
    kvrt_batch_get_many(&g_ctx, b, keys, 2, R);
    cr_assert_eq(rd8(R), 1, "get-many past --max-handles is an error");
    cr_expect_eq(g_ctx.handles.live, 4u, "only the error handle");
    uint32_t err = rd32(R + 4);
    expect_trace(err, "too many live handles");

    /* full: results that need a handle trap, since even the error cannot be
     * made (SPEC §7) */
    cr_expect(kvrt_handles_full(&g_ctx.handles));
    gstr n = gs("b");
    expect_trap(&(call){ F_NEW_OUTGOING, { 0 } }, "new-outgoing-value when full");
    expect_trap(&(call){ F_OPEN_BUCKET, { n.ptr, n.len, R } }, "open-bucket when full");
    expect_trap(&(call){ F_GET, { b, k.ptr, k.len, R } }, "get when full");
    expect_trap(&(call){ F_GET, { b, miss.ptr, miss.len, R } }, "failing get when full");
    expect_trap(&(call){ F_GET_MANY, { b, keys, 1, R } }, "get-many when full");
    expect_trap(&(call){ F_DELETE, { b, miss.ptr, miss.len, R } }, "failing delete when full");
    expect_trap(&(call){ F_SET, { BADH, k.ptr, k.len, ov, R } }, "bad bucket when full");
    cr_expect_eq(g_ctx.handles.live, 4u);
    /* write-body's error carries nothing: an error, not a trap */
    poison(R, 8);
    expect_no_trap(&(call){ F_WRITE_BODY, { ov, R } }, "write-body when full");
    cr_expect_eq(rd8(R), 1, "write-body when full is an error");
    /* calls that make no handle still work */
    expect_no_trap(&(call){ F_SET, { b, k.ptr, k.len, ov, R } }, "set when full");
    cr_expect_eq(rd8(R), 0);
    expect_no_trap(&(call){ F_INCREMENT, { b, miss.ptr, miss.len, 2, R } }, "increment");
    cr_expect_eq(rd8(R), 0);
    expect_no_trap(&(call){ F_EXISTS, { b, k.ptr, k.len, R } }, "exists when full");
    expect_no_trap(&(call){ F_GET_KEYS, { b, R } }, "get-keys when full");
    expect_no_trap(&(call){ F_GET_MANY, { b, keys, 0, R } }, "empty get-many when full");
    cr_expect_eq(rd8(R), 0);
    write_str(os, "more");
    expect_feed("set b k v\nset b missing 2\n");

    /* one slot again: exactly one handle can be made */
    kvrt_wasi_cloud_error_drop_error(&g_ctx, err);
    poison(R, 12);
    kvrt_batch_get_many(&g_ctx, b, keys, 1, R);
    cr_expect_eq(rd8(R), 0, "get-many that fits exactly");
    uint32_t iv = rd32(rd32(R + 4));
    /* consume-async needs a handle for the stream: full again, so it traps */
    expect_trap(&(call){ F_CONSUME_ASYNC, { iv, R } }, "consume-async when full");
    expect_no_trap(&(call){ F_CONSUME_SYNC, { iv, R } }, "consume-sync when full");
    cr_expect_eq(rd8(R), 0);
}
Test(imports, too_many_live_handles) { guarded(t_too_many_handles); }
