/*
 * tests/unit/test_imports_streams.c - the wasi:io/streams imports of
 * runtime/kvrt.h (suite `imports`, harness in test_support_guest.h): read
 * and skip with their lengths and end-of-stream flags, write,
 * write-repeated, splice and forward appending to an outgoing-value's body,
 * stream-error on bad or dropped handles and past --max-value (a failed
 * move moves nothing), several output-streams on one value, and the traps
 * of drop-input-stream / drop-output-stream. Return areas are checked at
 * the exact offsets of SPEC §2.
 */
#include <criterion/criterion.h>

#include <stdint.h>

#include "test_support_guest.h"

/* ======================================================================== */
/* streams                                                                   */
/* ======================================================================== */

static void t_read_lens_and_eos(void)
{
    tg_preset("b", "k", "hello world");
    uint32_t b = tg_open_bucket("b");
    uint32_t s = tg_instream(b, "k");

    tg_poison(R, 16);
    tg_reset_realloc_log();
    kvrt_streams_read(&g_ctx, s, 4, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "hell", 4));
    cr_expect_eq(tg_rd8(R + 12), 0, "eos while bytes remain");
    cr_assert_eq(g_tg.calls, 1u);
    cr_expect_eq(g_tg.log_align[0], 1u, "bytes are allocated with align 1");
    cr_expect_eq(g_tg.log_size[0], 4u);

    tg_poison(R, 16);
    tg_reset_realloc_log();
    kvrt_streams_read(&g_ctx, s, 0, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd32(R + 8), 0u);
    cr_expect_eq(tg_rd8(R + 12), 0, "len 0 with bytes left is not eos");
    cr_expect_eq(g_tg.calls, 1u, "realloc is called for an empty list too");
    cr_expect_eq(g_tg.log_size[0], 0u);

    tg_poison(R, 16);
    tg_reset_realloc_log();
    kvrt_streams_read(&g_ctx, s, 100, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "o world", 7));
    cr_expect_eq(tg_rd8(R + 12), 1);
    cr_expect_eq(g_tg.log_size[0], 7u, "never allocates more than what remains");

    for (int i = 0; i < 2; i++) {
        tg_poison(R, 16);
        tg_reset_realloc_log();
        kvrt_streams_read(&g_ctx, s, i ? UINT64_MAX : 5, R);
        cr_assert_eq(tg_rd8(R), 0, "an ended stream is not an error");
        cr_expect_eq(tg_rd32(R + 8), 0u);
        cr_expect_eq(tg_rd8(R + 12), 1, "an ended stream returns (empty, true)");
        cr_expect_eq(g_tg.log_size[0], 0u);
    }
    kvrt_streams_drop_input_stream(&g_ctx, s);
}
Test(imports, read_small_lens_and_eos) { tg_guarded(t_read_lens_and_eos); }

static void t_read_exact_and_empty(void)
{
    tg_preset("b", "abc", "abc");
    tg_preset("b", "empty", "");
    uint32_t b = tg_open_bucket("b");
    uint32_t s = tg_instream(b, "abc");
    tg_poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 3, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "abc", 3));
    cr_expect_eq(tg_rd8(R + 12), 1, "eos when nothing remains after this call");

    s = tg_instream(b, "empty");
    tg_poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 10, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd32(R + 8), 0u);
    cr_expect_eq(tg_rd8(R + 12), 1);

    /* binary bytes come through unchanged */
    static const uint8_t bin[] = { 0, 0xff, '\n', 0x80, 0 };
    tg_preset_n("b", "bin", bin, sizeof bin);
    s = tg_instream(b, "bin");
    tg_poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 1000, R);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), bin, sizeof bin));
}
Test(imports, read_exact_end_and_empty_value) { tg_guarded(t_read_exact_and_empty); }

static void t_read_bad_handle(void)
{
    tg_preset("b", "k", "v");
    uint32_t b = tg_open_bucket("b");
    uint32_t iv = tg_get_iv(b, "k");
    uint32_t dropped = tg_instream(b, "k");
    kvrt_streams_drop_input_stream(&g_ctx, dropped);
    const uint32_t bad[] = { 0, BADH, dropped, iv, b };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tg_poison(R, 24);
        tg_reset_realloc_log();
        kvrt_streams_read(&g_ctx, bad[i], 10, R);
        cr_expect_eq(tg_rd8(R), 1, "read of bad stream %u: stream-error", bad[i]);
        cr_expect_eq(tg_rd8(R + 4), 0, "stream-error payload byte");
        cr_expect_eq(g_tg.calls, 0u, "nothing allocated for an error");
        tg_poison(R, 24);
        kvrt_streams_skip(&g_ctx, bad[i], 10, R);
        cr_expect_eq(tg_rd8(R), 1, "skip of bad stream %u: stream-error", bad[i]);
        cr_expect_eq(tg_rd8(R + 8), 0, "stream-error payload byte");
    }
    /* the incoming-value was not disturbed by being used as a stream */
    tg_expect_consume(iv, "v", 1);
}
Test(imports, read_and_skip_bad_handle_is_stream_error) { tg_guarded(t_read_bad_handle); }

static void t_skip(void)
{
    tg_preset("b", "k", "0123456789");
    uint32_t b = tg_open_bucket("b");
    uint32_t s = tg_instream(b, "k");
    tg_poison(R, 24);
    tg_reset_realloc_log();
    kvrt_streams_skip(&g_ctx, s, 3, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 3u);
    cr_expect_eq(tg_rd8(R + 16), 0);
    cr_expect_eq(g_tg.calls, 0u, "skip allocates nothing");

    tg_poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 2, R);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "34", 2), "read after skip");

    tg_poison(R, 24);
    kvrt_streams_skip(&g_ctx, s, 0, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 0u);
    cr_expect_eq(tg_rd8(R + 16), 0);

    tg_poison(R, 24);
    kvrt_streams_skip(&g_ctx, s, UINT64_MAX, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 5u);
    cr_expect_eq(tg_rd8(R + 16), 1);

    tg_poison(R, 24);
    kvrt_streams_skip(&g_ctx, s, 1, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 0u);
    cr_expect_eq(tg_rd8(R + 16), 1, "ended stream");
}
Test(imports, skip) { tg_guarded(t_skip); }

static void t_write_and_set(void)
{
    uint32_t b = tg_open_bucket("b");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = tg_write_body(ov);
    gstr t = tg_gs("abc");
    tg_poison(R, 16);
    kvrt_streams_write(&g_ctx, os, t.ptr, t.len, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 3u, "bytes moved at offset 8");
    tg_poison(R, 16);
    kvrt_streams_write(&g_ctx, os, t.ptr, 0, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 0u);
    /* a zero-length list may point at the very end of memory */
    tg_poison(R, 16);
    kvrt_streams_write(&g_ctx, os, MEM_SIZE, 0, R);
    cr_expect_eq(tg_rd8(R), 0);
    gstr k = tg_gs("k");
    tg_poison(R, 8);
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_expect_stored("b", "k", "abc");
    tg_expect_feed("set b k abc\n");
    /* output-streams are not the value: dropping one leaves the value */
    kvrt_streams_drop_output_stream(&g_ctx, os);
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    cr_expect_eq(tg_rd8(R), 0);
    tg_expect_feed("set b k abc\n");
}
Test(imports, write_appends_to_the_body) { tg_guarded(t_write_and_set); }

static void t_write_repeated(void)
{
    uint32_t b = tg_open_bucket("b");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = tg_write_body(ov);
    /* 0 bytes into a body that has no memory yet (UBSan: no NULL + 0) */
    cr_assert_null(kvrt_handle_get(&g_ctx.handles, ov, KVRT_H_OUTGOING)->u.body.data);
    tg_poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'w', 0, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 0u);
    tg_poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'x', 3, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 3u);
    tg_poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'y', 0, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 0u);
    /* the u8 argument arrives as an i32: only its low byte counts */
    tg_poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 0x100 | 'z', 2, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 2u);
    gstr k = tg_gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    tg_expect_stored("b", "k", "xxxzz");
    tg_expect_feed("set b k xxxzz\n");
}
Test(imports, write_repeated) { tg_guarded(t_write_repeated); }

static void t_splice_forward(void)
{
    tg_preset("src", "k", "abcdef");
    uint32_t bs = tg_open_bucket("src");
    uint32_t s = tg_instream(bs, "k");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = tg_write_body(ov);
    tg_poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 2, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 2u);
    cr_expect_eq(tg_rd8(R + 16), 0);
    tg_poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 0, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 0u);
    cr_expect_eq(tg_rd8(R + 16), 0);
    tg_poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 100, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 4u);
    cr_expect_eq(tg_rd8(R + 16), 1);
    tg_poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 100, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 0u);
    cr_expect_eq(tg_rd8(R + 16), 1, "ended stream");

    uint32_t s2 = tg_instream(bs, "k");
    tg_poison(R, 24);
    kvrt_streams_skip(&g_ctx, s2, 1, R);
    tg_poison(R, 16);
    kvrt_streams_forward(&g_ctx, os, s2, R);
    cr_assert_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 5u, "forward moves everything that remains");
    tg_poison(R, 16);
    kvrt_streams_forward(&g_ctx, os, s2, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 0u);

    uint32_t b = tg_open_bucket("dst");
    gstr k = tg_gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    tg_expect_stored("dst", "k", "abcdefbcdef");
    tg_expect_feed("set dst k abcdefbcdef\n");
}
Test(imports, splice_and_forward) { tg_guarded(t_splice_forward); }

static void t_stream_error_dropped_value(void)
{
    tg_preset("b", "k", "payload");
    uint32_t b = tg_open_bucket("b");
    uint32_t s = tg_instream(b, "k");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = tg_write_body(ov);
    kvrt_types_drop_outgoing_value(&g_ctx, ov);
    /* new values must not revive the stream, even if they reuse numbers */
    for (int i = 0; i < 3; i++)
        (void)kvrt_types_new_outgoing_value(&g_ctx);
    gstr t = tg_gs("x");
    tg_poison(R, 24);
    kvrt_streams_write(&g_ctx, os, t.ptr, t.len, R);
    cr_expect_eq(tg_rd8(R), 1, "write to a dropped value");
    cr_expect_eq(tg_rd8(R + 8), 0);
    tg_poison(R, 24);
    kvrt_streams_write_repeated(&g_ctx, os, 'x', 3, R);
    cr_expect_eq(tg_rd8(R), 1, "write-repeated to a dropped value");
    cr_expect_eq(tg_rd8(R + 8), 0);
    tg_poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 3, R);
    cr_expect_eq(tg_rd8(R), 1, "splice to a dropped value");
    cr_expect_eq(tg_rd8(R + 8), 0);
    tg_poison(R, 24);
    kvrt_streams_forward(&g_ctx, os, s, R);
    cr_expect_eq(tg_rd8(R), 1, "forward to a dropped value");
    cr_expect_eq(tg_rd8(R + 8), 0);
    /* the input stream was not advanced by the failed moves */
    tg_poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 100, R);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "payload", 7));
    /* dropping the output-stream still works */
    kvrt_streams_drop_output_stream(&g_ctx, os);
}
Test(imports, stream_error_when_value_dropped) { tg_guarded(t_stream_error_dropped_value); }

static void t_stream_error_bad_handles(void)
{
    tg_preset("b", "k", "payload");
    uint32_t b = tg_open_bucket("b");
    uint32_t s = tg_instream(b, "k");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = tg_write_body(ov);
    gstr t = tg_gs("x");
    const uint32_t bad_out[] = { 0, BADH, ov, s };
    for (size_t i = 0; i < sizeof bad_out / sizeof bad_out[0]; i++) {
        tg_poison(R, 24);
        kvrt_streams_write(&g_ctx, bad_out[i], t.ptr, t.len, R);
        cr_expect_eq(tg_rd8(R), 1, "write to %u", bad_out[i]);
        tg_poison(R, 24);
        kvrt_streams_write_repeated(&g_ctx, bad_out[i], 'x', 1, R);
        cr_expect_eq(tg_rd8(R), 1, "write-repeated to %u", bad_out[i]);
        tg_poison(R, 24);
        kvrt_streams_splice(&g_ctx, bad_out[i], s, 1, R);
        cr_expect_eq(tg_rd8(R), 1, "splice to %u", bad_out[i]);
        tg_poison(R, 24);
        kvrt_streams_forward(&g_ctx, bad_out[i], s, R);
        cr_expect_eq(tg_rd8(R), 1, "forward to %u", bad_out[i]);
    }
    const uint32_t bad_in[] = { 0, BADH, os, ov };
    for (size_t i = 0; i < sizeof bad_in / sizeof bad_in[0]; i++) {
        tg_poison(R, 24);
        kvrt_streams_splice(&g_ctx, os, bad_in[i], 1, R);
        cr_expect_eq(tg_rd8(R), 1, "splice from %u", bad_in[i]);
        cr_expect_eq(tg_rd8(R + 8), 0);
        tg_poison(R, 24);
        kvrt_streams_forward(&g_ctx, os, bad_in[i], R);
        cr_expect_eq(tg_rd8(R), 1, "forward from %u", bad_in[i]);
        cr_expect_eq(tg_rd8(R + 8), 0);
    }
    /* nothing reached the body */
    gstr k = tg_gs("out");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    tg_expect_stored("b", "out", "");
    tg_poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 100, R);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "payload", 7), "input not advanced");
}
Test(imports, stream_error_on_bad_handles) { tg_guarded(t_stream_error_bad_handles); }

static void t_max_value(void)
{
    g_ctx.limits.max_value = 10;
    tg_preset("b", "src", "XYZ");
    uint32_t b = tg_open_bucket("b");
    uint32_t s = tg_instream(b, "src");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = tg_write_body(ov);
    gstr eight = tg_gs("aaaaaaaa");
    gstr three = tg_gs("ccc");
    tg_poison(R, 16);
    kvrt_streams_write(&g_ctx, os, eight.ptr, eight.len, R);
    cr_assert_eq(tg_rd8(R), 0);
    tg_poison(R, 16);
    kvrt_streams_write(&g_ctx, os, three.ptr, three.len, R);
    cr_expect_eq(tg_rd8(R), 1, "write past --max-value");
    cr_expect_eq(tg_rd8(R + 8), 0);
    tg_poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'c', 3, R);
    cr_expect_eq(tg_rd8(R), 1, "write-repeated past --max-value");
    tg_poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'c', UINT64_MAX, R);
    cr_expect_eq(tg_rd8(R), 1, "write-repeated of 2^64-1 bytes");
    tg_poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 3, R);
    cr_expect_eq(tg_rd8(R), 1, "splice past --max-value");
    tg_poison(R, 16);
    kvrt_streams_forward(&g_ctx, os, s, R);
    cr_expect_eq(tg_rd8(R), 1, "forward past --max-value");
    /* a splice that fits still works: the failed ones moved nothing */
    tg_poison(R, 24);
    kvrt_streams_splice(&g_ctx, os, s, 1, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 1u);
    /* exactly reaching the cap is fine */
    tg_poison(R, 16);
    kvrt_streams_write_repeated(&g_ctx, os, 'b', 1, R);
    cr_expect_eq(tg_rd8(R), 0);
    tg_poison(R, 16);
    kvrt_streams_write(&g_ctx, os, three.ptr, 0, R);
    cr_expect_eq(tg_rd8(R), 0, "an empty write at the cap");
    tg_poison(R, 16);
    kvrt_streams_forward(&g_ctx, os, s, R);
    cr_expect_eq(tg_rd8(R), 1, "forward of 2 bytes at the cap");
    gstr k = tg_gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    tg_expect_stored("b", "k", "aaaaaaaaXb");
    /* the stream still holds "YZ" */
    tg_poison(R, 16);
    kvrt_streams_read(&g_ctx, s, 100, R);
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "YZ", 2), "input not advanced");
}
Test(imports, max_value_cap_moves_nothing) { tg_guarded(t_max_value); }

static void t_two_output_streams(void)
{
    uint32_t b = tg_open_bucket("b");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os1 = tg_write_body(ov);
    uint32_t os2 = tg_write_body(ov);
    cr_assert_neq(os1, os2, "write-body makes a new stream each time");
    tg_write_str(os1, "one,");
    tg_write_str(os2, "two,");
    tg_write_str(os1, "three");
    gstr k = tg_gs("k");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    tg_expect_stored("b", "k", "one,two,three");
    kvrt_streams_drop_output_stream(&g_ctx, os1);
    kvrt_streams_drop_output_stream(&g_ctx, os2);
}
Test(imports, write_body_again_appends) { tg_guarded(t_two_output_streams); }

static void t_drop_streams(void)
{
    tg_preset("b", "k", "v");
    uint32_t b = tg_open_bucket("b");
    uint32_t s = tg_instream(b, "k");
    uint32_t ov = kvrt_types_new_outgoing_value(&g_ctx);
    uint32_t os = tg_write_body(ov);
    tg_expect_trap(&(call){ F_DROP_INPUT_STREAM, { os } }, "output-stream as input-stream");
    tg_expect_trap(&(call){ F_DROP_OUTPUT_STREAM, { s } }, "input-stream as output-stream");
    tg_expect_trap(&(call){ F_DROP_INPUT_STREAM, { 0 } }, "handle 0");
    tg_expect_trap(&(call){ F_DROP_OUTPUT_STREAM, { BADH } }, "never issued");
    tg_expect_no_trap(&(call){ F_DROP_INPUT_STREAM, { s } }, "drop");
    tg_expect_no_trap(&(call){ F_DROP_OUTPUT_STREAM, { os } }, "drop");
    tg_expect_trap(&(call){ F_DROP_INPUT_STREAM, { s } }, "double drop");
    tg_expect_trap(&(call){ F_DROP_OUTPUT_STREAM, { os } }, "double drop");
    /* the outgoing-value outlives its stream */
    gstr k = tg_gs("k2");
    kvrt_readwrite_set(&g_ctx, b, k.ptr, k.len, ov, R);
    cr_expect_eq(tg_rd8(R), 0);
}
Test(imports, drop_streams) { tg_guarded(t_drop_streams); }
