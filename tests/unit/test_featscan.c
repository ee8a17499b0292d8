/*
 * tests/unit/test_featscan.c - the core-feature scan (transpile/featscan.c)
 * and the guest check that adds its refused features to the problems
 * (transpile/check.c), on modules assembled from WAT at test time: each
 * feature is found where it is (function, constant expression, memory,
 * table, tag), named with its function and offset, and only the refused
 * ones are problems. Also the "name" section's function names (names.c)
 * and the start section (reader.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "featscan.h"
#include "test_support_wat.h"

#define HANDLERS \
    "  (memory (export \"memory\") 1)\n" \
    "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n" \
    "  (func (export \"wasi:keyvalue/handle-watch#on-set\") (param i32 i32 i32 i32))\n" \
    "  (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i32 i32))\n"

/* Scan the module of WAT text (assembled with flags) into *f. */
static void scan(const char *wat, const char *flags, kt_module *m, kt_features *f)
{
    size_t len = 0;
    uint8_t *bytes = tw_assemble(wat, flags, &len);
    kt_diag d = { 0 };
    cr_assert_eq(kt_read_module(bytes, len, m, &d), KT_OK, "%s", d.detail);
    kt_err e = kt_scan_features(m, bytes, len, f, &d);
    free(bytes);
    cr_assert_eq(e, KT_OK, "scan: %s at %zu: %s", kt_strerror(e), d.offset, d.detail);
}

static int used_count(const kt_features *f)
{
    int n = 0;
    for (int i = 1; i < KT_F__COUNT; i++)
        n += f->use[i].used;
    return n;
}

Test(featscan, plain_module_uses_nothing)
{
    kt_module m;
    kt_features f;
    scan("(module " HANDLERS
         "  (func (param i32) (result i32) (block (result i32) (local.get 0)))"
         "  (func (i32.store8 (i32.const 0) (i32.extend8_s (i32.const 1))))"
         "  (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 4))))", "", &m, &f);
    cr_expect_eq(used_count(&f), 0);
    cr_expect_not(kt_features_refused(&f));
    kt_module_fini(&m);
}

Test(featscan, simd_in_a_named_function)
{
    kt_module m;
    kt_features f;
    scan("(module " HANDLERS
         "  (func $plain (drop (i32.const 1)))"
         "  (func $vec (drop (i32x4.extract_lane 1 (v128.const i32x4 1 2 3 4)))))",
         "--debug-names", &m, &f);
    cr_expect(f.use[KT_F_SIMD].used);
    cr_expect_eq(f.use[KT_F_SIMD].func, 4);      /* 3 handlers, plain, vec */
    cr_expect_str_eq(kt_module_func_name(&m, 4), "vec");
    cr_expect(kt_features_refused(&f));
    kt_sb line;
    kt_sb_init(&line);
    kt_feature_problem(&m, &f, KT_F_SIMD, 100, &line);
    char want[160];
    snprintf(want, sizeof want, "uses SIMD (v128) in function \"vec\" (#4) at byte %zu, which "
             "wasm2c 1.0.32 cannot translate; build without SIMD", 100 + f.use[KT_F_SIMD].offset);
    cr_expect_eq(strncmp(kt_sb_str(&line), want, strlen(want)), 0, "%s", kt_sb_str(&line));
    kt_sb_fini(&line);
    kt_module_fini(&m);
}

Test(featscan, simd_in_a_local_and_a_signature)
{
    kt_module m;
    kt_features f;
    scan("(module " HANDLERS "  (func (local v128)))", "", &m, &f);
    cr_expect(f.use[KT_F_SIMD].used);
    cr_expect_eq(f.use[KT_F_SIMD].func, 3);
    kt_module_fini(&m);
    scan("(module " HANDLERS "  (func (param v128)))", "", &m, &f);
    cr_expect(f.use[KT_F_SIMD].used);
    kt_module_fini(&m);
}

Test(featscan, the_offset_points_at_the_instruction)
{
    kt_module m;
    kt_features f;
    size_t len = 0;
    uint8_t *bytes = tw_assemble("(module " HANDLERS
                                 "  (func (drop (i32.atomic.load (i32.const 0)))))",
                                 "--enable-threads", &len);
    kt_diag d = { 0 };
    cr_assert_eq(kt_read_module(bytes, len, &m, &d), KT_OK);
    cr_assert_eq(kt_scan_features(&m, bytes, len, &f, &d), KT_OK);
    cr_expect(f.use[KT_F_THREADS].used);
    cr_expect_eq(bytes[f.use[KT_F_THREADS].offset], 0xfe, "the byte at the offset is the prefix");
    free(bytes);
    kt_module_fini(&m);
}

Test(featscan, memories_tables_tags)
{
    kt_module m;
    kt_features f;
    scan("(module (memory (export \"memory\") 1 1 shared) (memory $b 1)"
         "  (func (export \"wasi:keyvalue/handle-watch#on-set\") (param i32 i32 i32 i32))"
         "  (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i32 i32))"
         "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0))",
         "--enable-threads --enable-multi-memory", &m, &f);
    cr_expect(f.use[KT_F_THREADS].used);
    cr_expect_eq(f.use[KT_F_THREADS].func, KT_NO_FUNC);
    cr_expect_str_eq(f.use[KT_F_THREADS].where, "a shared memory");
    cr_expect(f.use[KT_F_MULTI_MEMORY].used);
    kt_module_fini(&m);

    /* a table with a 64-bit index (wat2wasm 1.0.32 has no syntax for it) */
    static const uint8_t table64[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x04, 0x04, 0x01, 0x70, 0x04, 0x01,
    };
    kt_diag d = { 0 };
    cr_assert_eq(kt_read_module(table64, sizeof table64, &m, &d), KT_OK, "%s", d.detail);
    cr_assert_eq(kt_scan_features(&m, table64, sizeof table64, &f, &d), KT_OK);
    cr_expect(f.use[KT_F_MEMORY64].used);
    cr_expect_str_eq(f.use[KT_F_MEMORY64].where, "a 64-bit table");
    kt_module_fini(&m);

    scan("(module " HANDLERS " (tag $t (param i32)))", "--enable-exceptions", &m, &f);
    cr_expect(f.use[KT_F_EXCEPTIONS].used);
    cr_expect_not(kt_features_refused(&f));
    kt_module_fini(&m);
}

Test(featscan, constant_expressions)
{
    kt_module m;
    kt_features f;
    scan("(module " HANDLERS
         "  (global i32 (i32.add (i32.const 1) (i32.const 2))))",
         "--enable-extended-const", &m, &f);
    cr_expect(f.use[KT_F_EXTENDED_CONST].used);
    cr_expect_str_eq(f.use[KT_F_EXTENDED_CONST].where, "a global initializer");
    kt_module_fini(&m);

    scan("(module " HANDLERS
         "  (data (offset (i32.mul (i32.const 2) (i32.const 8))) \"x\"))",
         "--enable-extended-const", &m, &f);
    cr_expect(f.use[KT_F_EXTENDED_CONST].used);
    cr_expect_str_eq(f.use[KT_F_EXTENDED_CONST].where, "a data segment offset");
    kt_module_fini(&m);

    /* element segments in every form parse (plain offsets: no feature) */
    scan("(module " HANDLERS
         "  (table 4 funcref) (func $f)"
         "  (elem (i32.const 0) $f)"
         "  (elem func $f)"
         "  (elem (table 0) (i32.const 1) func $f)"
         "  (elem declare func $f)"
         "  (elem (i32.const 2) funcref (ref.func $f))"
         "  (elem funcref (ref.null func))"
         "  (global funcref (ref.func $f)))", "", &m, &f);
    cr_expect_eq(used_count(&f), 0);
    kt_module_fini(&m);
}

Test(featscan, tail_calls_are_counted_and_supported)
{
    kt_module m;
    kt_features f;
    scan("(module " HANDLERS
         "  (type $t (func (result i32)))"
         "  (table 1 funcref)"
         "  (func $a (result i32) (return_call $a))"
         "  (func (result i32) (return_call_indirect (type $t) (i32.const 0))))",
         "--enable-tail-call", &m, &f);
    cr_expect(f.use[KT_F_TAIL_CALL].used);
    cr_expect_eq(f.ntail_calls, 2);
    cr_expect_not(kt_features_refused(&f));
    kt_module_fini(&m);
}

/* kt_check_guest: refused features become problems, with the module's
 * place in the input added to the offsets; supported ones do not. */
Test(featscan, check_guest_adds_refused_features)
{
    size_t len = 0;
    uint8_t *bytes = tw_assemble("(module " HANDLERS
                                 "  (func (drop (v128.const i32x4 0 0 0 0))))", "", &len);
    kt_guest_check g;
    kt_validate_opts opts;
    memset(&opts, 0, sizeof opts);
    kt_diag d = { 0 };
    cr_assert_eq(kt_check_guest(bytes, len, 1000, &opts, &g, &d), KT_OK);
    cr_assert_eq(g.b.nproblems, 1);
    char want[80];
    snprintf(want, sizeof want, "at byte %zu,", 1000 + g.features.use[KT_F_SIMD].offset);
    cr_expect_neq(strstr(g.b.problems[0].text, want), NULL, "%s", g.b.problems[0].text);
    kt_guest_check_fini(&g);
    free(bytes);

    bytes = tw_assemble("(module " HANDLERS " (tag (param i32)))", "--enable-exceptions", &len);
    cr_assert_eq(kt_check_guest(bytes, len, 0, &opts, &g, &d), KT_OK);
    cr_expect_eq(g.b.nproblems, 0);
    kt_guest_check_fini(&g);
    free(bytes);
}

/* A malformed body is an error with its offset, not a crash. */
Test(featscan, malformed_body)
{
    static const uint8_t module[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             /* type () -> () */
        0x03, 0x02, 0x01, 0x00,                         /* one function */
        0x0a, 0x05, 0x01, 0x03, 0x00, 0x41, 0x80,       /* body: i32.const, cut LEB */
    };
    kt_module m;
    kt_features f;
    kt_diag d = { 0 };
    cr_assert_eq(kt_read_module(module, sizeof module, &m, &d), KT_OK);
    cr_expect_neq(kt_scan_features(&m, module, sizeof module, &f, &d), KT_OK);
    cr_expect_gt(d.offset, 20);
    kt_module_fini(&m);
}

Test(featscan, names_and_start)
{
    kt_module m;
    tw_load("(module " HANDLERS " (func $first) (func $second) (start $second))",
            "--debug-names", &m);
    cr_expect(m.has_names);
    cr_expect_str_eq(kt_module_func_name(&m, 3), "first");
    cr_expect_str_eq(kt_module_func_name(&m, 4), "second");
    cr_expect_null(kt_module_func_name(&m, 5));
    cr_expect(m.has_start);
    cr_expect_eq(m.start_func, 4);
    cr_expect_not(m.has_dwarf);
    kt_module_fini(&m);
}

/* A broken name section is ignored: the module still reads. */
Test(featscan, bad_name_section_ignored)
{
    static const uint8_t module[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
        0x03, 0x02, 0x01, 0x00,
        0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
        /* custom "name": subsection 1, size 9, 1 entry: index 0, a name
         * whose length runs past the subsection */
        0x00, 0x0e, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x07, 0x01, 0x00, 0x20, 'a', 'b', 'c', 'd',
        /* custom ".debug_line" */
        0x00, 0x0c, 0x0b, '.', 'd', 'e', 'b', 'u', 'g', '_', 'l', 'i', 'n', 'e',
    };
    kt_module m;
    kt_diag d = { 0 };
    cr_assert_eq(kt_read_module(module, sizeof module, &m, &d), KT_OK, "%s", d.detail);
    cr_expect(m.has_names);
    cr_expect_null(kt_module_func_name(&m, 0));
    cr_expect(m.has_dwarf);
    kt_module_fini(&m);
}
