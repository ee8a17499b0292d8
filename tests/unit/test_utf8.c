/*
 * tests/unit/test_utf8.c - strict UTF-8 validation (runtime/utf8.c): tables
 * of edge cases, plus exhaustive comparison with a straightforward
 * code-point decoder over every 1-, 2- and 3-byte input and a large slice of
 * the 4-byte ones.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

typedef struct utf8_case {
    const char *s;
    size_t n;
    size_t prefix;      /* expected kvrt_utf8_valid_prefix */
} utf8_case;

static const utf8_case cases[] = {
    { "", 0, 0 },
    { "a", 1, 1 },
    { "hello, world", 12, 12 },
    { "\0", 1, 1 },
    { "\x7f", 1, 1 },
    { "\x80", 1, 0 },                       /* lone continuation */
    { "\xbf", 1, 0 },
    { "\xc0\x80", 2, 0 },                   /* overlong NUL */
    { "\xc1\xbf", 2, 0 },                   /* overlong U+007F */
    { "\xc2\x80", 2, 2 },                   /* U+0080 */
    { "\xdf\xbf", 2, 2 },                   /* U+07FF */
    { "\xc2", 1, 0 },                       /* truncated */
    { "\xc2\x41", 2, 0 },                   /* bad continuation */
    { "\xc2\xc0", 2, 0 },
    { "\xe0\x80\x80", 3, 0 },               /* overlong */
    { "\xe0\x9f\xbf", 3, 0 },               /* overlong U+07FF */
    { "\xe0\xa0\x80", 3, 3 },               /* U+0800 */
    { "\xe2\x82\xac", 3, 3 },               /* euro sign */
    { "\xed\x9f\xbf", 3, 3 },               /* U+D7FF */
    { "\xed\xa0\x80", 3, 0 },               /* U+D800 surrogate */
    { "\xed\xbf\xbf", 3, 0 },               /* U+DFFF surrogate */
    { "\xee\x80\x80", 3, 3 },               /* U+E000 */
    { "\xef\xbf\xbf", 3, 3 },               /* U+FFFF */
    { "\xef\xbb\xbf", 3, 3 },               /* BOM is just a character */
    { "\xe2\x82", 2, 0 },                   /* truncated */
    { "\xe2\x82\x41", 3, 0 },
    { "\xf0\x80\x80\x80", 4, 0 },           /* overlong */
    { "\xf0\x8f\xbf\xbf", 4, 0 },           /* overlong U+FFFF */
    { "\xf0\x90\x80\x80", 4, 4 },           /* U+10000 */
    { "\xf0\x9f\x98\x80", 4, 4 },           /* emoji */
    { "\xf4\x8f\xbf\xbf", 4, 4 },           /* U+10FFFF */
    { "\xf4\x90\x80\x80", 4, 0 },           /* U+110000 */
    { "\xf5\x80\x80\x80", 4, 0 },
    { "\xf7\xbf\xbf\xbf", 4, 0 },
    { "\xf8\x88\x80\x80\x80", 5, 0 },       /* 5-byte form */
    { "\xfc\x84\x80\x80\x80\x80", 6, 0 },   /* 6-byte form */
    { "\xfe", 1, 0 },
    { "\xff", 1, 0 },
    { "\xf0\x9f\x98", 3, 0 },               /* truncated */
    { "ab\xff", 3, 2 },
    { "abcdefgh\xc3\xa9", 10, 10 },
    { "abcdefghij\xff", 11, 10 },
    { "abcdefg\xc3\xa9xyz0123456789\x80", 23, 22 },
    { "\xc3\xa9\xc3", 3, 2 },
    { "0123456789abcdef\xed\xa0\x80", 19, 16 },
};

Test(utf8, table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const utf8_case *c = &cases[i];
        const uint8_t *s = (const uint8_t *)c->s;
        cr_expect_eq(kvrt_utf8_valid_prefix(s, c->n), c->prefix, "case %zu", i);
        cr_expect_eq(kvrt_utf8_valid(s, c->n), c->prefix == c->n, "case %zu", i);
    }
}

Test(utf8, seq_lengths)
{
    static const struct { const char *s; size_t n; size_t seq; } seqs[] = {
        { "A", 1, 1 }, { "\0", 1, 1 }, { "\xc3\xa9", 2, 2 },
        { "\xe2\x82\xac", 3, 3 }, { "\xf0\x9f\x98\x80", 4, 4 },
        /* only the first n bytes may be looked at */
        { "\xc3\xa9", 1, 0 }, { "\xe2\x82\xac", 2, 0 }, { "\xf0\x9f\x98\x80", 3, 0 },
        { "\x80", 1, 0 }, { "\xed\xa0\x80", 3, 0 }, { "\xc3\xa9xx", 4, 2 },
    };
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        size_t got = kvrt_utf8_seq((const uint8_t *)seqs[i].s, seqs[i].n);
        cr_expect_eq(got, seqs[i].seq, "case %zu: got %zu", i, got);
    }
}

/*
 * Reference: decode a code point the long way and check the RFC 3629 rules.
 * Returns the sequence length or 0.
 */
static size_t reference_seq(const uint8_t *s, size_t n)
{
    size_t len;
    uint32_t cp;
    uint32_t min;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2; cp = s[0] & 0x1fu; min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3; cp = s[0] & 0x0fu; min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4; cp = s[0] & 0x07u; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static bool reference_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = reference_seq(s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

Test(utf8, exhaustive_up_to_three_bytes)
{
    uint8_t s[3];
    size_t mismatches = 0;

    for (uint32_t v = 0; v < (1u << 24); v++) {
        s[0] = (uint8_t)(v >> 16);
        s[1] = (uint8_t)(v >> 8);
        s[2] = (uint8_t)v;
        for (size_t n = 1; n <= 3; n++) {
            if (n < 3 && (v & 0xff) != 0)
                continue;   /* shorter lengths: each prefix once */
            if (n < 2 && (v & 0xffff) != 0)
                continue;
            mismatches += kvrt_utf8_seq(s, n) != reference_seq(s, n);
        }
        mismatches += kvrt_utf8_valid(s, 3) != reference_valid(s, 3);
    }
    cr_assert_eq(mismatches, 0);
}

Test(utf8, four_byte_leads)
{
    static const uint8_t thirds[] = { 0x00, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xff };
    uint8_t s[4];
    size_t mismatches = 0;

    for (uint32_t lead = 0xf0; lead <= 0xff; lead++) {
        for (uint32_t b1 = 0; b1 < 256; b1++) {
            for (size_t t = 0; t < sizeof thirds; t++) {
                for (uint32_t b3 = 0; b3 < 256; b3++) {
                    s[0] = (uint8_t)lead;
                    s[1] = (uint8_t)b1;
                    s[2] = thirds[t];
                    s[3] = (uint8_t)b3;
                    mismatches += kvrt_utf8_seq(s, 4) != reference_seq(s, 4);
                }
            }
        }
    }
    cr_assert_eq(mismatches, 0);
}

/* xorshift64: fixed seed, same strings on every run. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

Test(utf8, random_strings_match_reference)
{
    static const uint8_t pieces[][4] = {
        { 'a' }, { 'b' }, { 0 }, { 0x7f }, { 0xc3, 0xa9 }, { 0xe2, 0x82, 0xac },
        { 0xf0, 0x9f, 0x98, 0x80 }, { 0x80 }, { 0xc3 }, { 0xed, 0xa0 }, { 0xff },
        { 0xf4, 0x90 },
    };
    static const size_t piece_len[] = { 1, 1, 1, 1, 2, 3, 4, 1, 1, 2, 1, 2 };
    uint64_t state = 0x9e3779b97f4a7c15u;
    uint8_t s[128];

    for (int round = 0; round < 200000; round++) {
        size_t n = 0;
        size_t want = next_random(&state) % 100;
        while (n < want) {
            uint64_t r = next_random(&state);
            size_t pick = r % 24;
            if (pick >= 20) {
                s[n++] = (uint8_t)(r >> 8);     /* any byte */
                continue;
            }
            /* mostly ASCII, so the 8-byte fast path sees long runs */
            if (pick >= 12)
                pick = 0;
            memcpy(s + n, pieces[pick], piece_len[pick]);
            n += piece_len[pick];
        }
        bool want_valid = reference_valid(s, n);
        cr_assert_eq(kvrt_utf8_valid(s, n), want_valid, "round %d", round);
        size_t prefix = kvrt_utf8_valid_prefix(s, n);
        cr_assert(reference_valid(s, prefix), "round %d", round);
        if (prefix < n)
            cr_assert_eq(reference_seq(s + prefix, n - prefix), 0, "round %d", round);
    }
}

/* The ASCII fast path reads words, overlapping tails and 4/2/1-byte
 * pieces: a high bit at any position of any length up to 40 must be seen,
 * and a byte just outside the range must not. */
Test(utf8, all_ascii_every_length_and_position)
{
    uint8_t buf[48];
    for (size_t n = 0; n <= 40; n++) {
        memset(buf, 'a', sizeof buf);
        buf[n] = 0xff;                          /* just past the end */
        cr_assert(kvrt_utf8_all_ascii(buf, n), "length %zu all ASCII", n);
        cr_assert(kvrt_utf8_valid(buf, n));
        for (size_t i = 0; i < n; i++) {
            buf[i] = 0x80;
            cr_assert(!kvrt_utf8_all_ascii(buf, n), "length %zu, 0x80 at %zu", n, i);
            cr_assert(!kvrt_utf8_valid(buf, n), "length %zu, 0x80 at %zu", n, i);
            buf[i] = 'a';
        }
    }
}
