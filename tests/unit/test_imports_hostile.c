/*
 * tests/unit/test_imports_hostile.c - the hostile-guest rules of SPEC §7
 * for the imports of runtime/kvrt.h (suite `imports`, harness in
 * test_support_guest.h): return areas out of bounds or misaligned,
 * out-of-bounds strings and lists, invalid UTF-8 (checked before handles),
 * garbage realloc results and an import called from inside realloc must
 * trap, leaving the store, the handle table and the output feed untouched;
 * and at the --max-handles limit, results that need a handle are an error
 * while one fits and a trap once none does.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "test_support_guest.h"

/* ======================================================================== */
/* hostile guests                                                            */
/* ======================================================================== */

/* A call of `fn` that would succeed, with return pointer `ret`; every
 * handle it needs is fresh. The store holds b/k = "1". */
static call valid_call(imp fn, uint32_t ret)
{
    tg_preset("b", "k", "1");
    uint32_t b = tg_open_bucket("b");
    gstr k = tg_gs("k");
    call c = { fn, { 0 } };
    switch (fn) {
    case F_READ:
    case F_SKIP:
        c.a[0] = tg_instream(b, "k");
        c.a[1] = 1;
        c.a[2] = ret;
        break;
    case F_WRITE: {
        gstr t = tg_gs("x");
        c.a[0] = tg_write_body(kvrt_types_new_outgoing_value(&g_ctx));
        c.a[1] = t.ptr;
        c.a[2] = t.len;
        c.a[3] = ret;
        break;
    }
    case F_WRITE_REPEATED:
        c.a[0] = tg_write_body(kvrt_types_new_outgoing_value(&g_ctx));
        c.a[1] = 'x';
        c.a[2] = 1;
        c.a[3] = ret;
        break;
    case F_SPLICE:
        c.a[0] = tg_write_body(kvrt_types_new_outgoing_value(&g_ctx));
        c.a[1] = tg_instream(b, "k");
        c.a[2] = 1;
        c.a[3] = ret;
        break;
    case F_FORWARD:
        c.a[0] = tg_write_body(kvrt_types_new_outgoing_value(&g_ctx));
        c.a[1] = tg_instream(b, "k");
        c.a[2] = ret;
        break;
    case F_TRACE: {
        gstr m = tg_gs("missing");
        kvrt_readwrite_get(&g_ctx, b, m.ptr, m.len, R2);
        cr_assert_eq(tg_rd8(R2), 1);
        c.a[0] = tg_rd32(R2 + 4);
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
        c.a[0] = tg_get_iv(b, "k");
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
        c.a[3] = tg_new_ov("2");
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
        c.a[1] = tg_put_str_list((const char *const[]){ "k" }, 1);
        c.a[2] = 1;
        c.a[3] = ret;
        break;
    case F_GET_KEYS:
        c.a[0] = b;
        c.a[1] = ret;
        break;
    case F_SET_MANY: {
        uint32_t ov = tg_new_ov("2");
        c.a[0] = b;
        c.a[1] = tg_put_str_list((const char *const[]){ "k" }, 1);
        c.a[2] = 1;
        c.a[3] = tg_put_pair_list((const char *const[]){ "k" }, &ov, 1);
        c.a[4] = 1;
        c.a[5] = ret;
        break;
    }
    default:
        cr_assert_fail("no return area for %s", tg_imp_names[fn]);
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
    cr_expect_eq(g_ctx.handles.live, live, "%s: %s made a handle", why, tg_imp_names[c->fn]);
    cr_expect_eq(g_tg.calls, 0u, "%s: %s called realloc", why, tg_imp_names[c->fn]);
    cr_expect_eq(g_ctx.out.len, 0u, "%s: %s printed", why, tg_imp_names[c->fn]);
    tg_expect_stored("b", "k", "1");
}

static void t_return_areas(void)
{
    for (size_t i = 0; i < sizeof ret_rules / sizeof ret_rules[0]; i++) {
        const ret_rule *rr = &ret_rules[i];
        const char *name = tg_imp_names[rr->fn];
        /* misaligned by every amount */
        for (uint32_t m = 1; m < rr->align; m++) {
            call c = valid_call(rr->fn, 0x400 + m);
            uint32_t live = g_ctx.handles.live;
            tg_reset_realloc_log();
            cr_expect(tg_traps(&c), "%s: return pointer %% %u == %u did not trap", name,
                      rr->align, m);
            expect_untouched(&c, live, "misaligned return pointer");
        }
        /* the area's last byte just past the end of memory */
        call c = valid_call(rr->fn, MEM_SIZE - rr->size + rr->align);
        uint32_t live = g_ctx.handles.live;
        tg_reset_realloc_log();
        cr_expect(tg_traps(&c), "%s: return area past the end did not trap", name);
        expect_untouched(&c, live, "return area out of bounds");
        c = valid_call(rr->fn, 0xfffffff8u);
        tg_reset_realloc_log();
        cr_expect(tg_traps(&c), "%s: return pointer 0xfffffff8 did not trap", name);
        /* exactly at the end is fine */
        c = valid_call(rr->fn, MEM_SIZE - rr->size);
        cr_expect_not(tg_traps(&c), "%s: return area at the end trapped: %s", name,
                      g_ctx.trap_reason);
        kvrt_buf_truncate(&g_ctx.out, 0);
    }
}
Test(imports, return_areas_checked_for_size_and_alignment) { tg_guarded(t_return_areas); }

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
    tg_preset("b", "k", "1");
    uint32_t b = tg_open_bucket("b");
    uint32_t ov = tg_new_ov("x");
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
                tg_reset_realloc_log();
                cr_expect(tg_traps(&c), "%s: %s did not trap", tg_imp_names[c.fn], bad[i].why);
                expect_untouched(&c, live, bad[i].why);
            }
        }
        /* an empty string right at the end is in bounds */
        call c = string_call(string_fns[f], b, MEM_SIZE, 0, ov);
        tg_expect_no_trap(&c, "empty string at the end of memory");
        kvrt_buf_truncate(&g_ctx.out, 0);
    }
    /* the byte list of write */
    uint32_t os = tg_write_body(ov);
    tg_expect_trap(&(call){ F_WRITE, { os, MEM_SIZE - 1, 2, R } }, "write buffer past the end");
    tg_expect_trap(&(call){ F_WRITE, { os, 0xffffffffu, 2, R } }, "write buffer wraps");
    tg_expect_trap(&(call){ F_WRITE, { os, MEM_SIZE + 1, 0, R } }, "empty write buffer past end");
}
Test(imports, out_of_bounds_strings_trap) { tg_guarded(t_bad_string_pointers); }

static void t_invalid_utf8(void)
{
    tg_preset("b", "k", "1");
    uint32_t b = tg_open_bucket("b");
    uint32_t ov = tg_new_ov("x");
    static const char *const bad[] = {
        "\xff", "\xc0\x80", "\xed\xa0\x80", "a\x80", "\xf4\x90\x80\x80", "\xe2\x82", "k\xfe",
    };
    for (size_t f = 0; f < sizeof string_fns / sizeof string_fns[0]; f++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            for (int bad_bucket = 0; bad_bucket < 2; bad_bucket++) {
                gstr s = tg_gs(bad[i]);
                call c = string_call(string_fns[f], bad_bucket ? BADH : b, s.ptr, s.len, ov);
                uint32_t live = g_ctx.handles.live;
                tg_reset_realloc_log();
                cr_expect(tg_traps(&c), "%s: invalid UTF-8 #%zu (bad bucket %d) did not trap",
                          tg_imp_names[c.fn], i, bad_bucket);
                expect_untouched(&c, live, "invalid UTF-8");
            }
        }
    }
    /* and inside lists, also when the bucket handle or outgoing-value is bad */
    const char *const mixed[] = { "k", "\xc3\x28" };
    uint32_t keys = tg_put_str_list(mixed, 2);
    uint32_t good_keys = tg_put_str_list((const char *const[]){ "k" }, 1);
    uint32_t bad_pairs = tg_put_pair_list(mixed, (const uint32_t[]){ ov, ov }, 2);
    uint32_t bad_ov_pairs = tg_put_pair_list(mixed, (const uint32_t[]){ BADH, BADH }, 2);
    uint32_t good_pairs = tg_put_pair_list((const char *const[]){ "k" }, &ov, 1);
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
            tg_reset_realloc_log();
            cr_expect(tg_traps(&calls[i]), "%s #%zu: invalid UTF-8 in a list did not trap",
                      tg_imp_names[calls[i].fn], i);
            expect_untouched(&calls[i], live, "invalid UTF-8 in a list");
        }
    }
}
Test(imports, invalid_utf8_traps_before_handles_are_checked) { tg_guarded(t_invalid_utf8); }

static void t_list_pointers(void)
{
    tg_preset("b", "k", "1");
    uint32_t b = tg_open_bucket("b");
    uint32_t ov = tg_new_ov("x");
    uint32_t good = tg_put_str_list((const char *const[]){ "k" }, 1);
    /* an element whose string is out of bounds */
    uint32_t oob_elem = tg_put_bytes((const uint32_t[]){ MEM_SIZE - 1, 4 }, 8, 4);
    uint32_t oob_pair = tg_put_bytes((const uint32_t[]){ MEM_SIZE - 1, 4, ov }, 12, 4);
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
        tg_reset_realloc_log();
        cr_expect(tg_traps(&cases[i].c), "%s did not trap", cases[i].why);
        expect_untouched(&cases[i].c, live, cases[i].why);
    }
    /* an empty, aligned list at the very end of memory is fine */
    tg_expect_no_trap(&(call){ F_GET_MANY, { b, MEM_SIZE, 0, R } }, "empty list at the end");
    tg_expect_no_trap(&(call){ F_DELETE_MANY, { b, MEM_SIZE, 0, R } }, "empty list at the end");
    tg_expect_no_trap(&(call){ F_SET_MANY, { b, MEM_SIZE, 0, MEM_SIZE, 0, R } }, "empty lists");
}
Test(imports, list_pointers_checked) { tg_guarded(t_list_pointers); }

static void t_bad_realloc(void)
{
    tg_preset("b", "k", "value");
    tg_preset("b", "k2", "value2");
    uint32_t b = tg_open_bucket("b");
    uint32_t keys = tg_put_str_list((const char *const[]){ "k", "k2" }, 2);
    const alloc_mode modes[] = { ALLOC_OOB, ALLOC_HUGE };
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        g_tg.mode = modes[m];
        g_tg.good_calls = 0;
        uint32_t s = 0;
        {
            alloc_mode keep = g_tg.mode;
            g_tg.mode = ALLOC_OK;
            s = tg_instream(b, "k");
            g_tg.mode = keep;
        }
        tg_expect_trap(&(call){ F_READ, { s, 3, R } }, "read with a bad realloc");
        tg_expect_trap(&(call){ F_READ, { s, 0, R } }, "read of 0 bytes with a bad realloc");
        g_tg.mode = ALLOC_OK;
        uint32_t iv = tg_get_iv(b, "k");
        gstr miss = tg_gs("missing");
        kvrt_readwrite_get(&g_ctx, b, miss.ptr, miss.len, R2);
        uint32_t err = tg_rd32(R2 + 4);
        g_tg.mode = modes[m];
        tg_expect_trap(&(call){ F_CONSUME_SYNC, { iv, R } }, "consume-sync with a bad realloc");
        tg_expect_trap(&(call){ F_TRACE, { err, R } }, "trace with a bad realloc");
        uint32_t live = g_ctx.handles.live;
        tg_expect_trap(&(call){ F_GET_MANY, { b, keys, 2, R } }, "get-many with a bad realloc");
        cr_expect_eq(g_ctx.handles.live, live, "get-many made handles before trapping");
        tg_expect_trap(&(call){ F_GET_KEYS, { b, R } }, "get-keys with a bad list");
        g_tg.good_calls = g_tg.calls + 2;  /* list and first key fine, second key bad */
        tg_expect_trap(&(call){ F_GET_KEYS, { b, R } }, "get-keys with a bad key string");
    }
    /* misaligned lists */
    g_tg.mode = ALLOC_MISALIGNED;
    g_tg.good_calls = 0;
    g_tg.calls = 0;
    uint32_t live = g_ctx.handles.live;
    tg_expect_trap(&(call){ F_GET_MANY, { b, keys, 2, R } }, "get-many with a misaligned list");
    cr_expect_eq(g_ctx.handles.live, live);
    tg_expect_trap(&(call){ F_GET_KEYS, { b, R } }, "get-keys with a misaligned list");
    /* strings have align 1: any in-bounds pointer is fine */
    g_tg.mode = ALLOC_OK;
    uint32_t iv = tg_get_iv(b, "k");
    g_tg.mode = ALLOC_MISALIGNED;
    tg_expect_no_trap(&(call){ F_CONSUME_SYNC, { iv, R } }, "consume-sync, odd string pointer");
    /* the last bytes of memory are fine, empty results at the very end too */
    g_tg.mode = ALLOC_AT_END;
    tg_expect_no_trap(&(call){ F_GET_KEYS, { b, R } }, "get-keys at the end of memory");
    uint32_t s = tg_instream(b, "k2");
    tg_expect_no_trap(&(call){ F_READ, { s, 100, R } }, "read into the end of memory");
    cr_expect(tg_guest_bytes_eq(tg_rd32(R + 4), tg_rd32(R + 8), "value2", 6));
    cr_expect_eq(tg_rd32(R + 4), MEM_SIZE - 6);
    tg_expect_no_trap(&(call){ F_READ, { s, 0, R } }, "empty read at the end of memory");
    cr_expect_eq(tg_rd32(R + 4), MEM_SIZE);
}
Test(imports, bad_realloc_results_trap) { tg_guarded(t_bad_realloc); }

static void t_realloc_reentry(void)
{
    tg_preset("b", "k", "value");
    uint32_t b = tg_open_bucket("b");
    uint32_t iv = tg_get_iv(b, "k");
    g_tg.mode = ALLOC_REENTER;
    uint32_t live = g_ctx.handles.live;
    /* The outer import must not go on with a handle table or store changed
     * under its feet (consume-sync would copy from a value the inner call
     * freed): the inner import tg_traps (kvrt.h, kvrt_reentry_trap). */
    cr_expect(tg_traps(&(call){ F_CONSUME_SYNC, { iv, R } }),
              "an import called from inside realloc did not trap");
    cr_expect(strstr(g_ctx.trap_reason, "re-entering the host") != NULL, "trap: %s",
              g_ctx.trap_reason);
    cr_expect_eq(g_ctx.handles.live, live, "the re-entrant import made a handle");
    cr_expect_eq(g_ctx.head.in_realloc, 0);
    /* and the host is usable again afterwards */
    g_tg.mode = ALLOC_OK;
    tg_expect_consume(iv, "value", 5);
}
Test(imports, import_inside_realloc_traps) { tg_guarded(t_realloc_reentry); }

/* An import's entry as the glue makes it (kvrt.h): one compare against the
 * entry floor refuses both a call below the stack floor and one from inside
 * the guest's realloc, and tells them apart. */
static void enter_and_leave(void)
{
    kvrt_host_enter(&g_ctx);
    kvrt_host_leave(&g_ctx);
}

static void t_entry_floor(void)
{
    int in_host = g_ctx.head.in_host;
    uintptr_t floor = g_ctx.head.stack_floor;
    cr_expect_null(tg_trap_of(enter_and_leave), "a plain import entry trapped");
    kvrt_set_stack_floor(&g_ctx.head, UINTPTR_MAX);
    const char *why = tg_trap_of(enter_and_leave);
    cr_expect(why != NULL && strstr(why, "call stack exhausted") != NULL,
              "below the stack floor: %s", why ? why : "no trap");
    kvrt_set_stack_floor(&g_ctx.head, floor);
    kvrt_set_in_realloc(&g_ctx.head, 1);
    why = tg_trap_of(enter_and_leave);
    cr_expect(why != NULL && strstr(why, "re-entering the host") != NULL,
              "inside realloc: %s", why ? why : "no trap");
    cr_expect_eq(g_ctx.head.in_realloc, 0, "the trap ended the realloc call");
    cr_expect_null(tg_trap_of(enter_and_leave), "the floor is back after the trap");
    g_ctx.head.in_host = in_host;
}
Test(imports, import_entry_floor_traps) { tg_guarded(t_entry_floor); }

static void t_too_many_handles(void)
{
    g_ctx.limits.max_handles = 4;
    kvrt_handles_fini(&g_ctx.handles);
    kvrt_handles_init(&g_ctx.handles, g_ctx.limits.max_handles);
    tg_preset("b", "k", "1");
    tg_preset("b", "k2", "2");
    uint32_t b = tg_open_bucket("b");                              /* 1 */
    uint32_t ov = tg_new_ov("v");                                  /* 2 */
    uint32_t os = tg_write_body(ov);                               /* 3 */
    uint32_t keys = tg_put_str_list((const char *const[]){ "k", "k2" }, 2);
    gstr k = tg_gs("k"), miss = tg_gs("missing");

    /* room for one: get-many of two keys is an error, no incoming-value */
    tg_poison(R, 12);
    kvrt_batch_get_many(&g_ctx, b, keys, 2, R);
    cr_assert_eq(tg_rd8(R), 1, "get-many past --max-handles is an error");
    cr_expect_eq(g_ctx.handles.live, 4u, "only the error handle");
    uint32_t err = tg_rd32(R + 4);
    tg_expect_trace(err, "too many live handles");

    /* full: results that need a handle trap, since even the error cannot be
     * made (SPEC §7) */
    cr_expect(kvrt_handles_full(&g_ctx.handles));
    gstr n = tg_gs("b");
    tg_expect_trap(&(call){ F_NEW_OUTGOING, { 0 } }, "new-outgoing-value when full");
    tg_expect_trap(&(call){ F_OPEN_BUCKET, { n.ptr, n.len, R } }, "open-bucket when full");
    tg_expect_trap(&(call){ F_GET, { b, k.ptr, k.len, R } }, "get when full");
    tg_expect_trap(&(call){ F_GET, { b, miss.ptr, miss.len, R } }, "failing get when full");
    tg_expect_trap(&(call){ F_GET_MANY, { b, keys, 1, R } }, "get-many when full");
    tg_expect_trap(&(call){ F_DELETE, { b, miss.ptr, miss.len, R } }, "failing delete when full");
    tg_expect_trap(&(call){ F_SET, { BADH, k.ptr, k.len, ov, R } }, "bad bucket when full");
    cr_expect_eq(g_ctx.handles.live, 4u);
    /* write-body's error carries nothing: an error, not a trap */
    tg_poison(R, 8);
    tg_expect_no_trap(&(call){ F_WRITE_BODY, { ov, R } }, "write-body when full");
    cr_expect_eq(tg_rd8(R), 1, "write-body when full is an error");
    /* calls that make no handle still work */
    tg_expect_no_trap(&(call){ F_SET, { b, k.ptr, k.len, ov, R } }, "set when full");
    cr_expect_eq(tg_rd8(R), 0);
    tg_expect_no_trap(&(call){ F_INCREMENT, { b, miss.ptr, miss.len, 2, R } }, "increment");
    cr_expect_eq(tg_rd8(R), 0);
    tg_expect_no_trap(&(call){ F_EXISTS, { b, k.ptr, k.len, R } }, "exists when full");
    tg_expect_no_trap(&(call){ F_GET_KEYS, { b, R } }, "get-keys when full");
    tg_expect_no_trap(&(call){ F_GET_MANY, { b, keys, 0, R } }, "empty get-many when full");
    cr_expect_eq(tg_rd8(R), 0);
    tg_write_str(os, "more");
    tg_expect_feed("set b k v\nset b missing 2\n");

    /* one slot again: exactly one handle can be made */
    kvrt_wasi_cloud_error_drop_error(&g_ctx, err);
    tg_poison(R, 12);
    kvrt_batch_get_many(&g_ctx, b, keys, 1, R);
    cr_expect_eq(tg_rd8(R), 0, "get-many that fits exactly");
    uint32_t iv = tg_rd32(tg_rd32(R + 4));
    /* consume-async needs a handle for the stream: full again, so it traps */
    tg_expect_trap(&(call){ F_CONSUME_ASYNC, { iv, R } }, "consume-async when full");
    tg_expect_no_trap(&(call){ F_CONSUME_SYNC, { iv, R } }, "consume-sync when full");
    cr_expect_eq(tg_rd8(R), 0);
}
Test(imports, too_many_live_handles) { tg_guarded(t_too_many_handles); }

/* new-outgoing-value takes a spare body (a dropped value's, with its
 * memory) before it makes the handle: when the table is full and it traps,
 * the body goes back to the spares instead of leaking. */
static void t_full_table_keeps_spare_body(void)
{
    g_ctx.limits.max_handles = 2;
    kvrt_handles_fini(&g_ctx.handles);
    kvrt_handles_init(&g_ctx.handles, g_ctx.limits.max_handles);
    uint32_t ov = tg_new_ov("a body long enough to have memory of its own");
    kvrt_types_drop_outgoing_value(&g_ctx, ov);
    cr_assert_eq(g_ctx.handles.nspare, 1u, "the dropped body is kept");
    cr_assert_gt(g_ctx.handles.spare[0].cap, 0u);
    tg_open_bucket("b");
    tg_open_bucket("b");
    cr_assert(kvrt_handles_full(&g_ctx.handles));
    tg_expect_trap(&(call){ F_NEW_OUTGOING, { 0 } }, "new-outgoing-value when full");
    cr_expect_eq(g_ctx.handles.nspare, 1u, "the spare body is back after the trap");
    cr_expect_gt(g_ctx.handles.spare[0].cap, 0u, "with its memory");
}
Test(imports, full_table_keeps_spare_body) { tg_guarded(t_full_table_keeps_spare_body); }
