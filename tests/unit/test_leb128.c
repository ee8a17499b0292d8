/*
 * tests/unit/test_leb128.c - table-driven tests of transpile/leb128.c:
 * values at the edges of each width, non-minimal encodings (accepted),
 * too many bytes, bits past the width, truncation. The cursor must not move
 * on failure.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "leb128.h"

enum width { U32, U64, S32, S33, S64 };

typedef struct leb_case {
    const char *what;
    enum width width;
    uint8_t bytes[12];
    size_t len;
    kt_err err;
    uint64_t uval;     /* expected for U32/U64 */
    int64_t sval;      /* expected for S32/S33/S64 */
    size_t used;       /* bytes consumed on success */
} leb_case;

static const leb_case cases[] = {
    /* u32 */
    { "u32 zero", U32, { 0x00 }, 1, KT_OK, 0, 0, 1 },
    { "u32 127", U32, { 0x7f }, 1, KT_OK, 127, 0, 1 },
    { "u32 128", U32, { 0x80, 0x01 }, 2, KT_OK, 128, 0, 2 },
    { "u32 624485", U32, { 0xe5, 0x8e, 0x26 }, 3, KT_OK, 624485, 0, 3 },
    { "u32 max", U32, { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5, KT_OK, 0xffffffffu, 0, 5 },
    { "u32 stops at its last byte", U32, { 0x01, 0x02 }, 2, KT_OK, 1, 0, 1 },
    { "u32 non-minimal zero accepted", U32, { 0x80, 0x00 }, 2, KT_OK, 0, 0, 2 },
    { "u32 non-minimal 5 bytes accepted", U32, { 0x81, 0x80, 0x80, 0x80, 0x00 }, 5, KT_OK, 1, 0, 5 },
    { "u32 too many bytes", U32, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 }, 6, KT_E_LEB, 0, 0, 0 },
    { "u32 bit 32 set", U32, { 0xff, 0xff, 0xff, 0xff, 0x1f }, 5, KT_E_LEB, 0, 0, 0 },
    { "u32 bit 34 set", U32, { 0x80, 0x80, 0x80, 0x80, 0x40 }, 5, KT_E_LEB, 0, 0, 0 },
    { "u32 empty", U32, { 0 }, 0, KT_E_TRUNCATED, 0, 0, 0 },
    { "u32 truncated after 1", U32, { 0x80 }, 1, KT_E_TRUNCATED, 0, 0, 0 },
    { "u32 truncated after 4", U32, { 0xff, 0xff, 0xff, 0xff }, 4, KT_E_TRUNCATED, 0, 0, 0 },
    /* u64 */
    { "u64 max", U64, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10,
      KT_OK, UINT64_MAX, 0, 10 },
    { "u64 2^33", U64, { 0x80, 0x80, 0x80, 0x80, 0x20 }, 5, KT_OK, 1ull << 33, 0, 5 },
    { "u64 non-minimal zero", U64, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 }, 10,
      KT_OK, 0, 0, 10 },
    { "u64 bit 64 set", U64, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 }, 10,
      KT_E_LEB, 0, 0, 0 },
    { "u64 too many bytes", U64, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 }, 11,
      KT_E_LEB, 0, 0, 0 },
    { "u64 truncated", U64, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 9,
      KT_E_TRUNCATED, 0, 0, 0 },
    /* s32 */
    { "s32 zero", S32, { 0x00 }, 1, KT_OK, 0, 0, 1 },
    { "s32 -1", S32, { 0x7f }, 1, KT_OK, 0, -1, 1 },
    { "s32 63", S32, { 0x3f }, 1, KT_OK, 0, 63, 1 },
    { "s32 -64", S32, { 0x40 }, 1, KT_OK, 0, -64, 1 },
    { "s32 64", S32, { 0xc0, 0x00 }, 2, KT_OK, 0, 64, 2 },
    { "s32 -128", S32, { 0x80, 0x7f }, 2, KT_OK, 0, -128, 2 },
    { "s32 max", S32, { 0xff, 0xff, 0xff, 0xff, 0x07 }, 5, KT_OK, 0, INT32_MAX, 5 },
    { "s32 min", S32, { 0x80, 0x80, 0x80, 0x80, 0x78 }, 5, KT_OK, 0, INT32_MIN, 5 },
    { "s32 non-minimal -1", S32, { 0xff, 0xff, 0xff, 0xff, 0x7f }, 5, KT_OK, 0, -1, 5 },
    { "s32 unused bits not sign", S32, { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5, KT_E_LEB, 0, 0, 0 },
    { "s32 unused bits not sign (neg)", S32, { 0x80, 0x80, 0x80, 0x80, 0x70 }, 5, KT_E_LEB, 0, 0, 0 },
    { "s32 too many bytes", S32, { 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f }, 6, KT_E_LEB, 0, 0, 0 },
    { "s32 truncated", S32, { 0xff }, 1, KT_E_TRUNCATED, 0, 0, 0 },
    /* s33 */
    { "s33 -64 (block type empty-ish)", S33, { 0x40 }, 1, KT_OK, 0, -64, 1 },
    { "s33 2^32-1", S33, { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5, KT_OK, 0, 4294967295ll, 5 },
    { "s33 min", S33, { 0x80, 0x80, 0x80, 0x80, 0x70 }, 5, KT_OK, 0, -4294967296ll, 5 },
    { "s33 bit 32 without sign copies", S33, { 0x80, 0x80, 0x80, 0x80, 0x10 }, 5, KT_E_LEB, 0, 0, 0 },
    { "s33 too many bytes", S33, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 }, 6, KT_E_LEB, 0, 0, 0 },
    { "s33 truncated", S33, { 0x80, 0x80 }, 2, KT_E_TRUNCATED, 0, 0, 0 },
    /* s64 */
    { "s64 -1", S64, { 0x7f }, 1, KT_OK, 0, -1, 1 },
    { "s64 max", S64, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 }, 10,
      KT_OK, 0, INT64_MAX, 10 },
    { "s64 min", S64, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f }, 10,
      KT_OK, 0, INT64_MIN, 10 },
    { "s64 last byte not sign", S64, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10,
      KT_E_LEB, 0, 0, 0 },
    { "s64 too many bytes", S64, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f }, 11,
      KT_E_LEB, 0, 0, 0 },
};

static kt_err run_case(const leb_case *k, kt_cursor *c, uint64_t *u, int64_t *s)
{
    uint32_t u32 = 0;
    int32_t s32 = 0;
    kt_err e = KT_E__COUNT;

    switch (k->width) {
    case U32:
        e = kt_leb_u32(c, &u32);
        *u = u32;
        break;
    case U64:
        e = kt_leb_u64(c, u);
        break;
    case S32:
        e = kt_leb_s32(c, &s32);
        *s = s32;
        break;
    case S33:
        e = kt_leb_s33(c, s);
        break;
    case S64:
        e = kt_leb_s64(c, s);
        break;
    }
    return e;
}

Test(leb128, table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const leb_case *k = &cases[i];
        /* Exactly-sized heap copy, so ASan sees any read past the end. */
        uint8_t *buf = malloc(k->len > 0 ? k->len : 1);
        cr_assert_not_null(buf);
        memcpy(buf, k->bytes, k->len);
        kt_cursor c;
        kt_cur_init(&c, buf, k->len);
        uint64_t u = 0;
        int64_t s = 0;
        kt_err e = run_case(k, &c, &u, &s);
        cr_expect_eq(e, k->err, "%s: err %d, want %d", k->what, (int)e, (int)k->err);
        if (e == KT_OK && k->err == KT_OK) {
            cr_expect_eq(c.pos, k->used, "%s: used %zu, want %zu", k->what, c.pos, k->used);
            if (k->width == U32 || k->width == U64)
                cr_expect_eq(u, k->uval, "%s: value %llu", k->what, (unsigned long long)u);
            else
                cr_expect_eq(s, k->sval, "%s: value %lld", k->what, (long long)s);
        }
        if (k->err != KT_OK)
            cr_expect_eq(c.pos, 0, "%s: cursor moved on failure", k->what);
        free(buf);
    }
}

Test(leb128, reads_from_middle_of_cursor)
{
    static const uint8_t bytes[] = { 0xaa, 0xe5, 0x8e, 0x26, 0x05 };
    kt_cursor c;
    uint32_t v = 0;

    kt_cur_init(&c, bytes, sizeof bytes);
    c.pos = 1;
    cr_assert_eq(kt_leb_u32(&c, &v), KT_OK);
    cr_expect_eq(v, 624485u);
    cr_expect_eq(c.pos, 4);
    cr_assert_eq(kt_leb_u32(&c, &v), KT_OK);
    cr_expect_eq(v, 5u);
    cr_expect(kt_cur_done(&c));
    cr_expect_eq(kt_leb_u32(&c, &v), KT_E_TRUNCATED);
}

Test(leb128, respects_sub_cursor_end)
{
    /* The bytes after the window must not be read even though they exist. */
    static const uint8_t bytes[] = { 0x80, 0x80, 0x01 };
    kt_cursor whole, sub;
    uint32_t v = 0;

    kt_cur_init(&whole, bytes, sizeof bytes);
    cr_assert_eq(kt_cur_sub(&whole, 2, &sub), KT_OK);
    cr_expect_eq(kt_leb_u32(&sub, &v), KT_E_TRUNCATED);
    cr_expect_eq(sub.pos, 0);
}

Test(cursor, bounds)
{
    static const uint8_t bytes[] = { 1, 2, 3 };
    kt_cursor c, sub;
    const uint8_t *p = NULL;
    uint8_t b = 0;

    kt_cur_init(&c, bytes, sizeof bytes);
    cr_expect_eq(kt_cur_bytes(&c, 4, &p), KT_E_TRUNCATED);
    cr_expect_eq(c.pos, 0);
    cr_expect_eq(kt_cur_sub(&c, SIZE_MAX, &sub), KT_E_TRUNCATED);
    cr_expect_eq(kt_cur_skip(&c, SIZE_MAX), KT_E_TRUNCATED);
    cr_assert_eq(kt_cur_u8(&c, &b), KT_OK);
    cr_expect_eq(b, 1);
    cr_assert_eq(kt_cur_sub(&c, 2, &sub), KT_OK);
    cr_expect_eq(sub.pos, 1);
    cr_expect_eq(sub.len, 3);
    cr_expect(kt_cur_done(&c));
    cr_expect_eq(kt_cur_u8(&c, &b), KT_E_TRUNCATED);
    cr_assert_eq(kt_cur_bytes(&sub, 2, &p), KT_OK);
    cr_expect_eq(p[0], 2);
    cr_expect(kt_cur_done(&sub));
}
