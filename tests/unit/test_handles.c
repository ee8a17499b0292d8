/*
 * tests/unit/test_handles.c - the handle table (runtime/handles.c): handles
 * are never 0, lookups are kind-checked, dropped and never-issued handles are
 * invalid, a reused slot never makes an old handle number valid again (SPEC
 * §3), the live limit holds, and dropping or finishing the table releases
 * every resource (LeakSanitizer, on with -fsanitize=address, checks that).
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"

#if defined(__SANITIZE_ADDRESS__)
#define HANDLES_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HANDLES_HAVE_LSAN 1
#endif
#endif
#ifdef HANDLES_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* Under AddressSanitizer, fail when memory became unreachable. */
static void expect_no_leaks(void)
{
#ifdef HANDLES_HAVE_LSAN
    cr_expect_eq(__lsan_do_recoverable_leak_check(), 0, "LeakSanitizer found leaks");
#endif
}

static const kvrt_hkind all_kinds[] = {
    KVRT_H_BUCKET, KVRT_H_INCOMING, KVRT_H_OUTGOING,
    KVRT_H_INSTREAM, KVRT_H_OUTSTREAM, KVRT_H_ERROR,
};
#define NKINDS (sizeof all_kinds / sizeof all_kinds[0])

/* A handle of `kind` with a harmless resource (no allocation). */
static uint32_t new_plain(kvrt_handles *t, kvrt_hkind kind, uint32_t tag)
{
    kvrt_res res;
    memset(&res, 0, sizeof res);
    switch (kind) {
    case KVRT_H_OUTGOING:
        kvrt_buf_init(&res.u.body);
        break;
    case KVRT_H_OUTSTREAM:
        res.u.outs.ov = tag;
        break;
    case KVRT_H_BUCKET:
        res.u.bucket = (kvrt_bucket *)(uintptr_t)(tag | 1u);
        break;
    default:
        break;      /* val NULL / msg NULL: release tolerates them */
    }
    return kvrt_handle_new(t, kind, &res);
}

static bool valid_as_any(kvrt_handles *t, uint32_t h)
{
    for (size_t k = 0; k < NKINDS; k++)
        if (kvrt_handle_get(t, h, all_kinds[k]) != NULL)
            return true;
    return false;
}

Test(handles, never_zero_and_distinct)
{
    kvrt_handles t;
    kvrt_handles_init(&t, 100000);
    static uint32_t hs[5000];
    for (uint32_t i = 0; i < 5000; i++) {
        hs[i] = new_plain(&t, KVRT_H_OUTSTREAM, i);
        cr_assert_neq(hs[i], 0u);
        for (uint32_t j = 0; j < i; j += 97)
            cr_assert_neq(hs[i], hs[j]);
    }
    cr_assert_eq(t.live, 5000u);
    /* drop and re-create many times: still never 0 */
    for (uint32_t round = 0; round < 20; round++) {
        for (uint32_t i = 0; i < 5000; i++)
            cr_assert(kvrt_handle_drop(&t, hs[i], KVRT_H_OUTSTREAM));
        for (uint32_t i = 0; i < 5000; i++) {
            hs[i] = new_plain(&t, KVRT_H_OUTSTREAM, i);
            cr_assert_neq(hs[i], 0u);
        }
    }
    cr_assert_null(kvrt_handle_get(&t, 0, KVRT_H_OUTSTREAM));
    cr_assert_not(kvrt_handle_drop(&t, 0, KVRT_H_OUTSTREAM));
    kvrt_handles_fini(&t);
}

Test(handles, kind_is_checked)
{
    kvrt_handles t;
    kvrt_handles_init(&t, 16);
    uint32_t h[NKINDS];
    for (size_t k = 0; k < NKINDS; k++)
        h[k] = new_plain(&t, all_kinds[k], (uint32_t)k);
    for (size_t k = 0; k < NKINDS; k++) {
        for (size_t j = 0; j < NKINDS; j++) {
            kvrt_res *r = kvrt_handle_get(&t, h[k], all_kinds[j]);
            if (j == k)
                cr_assert_not_null(r, "own kind %zu", k);
            else
                cr_assert_null(r, "handle of kind %zu looked up as %zu", k, j);
        }
        /* a drop of the wrong kind fails and leaves the handle alone */
        size_t other = (k + 1) % NKINDS;
        cr_assert_not(kvrt_handle_drop(&t, h[k], all_kinds[other]));
        cr_assert_not_null(kvrt_handle_get(&t, h[k], all_kinds[k]));
    }
    cr_assert_eq(t.live, (uint32_t)NKINDS);
    /* the resource is stored and borrowed, not copied */
    kvrt_res *r = kvrt_handle_get(&t, h[4], KVRT_H_OUTSTREAM);
    cr_assert_eq(r->u.outs.ov, 4u);
    r->u.outs.ov = 77;
    cr_assert_eq(kvrt_handle_get(&t, h[4], KVRT_H_OUTSTREAM)->u.outs.ov, 77u);
    kvrt_handles_fini(&t);
}

Test(handles, dropped_is_invalid)
{
    kvrt_handles t;
    kvrt_handles_init(&t, 16);
    uint32_t a = new_plain(&t, KVRT_H_ERROR, 0);
    uint32_t b = new_plain(&t, KVRT_H_ERROR, 0);
    cr_assert(kvrt_handle_drop(&t, a, KVRT_H_ERROR));
    cr_assert_eq(t.live, 1u);
    cr_assert_null(kvrt_handle_get(&t, a, KVRT_H_ERROR));
    cr_assert_not(valid_as_any(&t, a));
    cr_assert_not(kvrt_handle_drop(&t, a, KVRT_H_ERROR), "double drop");
    cr_assert_eq(t.live, 1u);
    cr_assert_not_null(kvrt_handle_get(&t, b, KVRT_H_ERROR));
    kvrt_handles_fini(&t);
}

Test(handles, never_issued_is_invalid)
{
    kvrt_handles t;
    kvrt_handles_init(&t, 16);
    /* empty table */
    const uint32_t probes[] = { 0, 1, 2, 255, 256, 1u << 20, (1u << 20) | 1, 0xffffffffu,
                                KVRT_HANDLE_MAX_SLOTS };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        cr_assert_not(valid_as_any(&t, probes[i]), "empty table, %u", probes[i]);
        for (size_t k = 0; k < NKINDS; k++)
            cr_assert_not(kvrt_handle_drop(&t, probes[i], all_kinds[k]));
    }
    uint32_t h = new_plain(&t, KVRT_H_INCOMING, 0);
    cr_assert(valid_as_any(&t, h));
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        if (probes[i] != h)
            cr_assert_not(valid_as_any(&t, probes[i]), "one handle %u, probe %u", h, probes[i]);
    /* same slot, other generations; neighbouring slots */
    for (uint32_t g = 1; g < 4096; g += 511)
        cr_assert_not(valid_as_any(&t, h ^ (g << KVRT_HANDLE_SLOT_BITS)));
    cr_assert_not(valid_as_any(&t, h + 1));
    cr_assert_not(valid_as_any(&t, h + 1000));
    cr_assert_eq(t.live, 1u);
    kvrt_handles_fini(&t);
}

/* Tiny deterministic generator (xorshift32). */
static uint32_t next_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

Test(handles, reuse_never_aliases_in_rounds)
{
    enum { N = 3000, ROUNDS = 8 };
    kvrt_handles t;
    kvrt_handles_init(&t, 1u << 20);
    static uint32_t stale[N * ROUNDS];
    size_t nstale = 0;
    static uint32_t live[N];
    bool reused = false;
    for (int r = 0; r < ROUNDS; r++) {
        for (uint32_t i = 0; i < N; i++) {
            live[i] = new_plain(&t, KVRT_H_OUTSTREAM, i);
            cr_assert_neq(live[i], 0u);
            for (size_t s = 0; s < nstale && !reused; s++)
                if ((stale[s] & KVRT_HANDLE_MAX_SLOTS) == (live[i] & KVRT_HANDLE_MAX_SLOTS))
                    reused = true;
        }
        for (size_t s = 0; s < nstale; s++)
            cr_assert_not(valid_as_any(&t, stale[s]), "round %d: stale %u valid", r, stale[s]);
        for (uint32_t i = 0; i < N; i++) {
            kvrt_res *res = kvrt_handle_get(&t, live[i], KVRT_H_OUTSTREAM);
            cr_assert_not_null(res, "round %d: live %u invalid", r, live[i]);
            cr_assert_eq(res->u.outs.ov, i);
        }
        for (uint32_t i = 0; i < N; i++) {
            cr_assert(kvrt_handle_drop(&t, live[i], KVRT_H_OUTSTREAM));
            stale[nstale++] = live[i];
        }
    }
    cr_assert(reused, "the test never made the table reuse a slot");
    cr_assert(t.nslots < (uint32_t)(N * ROUNDS), "slots were not reused (%u)", t.nslots);
    kvrt_handles_fini(&t);
}

Test(handles, reuse_never_aliases_random)
{
    enum { OPS = 200000, MAXLIVE = 2500 };
    kvrt_handles t;
    kvrt_handles_init(&t, 1u << 20);
    static uint32_t live[MAXLIVE];
    static uint8_t live_kind[MAXLIVE];
    static uint32_t dead[OPS];
    size_t nlive = 0, ndead = 0;
    uint32_t seed = 0x12345678;
    for (uint32_t op = 0; op < OPS; op++) {
        uint32_t x = next_rand(&seed);
        bool create = nlive == 0 || (nlive < MAXLIVE && (x & 1));
        if (create) {
            kvrt_hkind kind = all_kinds[(x >> 1) % NKINDS];
            uint32_t h = new_plain(&t, kind, op);
            cr_assert_neq(h, 0u);
            live[nlive] = h;
            live_kind[nlive] = (uint8_t)kind;
            nlive++;
        } else {
            size_t i = (x >> 1) % nlive;
            cr_assert(kvrt_handle_drop(&t, live[i], (kvrt_hkind)live_kind[i]));
            dead[ndead++] = live[i];
            live[i] = live[--nlive];
            live_kind[i] = live_kind[nlive];
        }
        if (op % 20000 == 19999) {
            for (size_t i = 0; i < ndead; i++)
                cr_assert_not(valid_as_any(&t, dead[i]), "op %u: dead %u valid", op, dead[i]);
            for (size_t i = 0; i < nlive; i++)
                cr_assert_not_null(kvrt_handle_get(&t, live[i], (kvrt_hkind)live_kind[i]),
                                   "op %u: live %u invalid", op, live[i]);
        }
    }
    cr_assert_eq(t.live, (uint32_t)nlive);
    cr_assert(t.nslots < 10000, "slots are reused (%u slots)", t.nslots);
    kvrt_handles_fini(&t);
}

Test(handles, max_live_is_respected)
{
    kvrt_handles t;
    kvrt_handles_init(&t, 5);
    uint32_t h[5];
    for (int i = 0; i < 5; i++) {
        cr_assert_not(kvrt_handles_full(&t));
        h[i] = new_plain(&t, KVRT_H_ERROR, 0);
        cr_assert_neq(h[i], 0u);
    }
    cr_assert(kvrt_handles_full(&t));
    for (size_t k = 0; k < NKINDS; k++)
        cr_assert_eq(new_plain(&t, all_kinds[k], 0), 0u, "kind %zu past the limit", k);
    cr_assert_eq(t.live, 5u);
    /* the refused resource still belongs to the caller */
    kvrt_val *v = kvrt_val_new((const uint8_t *)"x", 1);
    kvrt_res res;
    res.u.in.val = v;
    res.u.in.consumed = false;
    cr_assert_eq(kvrt_handle_new(&t, KVRT_H_INCOMING, &res), 0u);
    cr_assert_eq(v->refs, 1u);
    /* dropping one makes room for exactly one */
    cr_assert(kvrt_handle_drop(&t, h[2], KVRT_H_ERROR));
    cr_assert_not(kvrt_handles_full(&t));
    uint32_t n = kvrt_handle_new(&t, KVRT_H_INCOMING, &res);
    cr_assert_neq(n, 0u);
    cr_assert(kvrt_handles_full(&t));
    cr_assert_eq(new_plain(&t, KVRT_H_ERROR, 0), 0u);
    kvrt_handles_fini(&t);      /* releases v */
    cr_assert_eq(t.live, 0u);
    cr_assert_eq(t.max_live, 5u, "fini leaves the table ready for reuse");
    cr_assert_neq(new_plain(&t, KVRT_H_ERROR, 0), 0u);
    kvrt_handles_fini(&t);
    expect_no_leaks();
}

Test(handles, zero_limit_issues_nothing)
{
    kvrt_handles t;
    kvrt_handles_init(&t, 0);
    cr_assert(kvrt_handles_full(&t));
    cr_assert_eq(new_plain(&t, KVRT_H_BUCKET, 0), 0u);
    kvrt_handles_fini(&t);
}

Test(handles, slot_space_exhausted)
{
    kvrt_handles t;
    kvrt_handles_init(&t, UINT32_MAX);
    uint32_t first = 0, last = 0;
    for (uint32_t i = 0; i < KVRT_HANDLE_MAX_SLOTS; i++) {
        last = new_plain(&t, KVRT_H_OUTSTREAM, i);
        cr_assert_neq(last, 0u, "handle %u", i);
        if (i == 0)
            first = last;
    }
    cr_assert_eq(new_plain(&t, KVRT_H_OUTSTREAM, 0), 0u, "no slot left");
    /* with the table full, one freed slot is reused at once; the old number
     * stays invalid */
    cr_assert(kvrt_handle_drop(&t, first, KVRT_H_OUTSTREAM));
    uint32_t again = new_plain(&t, KVRT_H_OUTSTREAM, 5);
    cr_assert_neq(again, 0u);
    cr_assert_neq(again, first);
    cr_assert_eq(again & KVRT_HANDLE_MAX_SLOTS, first & KVRT_HANDLE_MAX_SLOTS);
    cr_assert_null(kvrt_handle_get(&t, first, KVRT_H_OUTSTREAM));
    cr_assert_not_null(kvrt_handle_get(&t, again, KVRT_H_OUTSTREAM));
    cr_assert_not_null(kvrt_handle_get(&t, last, KVRT_H_OUTSTREAM));
    kvrt_handles_fini(&t);
}

/* Every resource-owning kind, with real allocations for LeakSanitizer. */
static void fill_owning(kvrt_handles *t, kvrt_val *shared, uint32_t *out_handles)
{
    kvrt_res res;
    res.u.in.val = kvrt_val_ref(shared);
    res.u.in.consumed = false;
    out_handles[0] = kvrt_handle_new(t, KVRT_H_INCOMING, &res);
    res.u.ins.val = kvrt_val_ref(shared);
    res.u.ins.pos = 0;
    out_handles[1] = kvrt_handle_new(t, KVRT_H_INSTREAM, &res);
    kvrt_buf_init(&res.u.body);
    cr_assert_eq(kvrt_buf_puts(&res.u.body, "a body that owns heap memory"), 0);
    out_handles[2] = kvrt_handle_new(t, KVRT_H_OUTGOING, &res);
    res.u.err.msg = strdup("an error message");
    res.u.err.what = NULL;
    cr_assert_not_null(res.u.err.msg);
    out_handles[3] = kvrt_handle_new(t, KVRT_H_ERROR, &res);
    for (int i = 0; i < 4; i++)
        cr_assert_neq(out_handles[i], 0u);
}

Test(handles, drop_releases_resources)
{
    kvrt_handles t;
    kvrt_handles_init(&t, 64);
    kvrt_val *v = kvrt_val_new((const uint8_t *)"shared", 6);
    uint32_t h[4];
    fill_owning(&t, v, h);
    cr_assert_eq(v->refs, 3u);
    cr_assert(kvrt_handle_drop(&t, h[0], KVRT_H_INCOMING));
    cr_assert_eq(v->refs, 2u);
    cr_assert(kvrt_handle_drop(&t, h[1], KVRT_H_INSTREAM));
    cr_assert_eq(v->refs, 1u);
    cr_assert(kvrt_handle_drop(&t, h[2], KVRT_H_OUTGOING));
    cr_assert(kvrt_handle_drop(&t, h[3], KVRT_H_ERROR));
    cr_assert_eq(t.live, 0u);
    kvrt_val_unref(v);
    kvrt_handles_fini(&t);
    expect_no_leaks();
}

Test(handles, fini_releases_resources)
{
    kvrt_handles t;
    kvrt_handles_init(&t, 4096);
    kvrt_val *v = kvrt_val_new((const uint8_t *)"shared", 6);
    uint32_t h[4];
    for (int i = 0; i < 500; i++) {
        fill_owning(&t, v, h);
        if (i % 2)      /* some dropped, some left to fini */
            for (int j = 0; j < 4; j++)
                cr_assert(kvrt_handle_drop(&t, h[j], (kvrt_hkind[]){ KVRT_H_INCOMING,
                    KVRT_H_INSTREAM, KVRT_H_OUTGOING, KVRT_H_ERROR }[j]));
    }
    cr_assert_eq(t.live, 1000u);
    cr_assert_eq(v->refs, 501u);
    kvrt_handles_fini(&t);
    cr_assert_eq(v->refs, 1u, "fini dropped every value reference");
    cr_assert_eq(t.live, 0u);
    cr_assert_null(t.slots);
    cr_assert_not(valid_as_any(&t, h[0]));
    kvrt_val_unref(v);
    /* fini of an empty (or already finished) table is harmless */
    kvrt_handles_fini(&t);
    expect_no_leaks();
}

/* A reset (a trapped instance's table, made ready for the next instance)
 * releases every live handle, issues the same numbers a new table would,
 * and keeps its slot array; past KVRT_HANDLES_KEEP_SLOTS it is freed. */
Test(handles, reset_is_a_new_table_that_keeps_its_memory)
{
    kvrt_handles t, fresh;
    kvrt_handles_init(&t, 100000);
    kvrt_handles_init(&fresh, 100000);
    kvrt_val *v = kvrt_val_new((const uint8_t *)"shared", 6);
    uint32_t h[4];
    for (int i = 0; i < 100; i++)
        fill_owning(&t, v, h);
    cr_assert_eq(v->refs, 201u);
    kvrt_slot *slots = t.slots;
    kvrt_handles_reset(&t);
    cr_assert_eq(v->refs, 1u, "reset dropped every value reference");
    cr_assert_eq(t.live, 0u);
    cr_assert_eq(t.slots, slots, "the slot array is kept");
    cr_assert_not(valid_as_any(&t, h[0]));
    for (int i = 0; i < 2000; i++) {
        uint32_t a = new_plain(&t, all_kinds[i % NKINDS], (uint32_t)i);
        uint32_t b = new_plain(&fresh, all_kinds[i % NKINDS], (uint32_t)i);
        cr_assert_eq(a, b, "handle %d: %u after a reset, %u in a new table", i, a, b);
        if (i % 3 == 0) {
            cr_assert(kvrt_handle_drop(&t, a, all_kinds[i % NKINDS]));
            cr_assert(kvrt_handle_drop(&fresh, b, all_kinds[i % NKINDS]));
        }
    }
    for (int i = 0; i < 5000; i++)
        new_plain(&t, KVRT_H_BUCKET, (uint32_t)i);
    cr_assert_gt(t.cap, KVRT_HANDLES_KEEP_SLOTS);
    kvrt_handles_reset(&t);
    cr_assert_null(t.slots, "a table past KVRT_HANDLES_KEEP_SLOTS is freed");
    cr_assert_eq(t.max_live, 100000u);
    cr_assert_neq(new_plain(&t, KVRT_H_BUCKET, 1), 0u);
    kvrt_val_unref(v);
    kvrt_handles_fini(&t);
    kvrt_handles_fini(&fresh);
    expect_no_leaks();
}
