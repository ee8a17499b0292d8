/*
 * tests/unit/test_imports_store.c - the key-value imports of runtime/kvrt.h
 * (suite `imports`, harness in test_support_guest.h): wasi-cloud-error
 * (trace texts of SPEC §7, drop-error), types (open-bucket, the drops,
 * new-outgoing-value, write-body, consume-sync/async, size), readwrite
 * (get as a snapshot, set, delete, exists, invalid bucket handles), atomic
 * (increment and compare-and-swap on canonical u64 counters, overflow) and
 * batch (get-many, get-keys in insertion order, all-or-nothing set-many,
 * delete-many), with the return areas at the offsets of SPEC §2, the
 * semantics of SPEC §3 and the output feed records in text and JSON.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test_support_guest.h"

/* ======================================================================== */
/* wasi-cloud-error                                                          */
/* ======================================================================== */

static void t_trace_and_drop_error(void)
{
    uint32_t b = tg_open_bucket("users");
    gstr k = tg_gs("user/42");
    tg_poison(R, 8);
    kvrt_readwrite_get(&g_ctx, b, k.ptr, k.len, R);
    cr_assert_eq(tg_rd8(R), 1);
    uint32_t err = tg_rd32(R + 4);
    const char *want = "no such key: \"user/42\" in bucket \"users\"";
    tg_reset_realloc_log();
    tg_poison(R2, 8);
    kvrt_wasi_cloud_error_trace(&g_ctx, err, R2);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R2), tg_rd32(R2 + 4), want, strlen(want)), "ptr@0 len@4");
    cr_expect_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 1u, "strings are allocated with align 1");
    cr_expect_eq(g_tg.log_size[0], (uint32_t)strlen(want));
    tg_expect_trace(err, want);    /* tracing does not consume */
    tg_expect_no_trap(&(call){ F_DROP_ERROR, { err } }, "drop-error");
    tg_expect_trap(&(call){ F_DROP_ERROR, { err } }, "double drop-error");
    tg_expect_trap(&(call){ F_TRACE, { err, R } }, "trace of a dropped error");
    tg_expect_trap(&(call){ F_TRACE, { b, R } }, "trace of a bucket");
    tg_expect_trap(&(call){ F_TRACE, { 0, R } }, "trace of 0");
    tg_expect_trap(&(call){ F_DROP_ERROR, { b } }, "drop-error of a bucket");
    tg_expect_trap(&(call){ F_DROP_ERROR, { BADH } }, "drop-error never issued");
}
Test(imports, trace_and_drop_error) { tg_guarded(t_trace_and_drop_error); }

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
        uint32_t b = tg_open_bucket(cases[i].bucket);
        gstr k = tg_gs(cases[i].key);
        tg_poison(R, 8);
        kvrt_readwrite_get(&g_ctx, b, k.ptr, k.len, R);
        tg_expect_error(cases[i].want);
    }
}
Test(imports, trace_texts_quote_keys_and_buckets) { tg_guarded(t_trace_quoting); }

/* A key error's text is made at trace time from copies taken when the
 * error was made: the guest rewriting the key's bytes, dropping the bucket
 * handle, or dropping errors traced and untraced in between changes
 * nothing. */
static void t_trace_text_from_copies(void)
{
    uint32_t b = tg_open_bucket("users");
    gstr k = tg_gs("user/42");
    kvrt_readwrite_get(&g_ctx, b, k.ptr, k.len, R);
    cr_assert_eq(tg_rd8(R), 1);
    uint32_t err = tg_rd32(R + 4);
    kvrt_readwrite_get(&g_ctx, b, k.ptr, k.len, R);
    uint32_t untraced = tg_rd32(R + 4);
    memcpy(g_mem.data + k.ptr, "XXXXXXX", 7);
    tg_expect_no_trap(&(call){ F_DROP_BUCKET, { b } }, "drop-bucket");
    tg_expect_trace(err, "no such key: \"user/42\" in bucket \"users\"");
    tg_expect_no_trap(&(call){ F_DROP_ERROR, { untraced } }, "drop of an untraced error");
    tg_expect_trace(err, "no such key: \"user/42\" in bucket \"users\"");
    tg_expect_no_trap(&(call){ F_DROP_ERROR, { err } }, "drop of a traced error");
}
Test(imports, trace_text_from_copies) { tg_guarded(t_trace_text_from_copies); }

/* ======================================================================== */
/* types                                                                     */
/* ======================================================================== */

static void t_open_bucket(void)
{
    gstr n = tg_gs("b");
    tg_poison(R, 8);
    kvrt_types_open_bucket(&g_ctx, n.ptr, n.len, R);
    cr_assert_eq(tg_rd8(R), 0);
    uint32_t h1 = tg_rd32(R + 4);
    tg_poison(R, 8);
    kvrt_types_open_bucket(&g_ctx, n.ptr, n.len, R);
    cr_assert_eq(tg_rd8(R), 0);
    uint32_t h2 = tg_rd32(R + 4);
    cr_expect_neq(h1, 0u);
    cr_expect_neq(h2, 0u);
    cr_expect_neq(h1, h2, "each open-bucket returns a fresh handle");
    cr_expect_eq(g_ctx.handles.live, 2u);
    kvrt_bucket *sb = kvrt_store_find(g_ctx.store, (const uint8_t *)"b", 1);
    cr_assert_not_null(sb, "open-bucket creates the bucket");
    cr_expect_null(kvrt_bucket_next(sb), "one bucket, not two");
    /* the empty name is a bucket too */
    tg_poison(R, 8);
    kvrt_types_open_bucket(&g_ctx, n.ptr, 0, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_not_null(kvrt_store_find(g_ctx.store, (const uint8_t *)"", 0));
    tg_expect_feed("");
    /* both handles reach the same bucket; dropping one leaves the other */
    tg_preset("b", "k", "v");
    kvrt_types_drop_bucket(&g_ctx, h1);
    gstr k = tg_gs("k");
    tg_poison(R, 8);
    kvrt_readwrite_exists(&g_ctx, h2, k.ptr, k.len, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd8(R + 4), 1);
    tg_poison(R, 8);
    kvrt_readwrite_exists(&g_ctx, h1, k.ptr, k.len, R);
    char want[64];
    snprintf(want, sizeof want, "invalid bucket handle %u", h1);
    tg_expect_error(want);
}
Test(imports, open_bucket_fresh_handles) { tg_guarded(t_open_bucket); }

static void t_drops(void)
{
    tg_preset("b", "k", "v");
    uint32_t b = tg_open_bucket("b");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t iv = tg_get_iv(b, "k");
    tg_expect_trap(&(call){ F_DROP_BUCKET, { ov } }, "outgoing-value as bucket");
    tg_expect_trap(&(call){ F_DROP_OUTGOING, { iv } }, "incoming-value as outgoing-value");
    tg_expect_trap(&(call){ F_DROP_INCOMING, { b } }, "bucket as incoming-value");
    tg_expect_trap(&(call){ F_DROP_BUCKET, { 0 } }, "handle 0");
    tg_expect_trap(&(call){ F_DROP_OUTGOING, { BADH } }, "never issued");
    tg_expect_trap(&(call){ F_DROP_INCOMING, { BADH } }, "never issued");
    cr_expect_eq(g_ctx.handles.live, 3u);
    tg_expect_no_trap(&(call){ F_DROP_BUCKET, { b } }, "drop-bucket");
    tg_expect_no_trap(&(call){ F_DROP_OUTGOING, { ov } }, "drop-outgoing-value");
    tg_expect_no_trap(&(call){ F_DROP_INCOMING, { iv } }, "drop-incoming-value");
    cr_expect_eq(g_ctx.handles.live, 0u);
    tg_expect_trap(&(call){ F_DROP_BUCKET, { b } }, "double drop-bucket");
    tg_expect_trap(&(call){ F_DROP_OUTGOING, { ov } }, "double drop-outgoing-value");
    tg_expect_trap(&(call){ F_DROP_INCOMING, { iv } }, "double drop-incoming-value");
    /* dropping a bucket handle does not touch the store */
    tg_expect_stored("b", "k", "v");
}
Test(imports, drop_bucket_outgoing_incoming) { tg_guarded(t_drops); }

static void t_new_outgoing_value(void)
{
    uint32_t b = tg_open_bucket("b");
    uint32_t a = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t c = kvrt_types_new_outgoing_value(&g_ctx);
    cr_expect_neq(a, 0u);
    cr_expect_neq(c, 0u);
    cr_expect_neq(a, c);
    gstr k = tg_gs("k");
    tg_poison(R, 8);
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, a, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_expect_stored("b", "k", "");
    tg_expect_feed("set b k \"\"\n");
}
Test(imports, new_outgoing_value_is_empty) { tg_guarded(t_new_outgoing_value); }

/* A dropped outgoing-value's body buffer is reused by the next one (no
 * malloc per value): the new value is still empty, and a body that grew
 * past the reuse limit is not kept. */
static void t_reused_body_is_empty(void)
{
    uint32_t b = tg_open_bucket("b");
    for (int round = 0; round < 20; round++) {
        uint32_t old = tg_new_ov(round % 2 ? "previous body" : "x");
        kvrt_types_drop_outgoing_value(&g_ctx, old);
    }
    uint32_t big = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = tg_write_body(big);
    for (int i = 0; i < 600; i++)
        tg_write_str(os, "0123456789");
    kvrt_streams_drop_output_stream(&g_ctx, os);
    kvrt_types_drop_outgoing_value(&g_ctx, big);
    cr_expect_leq(g_ctx.handles.nspare, (uint32_t)KVRT_SPARE_BODIES);
    for (uint32_t i = 0; i < g_ctx.handles.nspare; i++)
        cr_expect_leq(g_ctx.handles.spare[i].cap, (size_t)KVRT_SPARE_BODY_MAX);
    uint32_t a = kvrt_types_new_outgoing_value(&g_ctx);
    gstr k = tg_gs("k");
    tg_poison(R, 8);
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, a, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_expect_stored("b", "k", "");
    uint32_t c = tg_new_ov("new");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, c, R);
    tg_expect_stored("b", "k", "new");
    tg_expect_feed("set b k \"\"\nset b k new\n");
}
Test(imports, reused_body_is_empty) { tg_guarded(t_reused_body_is_empty); }

static void t_write_body_bad_handle(void)
{
    uint32_t b = tg_open_bucket("b");
    uint32_t dropped = kvrt_types_new_outgoing_value(&g_ctx);
    kvrt_types_drop_outgoing_value(&g_ctx, dropped);
    const uint32_t bad[] = { 0, BADH, dropped, b };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t live = g_ctx.handles.live;
        tg_poison(R, 8);
        kvrt_types_outgoing_value_write_body(&g_ctx, bad[i], R);
        cr_expect_eq(tg_rd8(R), 1, "write-body of %u: err tag", bad[i]);
        cr_expect_eq(g_ctx.handles.live, live, "no handle made for %u", bad[i]);
    }
}
Test(imports, write_body_bad_handle_is_err) { tg_guarded(t_write_body_bad_handle); }

static void t_consume_sync(void)
{
    tg_preset("b", "k", "the value");
    uint32_t b = tg_open_bucket("b");
    uint32_t iv = tg_get_iv(b, "k");
    tg_poison(R, 12);
    tg_reset_realloc_log();
    kvrt_types_incoming_value_consume_sync(&g_ctx, iv, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "the value", 9), "ptr@4 len@8");
    cr_expect_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 1u);
    cr_expect_eq(g_tg.log_size[0], 9u);
    tg_poison(R, 12);
    kvrt_types_incoming_value_consume_sync(&g_ctx, iv, R);
    tg_expect_error_at(R, 4, "incoming-value already consumed");
    tg_poison(R, 8);
    kvrt_types_incoming_value_consume_async(&g_ctx, iv, R);
    tg_expect_error_at(R, 4, "incoming-value already consumed");
    cr_expect_eq(kvrt_types_size(&g_ctx, iv), 9u, "size keeps working");
    kvrt_types_drop_incoming_value(&g_ctx, iv);

    /* bad handles: an error naming the number */
    char want[64];
    const uint32_t bad[] = { 0, BADH, iv, b };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(want, sizeof want, "invalid incoming-value handle %u", bad[i]);
        tg_poison(R, 12);
        kvrt_types_incoming_value_consume_sync(&g_ctx, bad[i], R);
        tg_expect_error_at(R, 4, want);
        tg_poison(R, 8);
        kvrt_types_incoming_value_consume_async(&g_ctx, bad[i], R);
        tg_expect_error_at(R, 4, want);
    }
    /* empty value */
    tg_preset("b", "e", "");
    iv = tg_get_iv(b, "e");
    tg_reset_realloc_log();
    tg_expect_consume(iv, "", 0);
    cr_expect_eq(g_tg.calls, 1u, "realloc called for 0 bytes too");
}
Test(imports, consume_sync) { tg_guarded(t_consume_sync); }

static void t_consume_async(void)
{
    tg_preset("b", "k", "streamed");
    uint32_t b = tg_open_bucket("b");
    uint32_t iv = tg_get_iv(b, "k");
    tg_poison(R, 8);
    kvrt_types_incoming_value_consume_async(&g_ctx, iv, R);
    cr_assert_eq(tg_rd8(R), 0);
    uint32_t s = tg_rd32(R + 4);
    cr_assert_neq(s, 0u);
    tg_poison(R, 8);
    kvrt_types_incoming_value_consume_async(&g_ctx, iv, R);
    tg_expect_error_at(R, 4, "incoming-value already consumed");
    tg_poison(R, 12);
    kvrt_types_incoming_value_consume_sync(&g_ctx, iv, R);
    tg_expect_error_at(R, 4, "incoming-value already consumed");
    cr_expect_eq(kvrt_types_size(&g_ctx, iv), 8u);
    /* the stream is independent of its incoming-value */
    kvrt_types_drop_incoming_value(&g_ctx, iv);
    tg_poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 3, R);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "str", 3));
    /* and of the store */
    gstr k = tg_gs("k");
    kvrt_readwrite_delete(&g_ctx, b, k.ptr, k.len, R);
    cr_expect_eq(tg_rd8(R), 0);
    tg_poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 100, R);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "eamed", 5));
    cr_expect_eq(tg_rd8(R + 12), 1);
    kvrt_streams_drop_input_stream(&g_ctx, s);
}
Test(imports, consume_async) { tg_guarded(t_consume_async); }

static void t_size(void)
{
    static const uint8_t bin[] = { 'a', 0, 'b', 0xff };
    tg_preset_n("b", "k", bin, sizeof bin);
    tg_preset("b", "e", "");
    uint32_t b = tg_open_bucket("b");
    uint32_t iv = tg_get_iv(b, "k");
    cr_expect_eq(kvrt_types_size(&g_ctx, iv), 4u);
    tg_expect_consume(iv, bin, sizeof bin);
    cr_expect_eq(kvrt_types_size(&g_ctx, iv), 4u, "size after consume");
    uint32_t ive = tg_get_iv(b, "e");
    cr_expect_eq(kvrt_types_size(&g_ctx, ive), 0u);
    kvrt_types_drop_incoming_value(&g_ctx, iv);
    tg_expect_trap(&(call){ F_SIZE, { iv } }, "size of a dropped incoming-value");
    tg_expect_trap(&(call){ F_SIZE, { 0 } }, "size of 0");
    tg_expect_trap(&(call){ F_SIZE, { BADH } }, "size never issued");
    tg_expect_trap(&(call){ F_SIZE, { b } }, "size of a bucket");
}
Test(imports, size) { tg_guarded(t_size); }

/* ======================================================================== */
/* readwrite                                                                 */
/* ======================================================================== */

static void t_get(void)
{
    uint32_t b = tg_open_bucket("users");
    gstr k = tg_gs("user/42");
    uint32_t live = g_ctx.handles.live;
    tg_poison(R, 8);
    kvrt_readwrite_get(&g_ctx, b, k.ptr, k.len, R);
    tg_expect_error("no such key: \"user/42\" in bucket \"users\"");
    cr_expect_eq(g_ctx.handles.live, live);

    tg_preset("users", "user/42", "alice");
    tg_poison(R, 8);
    kvrt_readwrite_get(&g_ctx, b, k.ptr, k.len, R);
    cr_assert_eq(tg_rd8(R), 0);
    uint32_t iv = tg_rd32(R + 4);
    tg_expect_consume(iv, "alice", 5);
    kvrt_types_drop_incoming_value(&g_ctx, iv);
    tg_expect_stored("users", "user/42", "alice");
    tg_expect_feed("");
}
Test(imports, get) { tg_guarded(t_get); }

static void t_get_snapshot(void)
{
    tg_preset("b", "k", "old");
    uint32_t b = tg_open_bucket("b");
    uint32_t iv1 = tg_get_iv(b, "k");
    uint32_t iv2 = tg_get_iv(b, "k");
    uint32_t ov = tg_new_ov("new");
    gstr k = tg_gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    cr_assert_eq(tg_rd8(R), 0);
    uint32_t iv3 = tg_get_iv(b, "k");
    kvrt_readwrite_delete(&g_ctx, b, k.ptr, k.len, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_expect_consume(iv1, "old", 3);
    cr_expect_eq(kvrt_types_size(&g_ctx, iv2), 3u);
    uint32_t s = tg_consume_async(iv2);
    tg_poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 10, R);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "old", 3));
    tg_expect_consume(iv3, "new", 3);
}
Test(imports, get_is_a_snapshot) { tg_guarded(t_get_snapshot); }

static void t_invalid_bucket(void)
{
    tg_preset("b", "k", "5");
    uint32_t good = tg_open_bucket("b");
    uint32_t dropped = tg_open_bucket("b");
    kvrt_types_drop_bucket(&g_ctx, dropped);
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    const uint32_t bad[] = { 0, BADH, dropped, ov };
    gstr k = tg_gs("k");
    uint32_t keys = tg_put_str_list((const char *const[]){ "k" }, 1);
    uint32_t pairs = tg_put_pair_list((const char *const[]){ "k" }, &ov, 1);
    char want[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(want, sizeof want, "invalid bucket handle %u", bad[i]);
        tg_poison(R, 16);
        kvrt_readwrite_get(&g_ctx, bad[i], k.ptr, k.len, R);
        tg_expect_error(want);
        tg_poison(R, 16);
        kvrt_readwrite_set(&g_ctx, bad[i], k.ptr, k.len, ov, R);
        tg_expect_error(want);
        tg_poison(R, 16);
        kvrt_readwrite_delete(&g_ctx, bad[i], k.ptr, k.len, R);
        tg_expect_error(want);
        tg_poison(R, 16);
        kvrt_readwrite_exists(&g_ctx, bad[i], k.ptr, k.len, R);
        tg_expect_error(want);
        tg_poison(R, 16);
        kvrt_atomic_increment(&g_ctx, bad[i], k.ptr, k.len, 1, R);
        tg_expect_error_at(R, 8, want);
        tg_poison(R, 16);
        kvrt_atomic_compare_and_swap(&g_ctx, bad[i], k.ptr, k.len, 5, 6, R);
        tg_expect_error(want);
        tg_poison(R, 16);
        kvrt_batch_get_many(&g_ctx, bad[i], keys, 1, R);
        tg_expect_error(want);
        tg_poison(R, 16);
        kvrt_batch_set_many(&g_ctx, bad[i], keys, 1, pairs, 1, R);
        tg_expect_error(want);
        tg_poison(R, 16);
        kvrt_batch_delete_many(&g_ctx, bad[i], keys, 1, R);
        tg_expect_error(want);
        tg_expect_trap(&(call){ F_GET_KEYS, { bad[i], R } }, "get-keys of a bad bucket");
    }
    tg_expect_stored("b", "k", "5");
    tg_expect_feed("");
    cr_expect_eq(g_ctx.handles.live, 2u, "only good and ov remain");
    tg_poison(R, 8);
    kvrt_readwrite_exists(&g_ctx, good, k.ptr, k.len, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd8(R + 4), 1);
}
Test(imports, invalid_bucket_handle_errors) { tg_guarded(t_invalid_bucket); }

static void t_set(void)
{
    uint32_t b = tg_open_bucket("b");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = tg_write_body(ov);
    tg_write_str(os, "ab");
    gstr k1 = tg_gs("k1"), k2 = tg_gs("k2");
    tg_poison(R, 8);
    kvrt_readwrite_set(&g_ctx, b, k1.ptr, k1.len, ov, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_write_str(os, "cd");
    tg_poison(R, 8);
    kvrt_readwrite_set(&g_ctx, b, k2.ptr, k2.len, ov, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_expect_stored("b", "k1", "ab");
    tg_expect_stored("b", "k2", "abcd");
    tg_expect_feed("set b k1 ab\nset b k2 abcd\n");
    /* overwrite keeps the key's place */
    kvrt_readwrite_set(&g_ctx, b, k1.ptr, k1.len, ov, R);
    tg_expect_stored("b", "k1", "abcd");
    tg_expect_keys(b, (const char *const[]){ "k1", "k2" }, 2);
    tg_expect_feed("set b k1 abcd\n");

    /* invalid outgoing-values: error, nothing stored or printed */
    uint32_t dropped = kvrt_types_new_outgoing_value(&g_ctx);
    kvrt_types_drop_outgoing_value(&g_ctx, dropped);
    const uint32_t bad[] = { 0, BADH, dropped, os, b };
    char want[64];
    gstr k3 = tg_gs("k3");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(want, sizeof want, "invalid outgoing-value handle %u", bad[i]);
        tg_poison(R, 8);
        kvrt_readwrite_set(&g_ctx, b, k3.ptr, k3.len, bad[i], R);
        tg_expect_error(want);
    }
    tg_expect_stored("b", "k3", NULL);
    tg_expect_feed("");
}
Test(imports, set_copies_body_so_far) { tg_guarded(t_set); }

static void t_delete(void)
{
    tg_preset("b", "k", "v");
    tg_preset("b", "other", "w");
    uint32_t b = tg_open_bucket("b");
    gstr k = tg_gs("k");
    tg_poison(R, 8);
    kvrt_readwrite_delete(&g_ctx, b, k.ptr, k.len, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_expect_stored("b", "k", NULL);
    tg_expect_feed("delete b k\n");
    tg_poison(R, 8);
    kvrt_readwrite_delete(&g_ctx, b, k.ptr, k.len, R);
    tg_expect_error("no such key: \"k\" in bucket \"b\"");
    tg_expect_feed("");
    tg_expect_stored("b", "other", "w");
}
Test(imports, delete) { tg_guarded(t_delete); }

static void t_exists(void)
{
    tg_preset("b", "k", "v");
    uint32_t b = tg_open_bucket("b");
    gstr k = tg_gs("k"), m = tg_gs("missing");
    uint32_t live = g_ctx.handles.live;
    tg_poison(R, 8);
    kvrt_readwrite_exists(&g_ctx, b, k.ptr, k.len, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd8(R + 4), 1);
    tg_poison(R, 8);
    kvrt_readwrite_exists(&g_ctx, b, m.ptr, m.len, R);
    cr_expect_eq(tg_rd8(R), 0, "a missing key is not an error");
    cr_expect_eq(tg_rd8(R + 4), 0);
    cr_expect_eq(g_ctx.handles.live, live, "no error handle made");
    tg_expect_feed("");
}
Test(imports, exists) { tg_guarded(t_exists); }

/* ======================================================================== */
/* atomic                                                                    */
/* ======================================================================== */

static void t_increment(void)
{
    uint32_t b = tg_open_bucket("b");
    gstr c = tg_gs("c");
    tg_poison(R, 16);
    kvrt_atomic_increment(&g_ctx, b, c.ptr, c.len, 5, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 5u, "u64 at offset 8");
    tg_expect_stored("b", "c", "5");
    tg_expect_feed("set b c 5\n");
    tg_poison(R, 16);
    kvrt_atomic_increment(&g_ctx, b, c.ptr, c.len, 37, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 42u);
    tg_expect_stored("b", "c", "42");
    tg_expect_feed("set b c 42\n");
    /* a missing key gets the full delta, also 2^64-1 */
    gstr m = tg_gs("max");
    tg_poison(R, 16);
    kvrt_atomic_increment(&g_ctx, b, m.ptr, m.len, UINT64_MAX, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), UINT64_MAX);
    tg_expect_stored("b", "max", "18446744073709551615");
    tg_expect_feed("set b max 18446744073709551615\n");
}
Test(imports, increment) { tg_guarded(t_increment); }

static void t_increment_not_counter(void)
{
    static const char *const bad[] = {
        "", "abc", "-1", "+1", " 1", "1 ", "1.0", "0x10", "1\n", "\xd9\xa1",
        "000000000000000000001",        /* 21 digits */
        "18446744073709551616",         /* 2^64 */
        "99999999999999999999",
    };
    uint32_t b = tg_open_bucket("b");
    gstr k = tg_gs("k");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tg_preset("b", "k", bad[i]);
        tg_poison(R, 16);
        kvrt_atomic_increment(&g_ctx, b, k.ptr, k.len, 1, R);
        tg_expect_error_at(R, 8, "not a counter: \"k\" in bucket \"b\"");
        tg_expect_stored("b", "k", bad[i]);
        tg_poison(R, 8);
        kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 0, 1, R);
        tg_expect_error("not a counter: \"k\" in bucket \"b\"");
        tg_expect_stored("b", "k", bad[i]);
    }
    tg_expect_feed("");
    /* the edges that are counters */
    static const struct { const char *v; uint64_t delta, sum; const char *stored; } good[] = {
        { "0", 0, 0, "0" },
        { "00000000000000000001", 1, 2, "2" },          /* 20 digits */
        { "18446744073709551615", 0, UINT64_MAX, "18446744073709551615" },
        { "18446744073709551614", 1, UINT64_MAX, "18446744073709551615" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        tg_preset("b", "k", good[i].v);
        tg_poison(R, 16);
        kvrt_atomic_increment(&g_ctx, b, k.ptr, k.len, good[i].delta, R);
        cr_expect_eq(tg_rd8(R), 0, "%s is a counter", good[i].v);
        cr_expect_eq(tg_rd64(R + 8), good[i].sum);
        tg_expect_stored("b", "k", good[i].stored);
    }
    kvrt_buf_truncate(&g_ctx.out, 0);
}
Test(imports, increment_and_cas_reject_non_counters) { tg_guarded(t_increment_not_counter); }

static void t_increment_overflow(void)
{
    uint32_t b = tg_open_bucket("b");
    gstr k = tg_gs("k");
    static const struct { const char *v; uint64_t delta; } cases[] = {
        { "18446744073709551615", 1 },
        { "18446744073709551610", 6 },
        { "1", UINT64_MAX },
        { "18446744073709551615", UINT64_MAX },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tg_preset("b", "k", cases[i].v);
        tg_poison(R, 16);
        kvrt_atomic_increment(&g_ctx, b, k.ptr, k.len, cases[i].delta, R);
        tg_expect_error_at(R, 8, "counter overflow: \"k\" in bucket \"b\"");
        tg_expect_stored("b", "k", cases[i].v);
    }
    tg_expect_feed("");
}
Test(imports, increment_overflow) { tg_guarded(t_increment_overflow); }

static void t_increment_canonical(void)
{
    tg_preset("b", "k", "007");
    uint32_t b = tg_open_bucket("b");
    gstr k = tg_gs("k");
    tg_poison(R, 16);
    kvrt_atomic_increment(&g_ctx, b, k.ptr, k.len, 0, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 7u);
    tg_expect_stored("b", "k", "7");
    tg_expect_feed("set b k 7\n");
    /* rewritten even when unchanged */
    tg_poison(R, 16);
    kvrt_atomic_increment(&g_ctx, b, k.ptr, k.len, 0, R);
    tg_expect_feed("set b k 7\n");
}
Test(imports, increment_rewrites_canonical_decimal) { tg_guarded(t_increment_canonical); }

static void t_cas(void)
{
    uint32_t b = tg_open_bucket("b");
    gstr k = tg_gs("k");
    tg_poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 0, 1, R);
    tg_expect_error("no such key: \"k\" in bucket \"b\"");
    tg_expect_stored("b", "k", NULL);

    tg_preset("b", "k", "10");
    tg_poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 10, 20, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd8(R + 4), 1, "ok(true) at offset 4");
    tg_expect_stored("b", "k", "20");
    tg_expect_feed("set b k 20\n");

    tg_poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 10, 30, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd8(R + 4), 0, "ok(false)");
    tg_expect_stored("b", "k", "20");
    tg_expect_feed("");

    tg_poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 20, 20, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd8(R + 4), 1);
    tg_expect_feed("set b k 20\n");

    tg_preset("b", "k", "007");
    tg_poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 7, 7, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd8(R + 4), 1);
    tg_expect_stored("b", "k", "7");
    tg_expect_feed("set b k 7\n");

    tg_poison(R, 8);
    kvrt_atomic_compare_and_swap(&g_ctx, b, k.ptr, k.len, 7, UINT64_MAX, R);
    cr_expect_eq(tg_rd8(R + 4), 1);
    tg_expect_stored("b", "k", "18446744073709551615");
    tg_expect_feed("set b k 18446744073709551615\n");
}
Test(imports, compare_and_swap) { tg_guarded(t_cas); }

/* ======================================================================== */
/* batch                                                                     */
/* ======================================================================== */

static void t_get_many(void)
{
    tg_preset("b", "a", "A");
    tg_preset("b", "b", "BB");
    uint32_t b = tg_open_bucket("b");
    uint32_t keys = tg_put_str_list((const char *const[]){ "a", "b", "a" }, 3);
    uint32_t live = g_ctx.handles.live;
    tg_poison(R, 12);
    tg_reset_realloc_log();
    kvrt_batch_get_many(&g_ctx, b, keys, 3, R);
    cr_assert_eq(tg_rd8(R), 0);
    uint32_t list = tg_rd32(R + 4);
    cr_assert_eq(tg_rd32(R + 8), 3u, "len at offset 8");
    cr_expect_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 4u, "list<u32> allocated with align 4");
    cr_expect_eq(g_tg.log_size[0], 12u);
    cr_expect_eq(g_ctx.handles.live, live + 3);
    uint32_t h0 = tg_rd32(list), h1 = tg_rd32(list + 4), h2 = tg_rd32(list + 8);
    cr_expect(h0 != h1 && h1 != h2 && h0 != h2);
    tg_expect_consume(h0, "A", 1);
    tg_expect_consume(h1, "BB", 2);
    tg_expect_consume(h2, "A", 1);

    /* empty list: ok, realloc(0, 0, 4, 0) */
    tg_poison(R, 12);
    tg_reset_realloc_log();
    kvrt_batch_get_many(&g_ctx, b, keys, 0, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd32(R + 8), 0u);
    cr_expect_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 4u);
    cr_expect_eq(g_tg.log_size[0], 0u);
}
Test(imports, get_many) { tg_guarded(t_get_many); }

static void t_get_many_missing(void)
{
    tg_preset("b", "a", "A");
    uint32_t b = tg_open_bucket("b");
    uint32_t keys = tg_put_str_list((const char *const[]){ "a", "x", "a", "y" }, 4);
    uint32_t live = g_ctx.handles.live;
    tg_poison(R, 12);
    tg_reset_realloc_log();
    kvrt_batch_get_many(&g_ctx, b, keys, 4, R);
    cr_assert_eq(tg_rd8(R), 1);
    cr_expect_eq(g_ctx.handles.live, live + 1, "only the error handle was made");
    cr_expect_eq(g_tg.calls, 0u, "no list allocated");
    tg_expect_error("no such key: \"x\" in bucket \"b\"");
    cr_expect_eq(g_ctx.handles.live, live);
}
Test(imports, get_many_missing_key_makes_no_handles) { tg_guarded(t_get_many_missing); }

static void t_get_keys(void)
{
    uint32_t b = tg_open_bucket("b");
    /* empty bucket: realloc(0, 0, 4, 0) and length 0 */
    tg_reset_realloc_log();
    tg_expect_keys(b, NULL, 0);
    cr_expect_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 4u);
    cr_expect_eq(g_tg.log_size[0], 0u);

    tg_preset("b", "c", "1");
    tg_preset("b", "a", "2");
    tg_preset("b", "bb", "3");
    tg_reset_realloc_log();
    tg_expect_keys(b, (const char *const[]){ "c", "a", "bb" }, 3);
    cr_assert_eq(g_tg.calls, 4u, "one list and one string per key");
    cr_expect_eq(g_tg.log_align[0], 4u, "list<string> allocated with align 4");
    cr_expect_eq(g_tg.log_size[0], 24u, "8 bytes per element");
    cr_expect_eq(g_tg.log_align[1], 1u);
    cr_expect_eq(g_tg.log_size[1], 1u);
    cr_expect_eq(g_tg.log_size[3], 2u);

    /* delete then set again goes to the end; overwrite keeps the place */
    gstr a = tg_gs("a"), c = tg_gs("c");
    kvrt_readwrite_delete(&g_ctx, b, a.ptr, a.len, R);
    uint32_t ov = tg_new_ov("x");
    kvrt_readwrite_set(&g_ctx, b, a.ptr, a.len, ov, R);
    kvrt_readwrite_set(&g_ctx, b, c.ptr, c.len, ov, R);
    tg_expect_keys(b, (const char *const[]){ "c", "bb", "a" }, 3);
    /* the empty key */
    kvrt_readwrite_set(&g_ctx, b, a.ptr, 0, ov, R);
    tg_reset_realloc_log();
    tg_expect_keys(b, (const char *const[]){ "c", "bb", "a", "" }, 4);
    cr_expect_eq(g_tg.log_size[4], 0u, "realloc for the empty key too");
    cr_expect_eq(g_tg.calls, 5u);
    /* only this bucket's keys */
    tg_preset("other", "zzz", "1");
    tg_expect_keys(b, (const char *const[]){ "c", "bb", "a", "" }, 4);
}
Test(imports, get_keys_in_insertion_order) { tg_guarded(t_get_keys); }

static void t_set_many(void)
{
    tg_preset("b", "old", "o");
    uint32_t b = tg_open_bucket("b");
    uint32_t ov1 = tg_new_ov("one"), ov2 = tg_new_ov("two"), ov3 = tg_new_ov("three");
    uint32_t keys = tg_put_str_list((const char *const[]){ "ignored" }, 1);
    uint32_t pairs = tg_put_pair_list((const char *const[]){ "k1", "k2", "k1" },
                                   (const uint32_t[]){ ov1, ov2, ov3 }, 3);
    tg_poison(R, 8);
    kvrt_batch_set_many(&g_ctx, b, keys, 1, pairs, 3, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_expect_stored("b", "k1", "three");
    tg_expect_stored("b", "k2", "two");
    tg_expect_stored("b", "ignored", NULL);
    tg_expect_feed("set b k1 one\nset b k2 two\nset b k1 three\n");
    tg_expect_keys(b, (const char *const[]){ "old", "k1", "k2" }, 3);
    /* the values stay usable */
    uint32_t os = tg_write_body(ov2);
    tg_write_str(os, "!");
    pairs = tg_put_pair_list((const char *const[]){ "k3" }, &ov2, 1);
    kvrt_batch_set_many(&g_ctx, b, keys, 0, pairs, 1, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_expect_stored("b", "k3", "two!");
    tg_expect_feed("set b k3 two!\n");
    /* nothing to do */
    kvrt_batch_set_many(&g_ctx, b, keys, 0, pairs, 0, R);
    cr_expect_eq(tg_rd8(R), 0);
    tg_expect_feed("");
}
Test(imports, set_many) { tg_guarded(t_set_many); }

static void t_set_many_invalid(void)
{
    uint32_t b = tg_open_bucket("b");
    uint32_t ov1 = tg_new_ov("one");
    uint32_t dropped = tg_new_ov("gone");
    kvrt_types_drop_outgoing_value(&g_ctx, dropped);
    const uint32_t bad[] = { 0, BADH, dropped, b };
    char want[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(want, sizeof want, "invalid outgoing-value handle %u", bad[i]);
        /* last, first and middle */
        const uint32_t sets[3][3] = { { ov1, ov1, bad[i] }, { bad[i], ov1, ov1 },
                                      { ov1, bad[i], ov1 } };
        for (int j = 0; j < 3; j++) {
            uint32_t pairs = tg_put_pair_list((const char *const[]){ "k1", "k2", "k3" }, sets[j], 3);
            tg_poison(R, 8);
            kvrt_batch_set_many(&g_ctx, b, pairs, 0, pairs, 3, R);
            tg_expect_error(want);
        }
    }
    tg_expect_stored("b", "k1", NULL);
    tg_expect_stored("b", "k2", NULL);
    tg_expect_stored("b", "k3", NULL);
    tg_expect_feed("");
}
Test(imports, set_many_all_or_nothing) { tg_guarded(t_set_many_invalid); }

static void t_delete_many(void)
{
    tg_preset("b", "a", "1");
    tg_preset("b", "b", "2");
    tg_preset("b", "c", "3");
    uint32_t b = tg_open_bucket("b");
    uint32_t keys = tg_put_str_list((const char *const[]){ "a", "missing", "b", "a" }, 4);
    tg_poison(R, 8);
    kvrt_batch_delete_many(&g_ctx, b, keys, 4, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_expect_stored("b", "a", NULL);
    tg_expect_stored("b", "b", NULL);
    tg_expect_stored("b", "c", "3");
    tg_expect_feed("delete b a\ndelete b b\n");
    tg_poison(R, 8);
    kvrt_batch_delete_many(&g_ctx, b, keys, 4, R);
    cr_expect_eq(tg_rd8(R), 0, "all missing: still ok");
    tg_poison(R, 8);
    kvrt_batch_delete_many(&g_ctx, b, keys, 0, R);
    cr_expect_eq(tg_rd8(R), 0);
    tg_expect_feed("");
}
Test(imports, delete_many) { tg_guarded(t_delete_many); }

static void t_json_feed(void)
{
    g_ctx.format = KVRT_FMT_JSON;
    uint32_t b = tg_open_bucket("b");
    uint32_t ov = tg_new_ov("v");
    gstr k = tg_gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    kvrt_readwrite_delete(&g_ctx, b, k.ptr, k.len, R);
    tg_expect_feed("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"v\"}\n"
                "{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}\n");
}
Test(imports, json_feed) { tg_guarded(t_json_feed); }
