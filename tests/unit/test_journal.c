/*
 * tests/unit/test_journal.c - the --data journal's record format
 * (runtime/journal.c, runtime/crc32c.c): CRC-32C check values and the
 * hardware and table paths agreeing, records encoded and scanned back
 * (sequence, body, byte ranges), every possible torn tail recognised as
 * torn, a flipped byte in an older record recognised as corruption, and
 * `at` lines round-tripping names that need quoting and extreme numbers.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "evline.h"
#include "journal.h"

static const uint8_t *u8(const char *s)
{
    return (const uint8_t *)s;
}

Test(journal, crc32c_check_values)
{
    /* the standard check value of CRC-32C, and two from RFC 3720 B.4 */
    cr_expect_eq(kvrt_crc32c(0, u8("123456789"), 9), 0xe3069283u);
    cr_expect_eq(kvrt_crc32c_sw(0, u8("123456789"), 9), 0xe3069283u);
    uint8_t zeros[32] = {0}, ones[32];
    memset(ones, 0xff, sizeof ones);
    cr_expect_eq(kvrt_crc32c(0, zeros, 32), 0x8a9136aau);
    cr_expect_eq(kvrt_crc32c(0, ones, 32), 0x62a8ab43u);
    cr_expect_eq(kvrt_crc32c(0, NULL, 0), 0u);
    cr_expect_eq(kvrt_journal_crc(u8("123456789"), 9), 0xe3069283u);
}

Test(journal, crc32c_paths_agree_and_continue)
{
    uint8_t buf[1100];
    srand(7);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rand();
    for (size_t off = 0; off < 9; off++) {
        for (size_t n = 0; n + off <= sizeof buf; n += 1 + n / 8) {
            uint32_t a = kvrt_crc32c(0, buf + off, n);
            cr_assert_eq(a, kvrt_crc32c_sw(0, buf + off, n), "offset %zu length %zu", off, n);
            /* in two pieces: the same value */
            size_t h = n / 3;
            uint32_t b = kvrt_crc32c(kvrt_crc32c(0, buf + off, h), buf + off + h, n - h);
            cr_assert_eq(a, b, "offset %zu length %zu split at %zu", off, n, h);
        }
    }
}

/* Three records, their bodies whole lines; the offsets of each start. */
static void three_records(kvrt_buf *j, size_t starts[4])
{
    static const char *const bodies[3] = {
        "at \"in.txt\" 12 1 11 0badf00d\nevent set a k v\nset a n 1\n",
        "",
        "open fresh\nset fresh \"two words\" \"\\x01\"\ndelete a k\n",
    };
    kvrt_buf_init(j);
    for (int i = 0; i < 3; i++) {
        starts[i] = j->len;
        cr_assert_eq(kvrt_journal_put_record(j, (uint64_t)i + 41, u8(bodies[i]), strlen(bodies[i])), 0);
    }
    starts[3] = j->len;
}

Test(journal, records_scan_back)
{
    kvrt_buf j;
    size_t starts[4];
    three_records(&j, starts);
    /* the header is readable text */
    cr_expect(memcmp(j.data, "@ 41 55 ", 8) == 0, "header: %.20s", (const char *)j.data);
    size_t pos = 0;
    for (int i = 0; i < 3; i++) {
        kvrt_jrec r;
        cr_assert_eq(kvrt_journal_scan(j.data, j.len, pos, &r), KVRT_JREC_OK, "record %d", i);
        cr_expect_eq(r.seq, (uint64_t)i + 41);
        cr_expect_eq(r.start, starts[i]);
        cr_expect_eq(r.end, starts[i + 1]);
        cr_expect(r.body_len == 0 || r.body[r.body_len - 1] == '\n');
        pos = r.end;
    }
    kvrt_jrec r;
    cr_expect_eq(kvrt_journal_scan(j.data, j.len, pos, &r), KVRT_JREC_END);
    kvrt_buf_fini(&j);
}

Test(journal, in_place_build_equals_put_record)
{
    kvrt_buf a, b;
    kvrt_buf_init(&a);
    kvrt_buf_init(&b);
    const char *body = "event delete b k\nset b deletes 3\n";
    cr_assert_eq(kvrt_journal_put_record(&a, 18446744073709551615ull, u8(body), strlen(body)), 0);
    size_t mark;
    cr_assert_eq(kvrt_buf_append(&b, "x", 1), 0);
    cr_assert_eq(kvrt_journal_begin(&b, &mark), 0);
    cr_expect_eq(mark, 1u);
    cr_assert_eq(kvrt_buf_append(&b, body, strlen(body)), 0);
    kvrt_journal_end(&b, mark, 18446744073709551615ull);
    cr_assert_eq(b.len, a.len + 1);
    cr_expect(memcmp(b.data + 1, a.data, a.len) == 0);
    cr_expect(memcmp(a.data, "@ 18446744073709551615 33 ", 26) == 0, "%.40s", (const char *)a.data);
    kvrt_buf_fini(&a);
    kvrt_buf_fini(&b);
}

Test(journal, every_torn_tail_is_torn)
{
    kvrt_buf j;
    size_t starts[4];
    three_records(&j, starts);
    for (size_t cut = 0; cut <= j.len; cut++) {
        size_t pos = 0;
        int whole = 0;
        kvrt_jrec r;
        kvrt_jscan k;
        while ((k = kvrt_journal_scan(j.data, cut, pos, &r)) == KVRT_JREC_OK) {
            whole++;
            pos = r.end;
        }
        int expect_whole = cut >= starts[3] ? 3 : cut >= starts[2] ? 2 : cut >= starts[1] ? 1 : 0;
        cr_assert_eq(whole, expect_whole, "cut at %zu", cut);
        if (cut == starts[0] || cut == starts[1] || cut == starts[2] || cut == starts[3]) {
            cr_assert_eq(k, KVRT_JREC_END, "cut at a record boundary %zu", cut);
        } else {
            cr_assert_eq(k, KVRT_JREC_BAD, "cut at %zu", cut);
            cr_assert(!kvrt_journal_intact_after(j.data, cut, pos), "cut at %zu: torn", cut);
        }
    }
    kvrt_buf_fini(&j);
}

Test(journal, a_flipped_byte_is_corruption)
{
    kvrt_buf j;
    size_t starts[4];
    three_records(&j, starts);
    /* every byte of the first record, header included, flipped in turn */
    for (size_t i = starts[0]; i < starts[1]; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            j.data[i] ^= (uint8_t)(1u << bit);
            kvrt_jrec r;
            kvrt_jscan k = kvrt_journal_scan(j.data, j.len, 0, &r);
            if (k == KVRT_JREC_OK) {
                /* only a flipped digit of the sequence number reads as a
                 * record, one out of sequence (replay refuses it) */
                cr_assert(i >= 2 && i < 4, "byte %zu bit %d", i, bit);
                cr_assert_neq(r.seq, 41u);
            } else {
                cr_assert_eq(k, KVRT_JREC_BAD, "byte %zu bit %d", i, bit);
                cr_assert(kvrt_journal_intact_after(j.data, j.len, 0), "byte %zu bit %d", i, bit);
            }
            j.data[i] ^= (uint8_t)(1u << bit);
        }
    }
    kvrt_buf_fini(&j);
}

Test(journal, malformed_headers)
{
    static const char *const bad[] = {
        "@ 1 0 00000000",                   /* no newline */
        "@1 0 00000000\n",
        "@ 1 0 0000000\n",                  /* 7 hex digits */
        "@ 1 0 0000000g\n",
        "@ 1 0 00000000 \n",
        "@ 18446744073709551616 0 00000000\n", /* seq overflows */
        "@ 1 5 00000000\nabc\n",            /* body shorter than its length */
        "@ 1 3 00000000\nabc",              /* body not ending in a newline */
        "# 1 0 00000000\n",
        "@  1 0 00000000\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kvrt_jrec r;
        cr_expect_eq(kvrt_journal_scan(u8(bad[i]), strlen(bad[i]), 0, &r), KVRT_JREC_BAD, "%s", bad[i]);
    }
    /* the empty body with its CRC of 0 is fine */
    kvrt_jrec r;
    cr_expect_eq(kvrt_journal_scan(u8("@ 7 0 00000000\n"), 15, 0, &r), KVRT_JREC_OK);
    cr_expect_eq(r.seq, 7u);
    cr_expect_eq(r.body_len, 0u);
}

static void at_round_trip(const char *name, size_t nlen, uint64_t off, uint64_t line,
                          uint64_t last_len, uint32_t crc)
{
    kvrt_inpos p = { u8(name), nlen, off, line, last_len, crc, NULL };
    kvrt_buf b;
    kvrt_buf_init(&b);
    cr_assert_eq(kvrt_journal_put_at(&b, &p), 0);
    cr_assert(b.len > 0 && b.data[b.len - 1] == '\n');
    cr_assert_null(memchr(b.data, '\n', b.len - 1), "one line: %.*s", (int)b.len, (const char *)b.data);
    kvrt_evparser ps;
    kvrt_evparser_init(&ps);
    kvrt_inpos q;
    cr_assert_eq(kvrt_journal_parse_at(&ps, b.data, b.len - 1, &q), 0, "%.*s", (int)b.len,
                 (const char *)b.data);
    cr_expect_eq(q.name_len, nlen);
    cr_expect(memcmp(q.name, name, nlen) == 0, "%.*s", (int)b.len, (const char *)b.data);
    cr_expect_eq(q.offset, off);
    cr_expect_eq(q.line, line);
    cr_expect_eq(q.last_len, last_len);
    cr_expect_eq(q.last_crc, crc);
    kvrt_evparser_fini(&ps);
    kvrt_buf_fini(&b);
}

Test(journal, at_lines_round_trip)
{
    at_round_trip("events.txt", 10, 0, 0, 0, 0);
    at_round_trip("-", 1, 123, 4, 5, 0xffffffffu);
    at_round_trip("dir with spaces/\"quoted\"\\name", 29, 1, 1, 1, 0x12ab34cdu);
    at_round_trip("new\nline\ttab", 12, 99, 98, 97, 1);
    at_round_trip("\xff\xfe not utf-8 \x01", 15, 18446744073709551615ull,
                  18446744073709551615ull, 18446744073709551615ull, 0x80000000u);
    at_round_trip("caf\xc3\xa9", 5, 10, 2, 3, 4);
    kvrt_buf b;
    kvrt_buf_init(&b);
    kvrt_inpos p = { u8("in"), 2, 23, 1, 22, 0xb6153886u, NULL };
    cr_assert_eq(kvrt_journal_put_at(&b, &p), 0);
    cr_expect_eq(b.len, strlen("at \"in\" 23 1 22 b6153886\n"));
    cr_expect(memcmp(b.data, "at \"in\" 23 1 22 b6153886\n", b.len) == 0);
    kvrt_buf_fini(&b);
}

Test(journal, malformed_at_lines)
{
    static const char *const bad[] = {
        "at in 1 2 3 00000000",             /* the name is always quoted */
        "at \"in\" 1 2 3",
        "at \"in\" 1 2 3 0000000",
        "at \"in\" 1 2 3 00000000 9",
        "at \"in\" 1 2 3 00000000 ",
        "at \"in\"  1 2 3 00000000",
        "at \"in\" 1 2 3 0000000x",
        "at \"in\" 18446744073709551616 2 3 00000000",
        "at \"in\" -1 2 3 00000000",
        "at \"in 1 2 3 00000000",
        "at",
    };
    kvrt_evparser ps;
    kvrt_evparser_init(&ps);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kvrt_inpos q;
        cr_expect_eq(kvrt_journal_parse_at(&ps, u8(bad[i]), strlen(bad[i]), &q), -1, "%s", bad[i]);
    }
    kvrt_evparser_fini(&ps);
}
