/*
 * tests/unit/test_support_guest.c - the test guest of the `imports` suite
 * (see test_support_guest.h): a hand-built kvrt_ctx over a calloc'd 1 MiB
 * linear memory, a bump-allocator realloc that tests can make return
 * garbage, the suite's setup and teardown, the trap guard, and the helpers
 * that place arguments and read return areas, traces and the output feed.
 *
 * Named test_*.c only so that the Makefile builds it into the unit binary;
 * it holds no tests of its own. TestSuite(imports) is declared here once:
 * Criterion matches suites to tests by name, so its .init and .fini apply
 * to the Test(imports, ...) cases of every file.
 */
#include <criterion/criterion.h>

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support_guest.h"

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

/* ---- the test guest ---------------------------------------------------- */

kvrt_ctx g_ctx;
wasm_rt_memory_t g_mem;
test_guest g_tg;
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

void tg_reset_realloc_log(void)
{
    g_tg.calls = 0;
}

static void setup(void)
{
    memset(&g_guest, 0, sizeof g_guest);
    g_guest.realloc_fn = test_realloc;
    kvrt_ctx_init(&g_ctx, &g_guest);
    g_ctx.store = kvrt_store_new();
    cr_assert_not_null(g_ctx.store);
    g_ctx.kv = kvrt_kv_mem(g_ctx.store);
    g_ctx.wasi.out_fd = -1;         /* tests that look at guest output set a pipe */
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
    g_ctx.inst = &g_tg;
    wasm_rt_set_unwind_target(&wasm_rt_jmp_buf);
}

static void teardown(void)
{
    kvrt_ctx_fini(&g_ctx);
    kvrt_store_free(g_ctx.store);
    free(g_mem.data);
    memset(&g_ctx, 0, sizeof g_ctx);
#ifdef IMPORTS_HAVE_LSAN
    /* An assertion in .fini is printed but not counted: abort instead,
     * which criterion counts as a crashed test. */
    if (__lsan_do_recoverable_leak_check() != 0) {
        fprintf(stderr, "LeakSanitizer found leaks (report above)\n");
        abort();
    }
#endif
}

TestSuite(imports, .init = setup, .fini = teardown);

/* Run a test body; an unexpected trap fails the test with its reason.
 * sigsetjmp must stay here, in the function that calls body(): a jump
 * back into a frame that has already returned is undefined. */
void tg_guarded(void (*body)(void))
{
    if (sigsetjmp(wasm_rt_jmp_buf, 0) != 0)
        cr_assert_fail("unexpected trap: %s", g_ctx.trap_reason ? g_ctx.trap_reason : "(no reason)");
    body();
}

/* ---- guest memory helpers ------------------------------------------------ */

uint8_t tg_rd8(uint32_t off)
{
    cr_assert_lt(off, MEM_SIZE);
    return g_mem.data[off];
}

uint32_t tg_rd32(uint32_t off)
{
    cr_assert_leq((uint64_t)off + 4, MEM_SIZE);
    uint32_t v;
    memcpy(&v, g_mem.data + off, 4);
    return v;
}

uint64_t tg_rd64(uint32_t off)
{
    cr_assert_leq((uint64_t)off + 8, MEM_SIZE);
    uint64_t v;
    memcpy(&v, g_mem.data + off, 8);
    return v;
}

/* Fill a return area with 0xaa so stale bytes cannot pass for results. */
void tg_poison(uint32_t off, uint32_t n)
{
    memset(g_mem.data + off, 0xaa, n);
}

/* Copy bytes into the argument area; returns their guest offset. */
uint32_t tg_put_bytes(const void *src, size_t n, uint32_t align)
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

static gstr gsn(const char *s, size_t n)
{
    gstr g = { tg_put_bytes(s, n, 1), (uint32_t)n };
    return g;
}

gstr tg_gs(const char *s)
{
    return gsn(s, strlen(s));
}

/* A list<string> argument: 8-byte (ptr, len) elements, 4-aligned. */
uint32_t tg_put_str_list(const char *const *items, size_t n)
{
    uint32_t tmp[64 * 2];
    cr_assert_leq(n, (size_t)64);
    for (size_t i = 0; i < n; i++) {
        gstr g = tg_gs(items[i]);
        tmp[2 * i] = g.ptr;
        tmp[2 * i + 1] = g.len;
    }
    return tg_put_bytes(tmp, n * 8, 4);
}

/* A list<tuple<string, u32>> argument: 12-byte elements, 4-aligned. */
uint32_t tg_put_pair_list(const char *const *keys, const uint32_t *handles, size_t n)
{
    uint32_t tmp[64 * 3];
    cr_assert_leq(n, (size_t)64);
    for (size_t i = 0; i < n; i++) {
        gstr g = tg_gs(keys[i]);
        tmp[3 * i] = g.ptr;
        tmp[3 * i + 1] = g.len;
        tmp[3 * i + 2] = handles[i];
    }
    return tg_put_bytes(tmp, n * 12, 4);
}

bool tg_guest_bytes_eq(uint32_t ptr, uint32_t len, const void *want, size_t wlen)
{
    return len == wlen && (uint64_t)ptr + len <= MEM_SIZE &&
           (len == 0 || memcmp(g_mem.data + ptr, want, len) == 0);
}

/* ---- store and feed helpers ---------------------------------------------- */

void tg_preset_n(const char *bucket, const char *key, const void *value, size_t vlen)
{
    kvrt_bucket *b = kvrt_store_open(g_ctx.store, (const uint8_t *)bucket, strlen(bucket));
    cr_assert_not_null(b);
    kvrt_val *v = kvrt_val_new(value, vlen);
    cr_assert_not_null(v);
    cr_assert_eq(kvrt_bucket_set(g_ctx.store, b, (const uint8_t *)key, strlen(key), v), 0);
}

void tg_preset(const char *bucket, const char *key, const char *value)
{
    tg_preset_n(bucket, key, value, strlen(value));
}

kvrt_val *tg_stored(const char *bucket, const char *key)
{
    kvrt_bucket *b = kvrt_store_find(g_ctx.store, (const uint8_t *)bucket, strlen(bucket));
    kvrt_val *v = NULL;
    if (b != NULL)
        cr_assert_eq(kvrt_bucket_get(b, (const uint8_t *)key, strlen(key), &v), 0);
    return v;
}

/* The value stored under bucket/key must be `want` (NULL: missing). */
void tg_expect_stored(const char *bucket, const char *key, const char *want)
{
    kvrt_val *v = tg_stored(bucket, key);
    if (want == NULL) {
        cr_expect_null(v, "%s/%s should be missing", bucket, key);
        return;
    }
    cr_assert_not_null(v, "%s/%s missing", bucket, key);
    cr_expect(v->len == strlen(want) && memcmp(v->data, want, v->len) == 0,
              "%s/%s = [%.*s], want [%s]", bucket, key, (int)v->len, (const char *)v->data, want);
    kvrt_val_unref(v);
}

/* The pending output feed must be exactly `want`; then it is cleared. */
void tg_expect_feed(const char *want)
{
    size_t n = strlen(want);
    cr_expect(g_ctx.out.len == n && (n == 0 || memcmp(g_ctx.out.data, want, n) == 0),
              "feed [%.*s], want [%s]", (int)g_ctx.out.len,
              g_ctx.out.data ? (const char *)g_ctx.out.data : "", want);
    kvrt_buf_truncate(&g_ctx.out, 0);
}

/* ---- import call helpers ------------------------------------------------ */

uint32_t tg_open_bucket(const char *name)
{
    gstr n = tg_gs(name);
    tg_poison(R2, 8);
    kvrt_types_open_bucket(&g_ctx, n.ptr, n.len, R2);
    cr_assert_eq(tg_rd8(R2), 0, "open-bucket %s failed", name);
    uint32_t h = tg_rd32(R2 + 4);
    cr_assert_neq(h, 0u);
    return h;
}

uint32_t tg_write_body(uint32_t ov)
{
    tg_poison(R2, 8);
    kvrt_types_outgoing_value_write_body(&g_ctx, ov, R2);
    cr_assert_eq(tg_rd8(R2), 0, "write-body failed");
    uint32_t s = tg_rd32(R2 + 4);
    cr_assert_neq(s, 0u);
    return s;
}

void tg_write_str(uint32_t os, const char *text)
{
    gstr t = tg_gs(text);
    tg_poison(R2, 16);
    kvrt_streams_write(&g_ctx, os, t.ptr, t.len, R2);
    cr_assert_eq(tg_rd8(R2), 0, "write failed");
    cr_assert_eq(tg_rd64(R2 + 8), (uint64_t)t.len);
}

/* A new outgoing-value whose body is `body`. */
uint32_t tg_new_ov(const char *body)
{
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    cr_assert_neq(ov, 0u);
    if (body[0]) {
        uint32_t os = tg_write_body(ov);
        tg_write_str(os, body);
        kvrt_streams_drop_output_stream(&g_ctx, os);
    }
    return ov;
}

uint32_t tg_get_iv(uint32_t bucket, const char *key)
{
    gstr k = tg_gs(key);
    tg_poison(R2, 8);
    kvrt_readwrite_get(&g_ctx, bucket, k.ptr, k.len, R2);
    cr_assert_eq(tg_rd8(R2), 0, "get %s failed", key);
    return tg_rd32(R2 + 4);
}

uint32_t tg_consume_async(uint32_t iv)
{
    tg_poison(R2, 8);
    kvrt_types_incoming_value_consume_async(&g_ctx, iv, R2);
    cr_assert_eq(tg_rd8(R2), 0, "consume-async failed");
    return tg_rd32(R2 + 4);
}

/* An input-stream over the current value of bucket/key. */
uint32_t tg_instream(uint32_t bucket, const char *key)
{
    uint32_t iv = tg_get_iv(bucket, key);
    uint32_t s = tg_consume_async(iv);
    kvrt_types_drop_incoming_value(&g_ctx, iv);
    return s;
}

/* consume-sync must give exactly `want`. */
void tg_expect_consume(uint32_t iv, const void *want, size_t wlen)
{
    tg_poison(R2, 12);
    kvrt_types_incoming_value_consume_sync(&g_ctx, iv, R2);
    cr_assert_eq(tg_rd8(R2), 0, "consume-sync failed");
    cr_expect(tg_guest_bytes_eq(tg_rd32(R2 + 4), tg_rd32(R2 + 8), want, wlen),
              "consume-sync gave [%.*s], want [%.*s]", (int)tg_rd32(R2 + 8),
              (const char *)g_mem.data + tg_rd32(R2 + 4), (int)wlen, (const char *)want);
}

/* trace(err) must be `want`. */
void tg_expect_trace(uint32_t err, const char *want)
{
    tg_poison(TR, 8);
    kvrt_wasi_cloud_error_trace(&g_ctx, err, TR);
    uint32_t p = tg_rd32(TR), n = tg_rd32(TR + 4);
    cr_expect(tg_guest_bytes_eq(p, n, want, strlen(want)), "trace [%.*s], want [%s]",
              (int)(n < 300 ? n : 300), (const char *)g_mem.data + (p < MEM_SIZE ? p : 0), want);
}

/* The result at `ret` must be an error (tag 1) whose handle, at ret+off,
 * traces as `want`; the error is dropped afterwards. */
void tg_expect_error_at(uint32_t ret, uint32_t off, const char *want)
{
    cr_assert_eq(tg_rd8(ret), 1, "expected error [%s], got tag %u", want, tg_rd8(ret));
    uint32_t err = tg_rd32(ret + off);
    cr_assert_neq(err, 0u);
    tg_expect_trace(err, want);
    kvrt_wasi_cloud_error_drop_error(&g_ctx, err);
}

void tg_expect_error(const char *want)
{
    tg_expect_error_at(R, 4, want);
}

/* get-keys of a bucket must list exactly `want`, in order. */
void tg_expect_keys(uint32_t bucket, const char *const *want, size_t n)
{
    tg_poison(R2, 8);
    kvrt_batch_get_keys(&g_ctx, bucket, R2);
    uint32_t list = tg_rd32(R2), len = tg_rd32(R2 + 4);
    cr_assert_eq(len, (uint32_t)n, "get-keys: %u keys, want %zu", len, n);
    cr_assert_eq(list % 4, 0u);
    for (size_t i = 0; i < n; i++) {
        uint32_t p = tg_rd32(list + 8 * (uint32_t)i), l = tg_rd32(list + 8 * (uint32_t)i + 4);
        cr_expect(tg_guest_bytes_eq(p, l, want[i], strlen(want[i])), "key %zu: [%.*s], want [%s]",
                  i, (int)l, (const char *)g_mem.data + p, want[i]);
    }
}

/* ---- expected traps: a table-friendly description of one import call ---- */

const char *const tg_imp_names[] = {
    "read", "skip", "write", "write-repeated", "splice", "forward",
    "drop-input-stream", "drop-output-stream", "drop-error", "trace",
    "drop-bucket", "open-bucket", "drop-outgoing-value", "new-outgoing-value",
    "outgoing-value-write-body", "drop-incoming-value", "incoming-value-consume-sync",
    "incoming-value-consume-async", "size", "get", "set", "delete", "exists",
    "increment", "compare-and-swap", "get-many", "get-keys", "set-many", "delete-many",
};

_Static_assert(sizeof tg_imp_names / sizeof tg_imp_names[0] == F_DELETE_MANY + 1,
               "one name per import");

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
static const call *g_call;

static void invoke_g_call(void)
{
    invoke(g_call);
}

bool tg_traps(const call *c)
{
    g_call = c;
    if (tg_trap_of(invoke_g_call) == NULL)
        return false;
    cr_assert_eq(g_ctx.head.in_realloc, 0, "a trap ends the realloc call");
    return true;
}

const char *tg_trap_of(void (*thunk)(void))
{
    jmp_buf outer;
    memcpy(&outer, &wasm_rt_jmp_buf, sizeof outer);
    g_ctx.trap_reason = NULL;
    wasm_rt_set_unwind_target(&wasm_rt_jmp_buf);
    if (sigsetjmp(wasm_rt_jmp_buf, 0) != 0) {
        memcpy(&wasm_rt_jmp_buf, &outer, sizeof outer);
        cr_assert_not_null(g_ctx.trap_reason, "a host trap without a reason");
        kvrt_release_held(&g_ctx);      /* as loop.c's recover_from_trap */
        g_ctx.head.in_host = 1;
        return g_ctx.trap_reason;
    }
    thunk();
    memcpy(&wasm_rt_jmp_buf, &outer, sizeof outer);
    return NULL;
}

void tg_expect_trap(const call *c, const char *why)
{
    cr_expect(tg_traps(c), "%s: %s did not trap", why, tg_imp_names[c->fn]);
}

void tg_expect_no_trap(const call *c, const char *why)
{
    cr_expect_not(tg_traps(c), "%s: %s trapped: %s", why, tg_imp_names[c->fn],
                  g_ctx.trap_reason ? g_ctx.trap_reason : "");
}

