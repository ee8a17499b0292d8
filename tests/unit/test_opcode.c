/*
 * tests/unit/test_opcode.c - transpile/opcode.c: one instruction at a time,
 * from tables of (bytes, opcode, feature, length): every immediate shape,
 * the prefixed spaces, the features each proposal's opcodes need, unknown
 * opcodes, and truncated immediates (an error, the cursor unmoved).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "opcode.h"

typedef struct insn_case {
    const char *what;
    uint8_t bytes[24];
    size_t n;           /* bytes given */
    uint32_t op;
    kt_feature feature;
    size_t len;         /* bytes the instruction takes (the cursor's move) */
} insn_case;

#define P(pre, sub) KT_OP_PREFIXED(pre, sub)

static const insn_case cases[] = {
    {"nop", {0x01}, 1, 0x01, KT_F_NONE, 1},
    {"block empty", {0x02, 0x40}, 2, 0x02, KT_F_NONE, 2},
    {"block i32", {0x02, 0x7f}, 2, 0x02, KT_F_NONE, 2},
    {"block type index", {0x02, 0x05}, 2, 0x02, KT_F_NONE, 2},
    {"block type index, 2 bytes", {0x03, 0x80, 0x01}, 3, 0x03, KT_F_NONE, 3},
    {"block v128", {0x04, 0x7b}, 2, 0x04, KT_F_SIMD, 2},
    {"block (ref null func)", {0x02, 0x63, 0x70}, 3, 0x02, KT_F_FUNCREFS, 3},
    {"block (ref $t)", {0x02, 0x64, 0x02}, 3, 0x02, KT_F_FUNCREFS, 3},
    {"block exnref", {0x02, 0x69}, 2, 0x02, KT_F_EXNREF, 2},
    {"block anyref", {0x02, 0x6e}, 2, 0x02, KT_F_GC, 2},
    {"br_table", {0x0e, 0x02, 0x00, 0x01, 0x02}, 5, 0x0e, KT_F_NONE, 5},
    {"call", {0x10, 0xff, 0x01}, 3, 0x10, KT_F_NONE, 3},
    {"call_indirect", {0x11, 0x01, 0x00}, 3, 0x11, KT_F_NONE, 3},
    {"return_call", {0x12, 0x03}, 2, 0x12, KT_F_TAIL_CALL, 2},
    {"return_call_indirect", {0x13, 0x01, 0x00}, 3, 0x13, KT_F_TAIL_CALL, 3},
    {"call_ref", {0x14, 0x00}, 2, 0x14, KT_F_FUNCREFS, 2},
    {"try", {0x06, 0x40}, 2, 0x06, KT_F_EXCEPTIONS, 2},
    {"catch", {0x07, 0x00}, 2, 0x07, KT_F_EXCEPTIONS, 2},
    {"throw", {0x08, 0x01}, 2, 0x08, KT_F_EXCEPTIONS, 2},
    {"rethrow", {0x09, 0x00}, 2, 0x09, KT_F_EXCEPTIONS, 2},
    {"delegate", {0x18, 0x00}, 2, 0x18, KT_F_EXCEPTIONS, 2},
    {"catch_all", {0x19}, 1, 0x19, KT_F_EXCEPTIONS, 1},
    {"throw_ref", {0x0a}, 1, 0x0a, KT_F_EXNREF, 1},
    {"try_table", {0x1f, 0x40, 0x02, 0x00, 0x00, 0x01, 0x02, 0x00}, 8, 0x1f, KT_F_EXNREF, 8},
    {"select t", {0x1c, 0x01, 0x7f}, 3, 0x1c, KT_F_NONE, 3},
    {"select v128", {0x1c, 0x01, 0x7b}, 3, 0x1c, KT_F_SIMD, 3},
    {"local.get", {0x20, 0x00}, 2, 0x20, KT_F_NONE, 2},
    {"i32.load", {0x28, 0x02, 0x10}, 3, 0x28, KT_F_NONE, 3},
    {"i32.load big offset", {0x28, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10}, 7, 0x28, KT_F_NONE, 7},
    {"i32.load memory 1", {0x28, 0x42, 0x01, 0x00}, 4, 0x28, KT_F_MULTI_MEMORY, 4},
    {"memory.size", {0x3f, 0x00}, 2, 0x3f, KT_F_NONE, 2},
    {"memory.grow memory 2", {0x40, 0x02}, 2, 0x40, KT_F_MULTI_MEMORY, 2},
    {"i32.const", {0x41, 0x7f}, 2, 0x41, KT_F_NONE, 2},
    {"i64.const", {0x42, 0x80, 0x7f}, 3, 0x42, KT_F_NONE, 3},
    {"f32.const", {0x43, 0, 0, 0x80, 0x3f}, 5, 0x43, KT_F_NONE, 5},
    {"f64.const", {0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}, 9, 0x44, KT_F_NONE, 9},
    {"i32.add", {0x6a}, 1, 0x6a, KT_F_NONE, 1},
    {"i64.extend32_s", {0xc4}, 1, 0xc4, KT_F_NONE, 1},
    {"ref.null func", {0xd0, 0x70}, 2, 0xd0, KT_F_NONE, 2},
    {"ref.null exn", {0xd0, 0x69}, 2, 0xd0, KT_F_EXNREF, 2},
    {"ref.null $t", {0xd0, 0x03}, 2, 0xd0, KT_F_FUNCREFS, 2},
    {"ref.func", {0xd2, 0x00}, 2, 0xd2, KT_F_NONE, 2},
    {"ref.eq", {0xd5}, 1, 0xd5, KT_F_GC, 1},
    {"i32.trunc_sat_f32_s", {0xfc, 0x00}, 2, P(0xfc, 0), KT_F_NONE, 2},
    {"memory.init", {0xfc, 0x08, 0x01, 0x00}, 4, P(0xfc, 8), KT_F_NONE, 4},
    {"memory.copy", {0xfc, 0x0a, 0x00, 0x00}, 4, P(0xfc, 10), KT_F_NONE, 4},
    {"memory.copy 1 0", {0xfc, 0x0a, 0x01, 0x00}, 4, P(0xfc, 10), KT_F_MULTI_MEMORY, 4},
    {"memory.fill", {0xfc, 0x0b, 0x00}, 3, P(0xfc, 11), KT_F_NONE, 3},
    {"table.init", {0xfc, 0x0c, 0x00, 0x00}, 4, P(0xfc, 12), KT_F_NONE, 4},
    {"table.grow", {0xfc, 0x0f, 0x00}, 3, P(0xfc, 15), KT_F_NONE, 3},
    {"i64.add128", {0xfc, 0x13}, 2, P(0xfc, 19), KT_F_WIDE_ARITH, 2},
    {"v128.load", {0xfd, 0x00, 0x04, 0x00}, 4, P(0xfd, 0), KT_F_SIMD, 4},
    {"v128.const", {0xfd, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 18,
     P(0xfd, 12), KT_F_SIMD, 18},
    {"i8x16.shuffle", {0xfd, 0x0d, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 18,
     P(0xfd, 13), KT_F_SIMD, 18},
    {"i32x4.extract_lane", {0xfd, 0x1b, 0x03}, 3, P(0xfd, 0x1b), KT_F_SIMD, 3},
    {"v128.load8_lane", {0xfd, 0x54, 0x00, 0x00, 0x07}, 5, P(0xfd, 0x54), KT_F_SIMD, 5},
    {"i32x4.add (2-byte LEB)", {0xfd, 0xae, 0x01}, 3, P(0xfd, 0xae), KT_F_SIMD, 3},
    {"relaxed swizzle", {0xfd, 0x80, 0x02}, 3, P(0xfd, 0x100), KT_F_RELAXED_SIMD, 3},
    {"memory.atomic.notify", {0xfe, 0x00, 0x02, 0x00}, 4, P(0xfe, 0), KT_F_THREADS, 4},
    {"atomic.fence", {0xfe, 0x03, 0x00}, 3, P(0xfe, 3), KT_F_THREADS, 3},
    {"i32.atomic.rmw.add", {0xfe, 0x1e, 0x02, 0x00}, 4, P(0xfe, 0x1e), KT_F_THREADS, 4},
};

Test(opcode, decodes_every_shape)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const insn_case *k = &cases[i];
        kt_cursor c;
        kt_cur_init(&c, k->bytes, k->n);
        kt_insn in;
        kt_err e = kt_insn_read(&c, &in);
        cr_expect_eq(e, KT_OK, "%s: error %d", k->what, e);
        cr_expect_eq(in.op, k->op, "%s: op 0x%x, want 0x%x", k->what, in.op, k->op);
        cr_expect_eq(in.feature, k->feature, "%s: feature %s, want %s", k->what,
                     kt_feature_name(in.feature), kt_feature_name(k->feature));
        cr_expect_eq(c.pos, k->len, "%s: took %zu bytes, want %zu", k->what, c.pos, k->len);
        cr_expect_eq(in.at, 0, "%s", k->what);
    }
}

/* Every case cut short inside its immediates: an error, cursor unmoved. */
Test(opcode, truncated_immediates_fail)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const insn_case *k = &cases[i];
        for (size_t n = 0; n < k->len; n++) {
            kt_cursor c;
            kt_cur_init(&c, k->bytes, n);
            kt_insn in;
            kt_err e = kt_insn_read(&c, &in);
            cr_expect_neq(e, KT_OK, "%s cut at %zu decoded", k->what, n);
            cr_expect_eq(c.pos, 0, "%s cut at %zu moved the cursor", k->what, n);
        }
    }
}

/* Opcodes nothing defines, and GC's prefix: the feature says so and the
 * rest of the body is given up (the cursor goes to the end). */
Test(opcode, unknown_and_opaque_stop_the_body)
{
    static const struct { uint8_t b[4]; size_t n; kt_feature f; } stops[] = {
        {{0x27, 0x00, 0x00}, 3, KT_F_UNKNOWN},
        {{0xff, 0x00}, 2, KT_F_UNKNOWN},
        {{0xfc, 0x40, 0x00}, 3, KT_F_UNKNOWN},
        {{0xfb, 0x00, 0x01}, 3, KT_F_GC},
        {{0xe0, 0x00}, 2, KT_F_STACK_SWITCHING},
        {{0xfe, 0x7f, 0x00}, 3, KT_F_THREADS},
    };
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        kt_cursor c;
        kt_cur_init(&c, stops[i].b, stops[i].n);
        kt_insn in;
        cr_expect_eq(kt_insn_read(&c, &in), KT_OK, "case %zu", i);
        cr_expect_eq(in.feature, stops[i].f, "case %zu: %s", i, kt_feature_name(in.feature));
        cr_expect(kt_cur_done(&c), "case %zu: the cursor did not reach the end", i);
    }
}

Test(opcode, valtypes)
{
    static const struct { uint8_t b[3]; size_t n; kt_feature f; size_t len; } types[] = {
        {{0x7f}, 1, KT_F_NONE, 1}, {{0x7e}, 1, KT_F_NONE, 1}, {{0x7d}, 1, KT_F_NONE, 1},
        {{0x7c}, 1, KT_F_NONE, 1}, {{0x70}, 1, KT_F_NONE, 1}, {{0x6f}, 1, KT_F_NONE, 1},
        {{0x7b}, 1, KT_F_SIMD, 1}, {{0x69}, 1, KT_F_EXNREF, 1}, {{0x6d}, 1, KT_F_GC, 1},
        {{0x63, 0x70}, 2, KT_F_FUNCREFS, 2}, {{0x64, 0x6f}, 2, KT_F_FUNCREFS, 2},
        {{0x63, 0x6b}, 2, KT_F_GC, 2}, {{0x40}, 1, KT_F_UNKNOWN, 1},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        kt_cursor c;
        kt_cur_init(&c, types[i].b, types[i].n);
        kt_feature f = KT_F__COUNT;
        cr_expect_eq(kt_valtype_read(&c, &f), KT_OK, "type %zu", i);
        cr_expect_eq(f, types[i].f, "type %zu: %s", i, kt_feature_name(f));
        cr_expect_eq(c.pos, types[i].len, "type %zu", i);
    }
    kt_cursor c;
    kt_cur_init(&c, (const uint8_t[]){0x63}, 1);
    kt_feature f;
    cr_expect_neq(kt_valtype_read(&c, &f), KT_OK, "(ref null without a heap type)");
    cr_expect_eq(c.pos, 0);
}

Test(opcode, names_and_fixes)
{
    for (int f = 1; f < KT_F__COUNT; f++) {
        cr_expect_neq(strcmp(kt_feature_name((kt_feature)f), "?"), 0, "feature %d", f);
        if (!kt_feature_supported((kt_feature)f))
            cr_expect_gt(strlen(kt_feature_fix((kt_feature)f)), 10,
                         "%s has no fix", kt_feature_name((kt_feature)f));
    }
    cr_expect(kt_feature_supported(KT_F_EXCEPTIONS));
    cr_expect(kt_feature_supported(KT_F_TAIL_CALL));
    cr_expect(kt_feature_supported(KT_F_MULTI_MEMORY));
    cr_expect_not(kt_feature_supported(KT_F_SIMD));
    cr_expect_neq(strstr(kt_feature_fix(KT_F_SIMD), "-mno-simd128"), NULL);
}
