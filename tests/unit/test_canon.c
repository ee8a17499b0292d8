/*
 * tests/unit/test_canon.c - canonical printer (runtime/canon.c): tables of
 * tokens, values and whole records, then round trips through the event-line
 * parser for every single byte, every byte pair and fixed-seed random byte
 * strings (invalid UTF-8, blanks, quotes, backslashes, `#`, `{` included),
 * in text and in JSON.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "canon.h"
#include "evline.h"
#include "utf8.h"

typedef struct bytes {
    const char *s;
    size_t n;
} bytes;

#define BYTES(lit) { lit, sizeof(lit) - 1 }

typedef struct print_case {
    bytes in;
    const char *out;
} print_case;

typedef int (*print_fn)(kvrt_buf *out, const uint8_t *s, size_t n);

static void run_print_cases(print_fn fn, const print_case *cases, size_t count)
{
    kvrt_buf out;
    kvrt_buf_init(&out);
    for (size_t i = 0; i < count; i++) {
        kvrt_buf_truncate(&out, 0);
        cr_assert_eq(kvrt_buf_puts(&out, "<"), 0);
        cr_assert_eq(fn(&out, (const uint8_t *)cases[i].in.s, cases[i].in.n), 0);
        size_t want = strlen(cases[i].out);
        /* appends after what is already there */
        cr_expect(out.len == want + 1 && out.data[0] == '<' &&
                  memcmp(out.data + 1, cases[i].out, want) == 0,
                  "case %zu: got [%.*s], want [%s]", i, (int)out.len - 1,
                  (const char *)out.data + 1, cases[i].out);
    }
    kvrt_buf_fini(&out);
}

static const print_case token_cases[] = {
    { BYTES("b"), "b" },
    { BYTES("users"), "users" },
    { BYTES(""), "\"\"" },
    { BYTES("a b"), "\"a b\"" },
    { BYTES("a\tb"), "\"a\\tb\"" },
    { BYTES(" "), "\" \"" },
    { BYTES("\""), "\"\\\"\"" },
    { BYTES("a\"b"), "\"a\\\"b\"" },
    { BYTES("\x7f"), "\"\\x7f\"" },
    { BYTES("\x01"), "\"\\x01\"" },
    { BYTES("\x1f"), "\"\\x1f\"" },
    { BYTES("\x1b[0m"), "\"\\x1b[0m\"" },
    { BYTES("\0"), "\"\\0\"" },
    { BYTES("\r\n"), "\"\\r\\n\"" },
    { BYTES("a\\b"), "a\\b" },
    { BYTES("#"), "#" },
    { BYTES("{"), "{" },
    { BYTES("set"), "set" },
    { BYTES("!~"), "!~" },
    { BYTES("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9" },
    { BYTES("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80" },
    { BYTES("\xef\xbb\xbf"), "\xef\xbb\xbf" },
    { BYTES("\xff"), "\"\\xff\"" },
    { BYTES("ab\xc3"), "\"ab\\xc3\"" },
    { BYTES("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"" },
    { BYTES("\xf4\x90\x80\x80"), "\"\\xf4\\x90\\x80\\x80\"" },
    { BYTES("\xc0\x80"), "\"\\xc0\\x80\"" },
    { BYTES("\xc3\xa9\xff \\"), "\"\xc3\xa9\\xff \\\\\"" },
};

Test(canon, token)
{
    run_print_cases(kvrt_canon_token, token_cases, sizeof token_cases / sizeof token_cases[0]);
}

static const print_case value_cases[] = {
    { BYTES(""), "\"\"" },
    { BYTES("v"), "v" },
    { BYTES("hello world"), "hello world" },
    { BYTES("a  b"), "a  b" },
    { BYTES(" v"), "\" v\"" },
    { BYTES("v "), "\"v \"" },
    { BYTES("\tv"), "\"\\tv\"" },
    { BYTES("v\t"), "\"v\\t\"" },
    { BYTES(" "), "\" \"" },
    { BYTES("\"v"), "\"\\\"v\"" },
    { BYTES("v\""), "v\"" },
    { BYTES("a\"b\"c"), "a\"b\"c" },
    { BYTES("#x"), "#x" },
    { BYTES("{\"a\":1}"), "{\"a\":1}" },
    { BYTES("\\"), "\\" },
    { BYTES("a\\nb"), "a\\nb" },
    { BYTES("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac" },
    { BYTES("\xff"), "\"\\xff\"" },
    { BYTES("a\x7f"), "\"a\\x7f\"" },
    { BYTES("a\nb"), "\"a\\nb\"" },
    { BYTES("a\rb"), "\"a\\rb\"" },
    { BYTES("a\0b"), "\"a\\0b\"" },
    { BYTES("x\xc3\xa9\xc3"), "\"x\xc3\xa9\\xc3\"" },
    { BYTES("\xe2\x82\xac\xe2\x82"), "\"\xe2\x82\xac\\xe2\\x82\"" },
    { BYTES("\xf0\x9f\x98\x80 \"q\" \\"), "\xf0\x9f\x98\x80 \"q\" \\" },
};

Test(canon, value)
{
    run_print_cases(kvrt_canon_value, value_cases, sizeof value_cases / sizeof value_cases[0]);
}

/* The SPEC §4 rules byte by byte: the reference the word-at-a-time
 * printer is held to. */
static bool ref_bare(const uint8_t *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] == '"' || s[i] == 0x7f)
            return false;
    return kvrt_utf8_valid(s, n);
}

static bool ref_raw(const uint8_t *s, size_t n)
{
    if (n == 0 || s[0] == '"' || s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
        s[n - 1] == '\t')
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return kvrt_utf8_valid(s, n);
}

/* out is s itself when plain, else s quoted (starts with '"'). */
static void check_plain_iff(print_fn fn, const uint8_t *s, size_t n, bool plain)
{
    kvrt_buf out;
    kvrt_buf_init(&out);
    cr_assert_eq(fn(&out, s, n), 0);
    if (plain)
        cr_assert(out.len == n && memcmp(out.data, s, n) == 0,
                  "length %zu: expected the bytes as they are", n);
    else
        cr_assert(out.len >= 2 && out.data[0] == '"' && out.data[out.len - 1] == '"',
                  "length %zu: expected a quoted string", n);
    kvrt_buf_fini(&out);
}

/* Every length 0-40, each awkward byte (and a two-byte UTF-8 sequence, and
 * its first byte alone) at every position: tokens are bare and values raw
 * exactly when the rules say so, wherever the byte falls in the printer's
 * eight-byte words and their overlapping tail. */
Test(canon, bare_and_raw_at_every_length_and_position)
{
    static const uint8_t awkward[] = {0x00, 0x09, 0x1f, 0x20, 0x21, '"', '\\', 0x7e, 0x7f,
                                      0x80, 0xc3, 0xff, 'a'};
    uint8_t s[48];
    for (size_t n = 0; n <= 40; n++) {
        for (size_t at = 0; at < (n == 0 ? 1 : n); at++) {
            for (size_t j = 0; j <= sizeof awkward; j++) {
                memset(s, 'k', sizeof s);
                if (n > 0 && j < sizeof awkward)
                    s[at] = awkward[j];
                if (n > 1 && at + 1 < n && j == sizeof awkward) {
                    s[at] = 0xc3;           /* é across the byte boundary */
                    s[at + 1] = 0xa9;
                }
                check_plain_iff(kvrt_canon_token, s, n, ref_bare(s, n));
                check_plain_iff(kvrt_canon_value, s, n, ref_raw(s, n));
            }
        }
    }
}

static const print_case quoted_cases[] = {
    { BYTES(""), "\"\"" },
    { BYTES("plain"), "\"plain\"" },
    { BYTES("\\\"\n\r\t\0"), "\"\\\\\\\"\\n\\r\\t\\0\"" },
    { BYTES("\x01\x08\x0b\x0c\x1f\x7f"), "\"\\x01\\x08\\x0b\\x0c\\x1f\\x7f\"" },
    { BYTES("\x80\xbf\xc0\xc1\xf5\xfe\xff"), "\"\\x80\\xbf\\xc0\\xc1\\xf5\\xfe\\xff\"" },
    { BYTES("\xc2\x80\xdf\xbf\xe0\xa0\x80\xf4\x8f\xbf\xbf"),
      "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xf4\x8f\xbf\xbf\"" },
    { BYTES("\xe0\x80\x80"), "\"\\xe0\\x80\\x80\"" },
    { BYTES("user/42"), "\"user/42\"" },
    { BYTES("\xab\xcd"), "\"\\xab\\xcd\"" },
};

Test(canon, quoted)
{
    run_print_cases(kvrt_canon_quoted, quoted_cases, sizeof quoted_cases / sizeof quoted_cases[0]);
}

typedef struct record_case {
    bytes bucket;
    bytes key;
    bytes value;
    const char *set_text;
    const char *delete_text;
    const char *set_json;
    const char *delete_json;
} record_case;

static const record_case record_cases[] = {
    { BYTES("b"), BYTES("k"), BYTES("v"),
      "set b k v\n", "delete b k\n",
      "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"v\"}\n",
      "{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}\n" },
    { BYTES(""), BYTES(""), BYTES(""),
      "set \"\" \"\" \"\"\n", "delete \"\" \"\"\n",
      "{\"op\":\"set\",\"bucket\":\"\",\"key\":\"\",\"value\":\"\"}\n",
      "{\"op\":\"delete\",\"bucket\":\"\",\"key\":\"\"}\n" },
    { BYTES("my bucket"), BYTES("k\"1"), BYTES(" padded "),
      "set \"my bucket\" \"k\\\"1\" \" padded \"\n", "delete \"my bucket\" \"k\\\"1\"\n",
      "{\"op\":\"set\",\"bucket\":\"my bucket\",\"key\":\"k\\\"1\",\"value\":\" padded \"}\n",
      "{\"op\":\"delete\",\"bucket\":\"my bucket\",\"key\":\"k\\\"1\"}\n" },
    { BYTES("caf\xc3\xa9"), BYTES("a\\b"), BYTES("\x01\x7f\b\f\n\r\t\0\x1f/"),
      "set caf\xc3\xa9 a\\b \"\\x01\\x7f\\x08\\x0c\\n\\r\\t\\0\\x1f/\"\n",
      "delete caf\xc3\xa9 a\\b\n",
      "{\"op\":\"set\",\"bucket\":\"caf\xc3\xa9\",\"key\":\"a\\\\b\","
      "\"value\":\"\\u0001\x7f\\b\\f\\n\\r\\t\\u0000\\u001f/\"}\n",
      "{\"op\":\"delete\",\"bucket\":\"caf\xc3\xa9\",\"key\":\"a\\\\b\"}\n" },
    { BYTES("b"), BYTES("k"), BYTES("\xff"),
      "set b k \"\\xff\"\n", "delete b k\n",
      "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"/w==\"}\n",
      "{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}\n" },
    { BYTES("b"), BYTES("k"), BYTES("ab\xc3"),
      "set b k \"ab\\xc3\"\n", "delete b k\n",
      "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"YWLD\"}\n",
      "{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}\n" },
    { BYTES("b"), BYTES("k"), BYTES("\0\x01\x02\xfe\xff"),
      "set b k \"\\0\\x01\\x02\\xfe\\xff\"\n", "delete b k\n",
      "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"AAEC/v8=\"}\n",
      "{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}\n" },
    { BYTES("\xf0\x9f\x98\x80"), BYTES("#"), BYTES("{x}"),
      "set \xf0\x9f\x98\x80 # {x}\n", "delete \xf0\x9f\x98\x80 #\n",
      "{\"op\":\"set\",\"bucket\":\"\xf0\x9f\x98\x80\",\"key\":\"#\",\"value\":\"{x}\"}\n",
      "{\"op\":\"delete\",\"bucket\":\"\xf0\x9f\x98\x80\",\"key\":\"#\"}\n" },
};

static void expect_output(const kvrt_buf *out, const char *want, size_t i, const char *what)
{
    size_t n = strlen(want);
    cr_expect(out->len == n && memcmp(out->data, want, n) == 0,
              "case %zu %s: got [%.*s], want [%s]", i, what, (int)out->len,
              (const char *)out->data, want);
}

Test(canon, records)
{
    kvrt_buf out;
    kvrt_buf_init(&out);
    for (size_t i = 0; i < sizeof record_cases / sizeof record_cases[0]; i++) {
        const record_case *c = &record_cases[i];
        const uint8_t *b = (const uint8_t *)c->bucket.s;
        const uint8_t *k = (const uint8_t *)c->key.s;
        const uint8_t *v = (const uint8_t *)c->value.s;

        kvrt_buf_truncate(&out, 0);
        cr_assert_eq(kvrt_canon_set_text(&out, b, c->bucket.n, k, c->key.n, v, c->value.n), 0);
        expect_output(&out, c->set_text, i, "set text");
        kvrt_buf_truncate(&out, 0);
        cr_assert_eq(kvrt_canon_delete_text(&out, b, c->bucket.n, k, c->key.n), 0);
        expect_output(&out, c->delete_text, i, "delete text");
        kvrt_buf_truncate(&out, 0);
        cr_assert_eq(kvrt_canon_set_json(&out, b, c->bucket.n, k, c->key.n, v, c->value.n), 0);
        expect_output(&out, c->set_json, i, "set json");
        kvrt_buf_truncate(&out, 0);
        cr_assert_eq(kvrt_canon_delete_json(&out, b, c->bucket.n, k, c->key.n), 0);
        expect_output(&out, c->delete_json, i, "delete json");
    }
    kvrt_buf_fini(&out);
}

Test(canon, base64_lengths)
{
    static const struct { bytes in; const char *b64; } cases[] = {
        { BYTES("\xff"), "/w==" }, { BYTES("\xff\xfe"), "//4=" },
        { BYTES("\xff\xfe\xfd"), "//79" }, { BYTES("\xff\xfe\xfd\xfc"), "//79/A==" },
        { BYTES("\x80\x00\x00\x00\x00"), "gAAAAAA=" },
        { BYTES("\xfb\xff\xbf\x80\x80\x80"), "+/+/gICA" },
    };
    kvrt_buf out;
    kvrt_buf_init(&out);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[128];
        snprintf(want, sizeof want,
                 "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"%s\"}\n",
                 cases[i].b64);
        kvrt_buf_truncate(&out, 0);
        cr_assert_eq(kvrt_canon_set_json(&out, (const uint8_t *)"b", 1, (const uint8_t *)"k", 1,
                                         (const uint8_t *)cases[i].in.s, cases[i].in.n), 0);
        expect_output(&out, want, i, "base64");
    }
    kvrt_buf_fini(&out);
}

/* ---- round trips ---------------------------------------------------------- */

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

/* Adversarial bytes: blanks, quotes, escapes, comment and JSON starters,
 * controls, and pieces of (in)valid UTF-8; sometimes any byte at all. */
static size_t make_random_bytes(uint64_t *state, uint8_t *s, size_t max)
{
    static const char *const pieces[] = {
        " ", "\t", "\"", "\\", "#", "{", "}", "a", "Z", "0", "\\x", "\\n", "\r", "\n",
        "\0", "\x7f", "\x1f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc3",
        "\x80", "\xff", "\xed\xa0\x80", "\xf4\x90\x80\x80", "set", "delete", "x y",
    };
    static const size_t piece_len[] = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 2, 3, 4, 1, 1, 1, 3, 4, 3, 6, 3,
    };
    size_t count = sizeof pieces / sizeof pieces[0];
    size_t want = next_random(state) % (max - 6);
    size_t n = 0;

    while (n < want) {
        uint64_t r = next_random(state);
        size_t pick = r % (count + 4);
        if (pick >= count) {
            s[n++] = (uint8_t)(r >> 16);
            continue;
        }
        memcpy(s + n, pieces[pick], piece_len[pick]);
        n += piece_len[pick];
    }
    return n;
}

/* Random valid UTF-8 made of code points a JSON writer must take care of. */
static size_t make_random_utf8(uint64_t *state, uint8_t *s, size_t max)
{
    static const uint32_t points[] = {
        0, 1, 8, 9, 10, 12, 13, 0x1f, ' ', '"', '\\', '/', '#', '{', 'a', 0x7f, 0x80,
        0xe9, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x1f600,
        0x10ffff,
    };
    size_t count = sizeof points / sizeof points[0];
    size_t want = next_random(state) % (max - 6);
    size_t n = 0;

    while (n < want) {
        uint32_t cp = points[next_random(state) % count];
        if (cp < 0x80) {
            s[n++] = (uint8_t)cp;
        } else if (cp < 0x800) {
            s[n++] = (uint8_t)(0xc0 | cp >> 6);
            s[n++] = (uint8_t)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            s[n++] = (uint8_t)(0xe0 | cp >> 12);
            s[n++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            s[n++] = (uint8_t)(0x80 | (cp & 0x3f));
        } else {
            s[n++] = (uint8_t)(0xf0 | cp >> 18);
            s[n++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
            s[n++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            s[n++] = (uint8_t)(0x80 | (cp & 0x3f));
        }
    }
    return n;
}

static bool same_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* One record printed, parsed back: must be the same event, or the UTF-8
 * error when bucket or key is not valid UTF-8. */
static void check_text_round_trip(kvrt_evparser *p, kvrt_buf *out, const uint8_t *b,
                                  size_t bl, const uint8_t *k, size_t kl,
                                  const uint8_t *v, size_t vl)
{
    bool b_ok = kvrt_utf8_valid(b, bl);
    bool k_ok = kvrt_utf8_valid(k, kl);

    for (int del = 0; del <= 1; del++) {
        kvrt_buf_truncate(out, 0);
        int w = del ? kvrt_canon_delete_text(out, b, bl, k, kl)
                    : kvrt_canon_set_text(out, b, bl, k, kl, v, vl);
        cr_assert_eq(w, 0);
        /* one line: a single '\n', at the end */
        cr_assert(out->len > 0 && out->data[out->len - 1] == '\n');
        cr_assert_null(memchr(out->data, '\n', out->len - 1), "[%.*s]", (int)out->len,
                       (const char *)out->data);
        kvrt_event ev;
        kvrt_everr err = { 0, "" };
        kvrt_lineres r = kvrt_evline_parse(p, out->data, out->len - 1, &ev, &err);
        if (!b_ok || !k_ok) {
            cr_assert_eq(r, KVRT_LINE_ERROR, "[%.*s]", (int)out->len, (const char *)out->data);
            cr_assert_str_eq(err.msg, !b_ok ? "bucket is not valid UTF-8"
                                            : "key is not valid UTF-8");
            continue;
        }
        cr_assert_eq(r, KVRT_LINE_EVENT, "[%.*s]: col %zu: %s", (int)out->len,
                     (const char *)out->data, err.col, err.msg);
        cr_assert_eq(ev.op, del ? KVRT_EV_DELETE : KVRT_EV_SET);
        cr_assert(same_bytes(ev.bucket, ev.bucket_len, b, bl), "[%.*s]", (int)out->len,
                  (const char *)out->data);
        cr_assert(same_bytes(ev.key, ev.key_len, k, kl), "[%.*s]", (int)out->len,
                  (const char *)out->data);
        if (!del)
            cr_assert(same_bytes(ev.value, ev.value_len, v, vl), "[%.*s]", (int)out->len,
                      (const char *)out->data);
    }
}

/* Bucket and key must be valid UTF-8 here (JSON strings are). The record
 * must be one UTF-8 line, start with the op, and parse back to the same
 * bytes, through "value" exactly when the value is valid UTF-8. */
static void check_json_round_trip(kvrt_evparser *p, kvrt_buf *out, const uint8_t *b,
                                  size_t bl, const uint8_t *k, size_t kl,
                                  const uint8_t *v, size_t vl)
{
    for (int del = 0; del <= 1; del++) {
        kvrt_buf_truncate(out, 0);
        int w = del ? kvrt_canon_delete_json(out, b, bl, k, kl)
                    : kvrt_canon_set_json(out, b, bl, k, kl, v, vl);
        cr_assert_eq(w, 0);
        cr_assert(out->len > 0 && out->data[out->len - 1] == '\n');
        cr_assert_null(memchr(out->data, '\n', out->len - 1));
        cr_assert(kvrt_utf8_valid(out->data, out->len), "JSON output is UTF-8");
        const char *prefix = del ? "{\"op\":\"delete\",\"bucket\":\"" : "{\"op\":\"set\",\"bucket\":\"";
        cr_assert_eq(memcmp(out->data, prefix, strlen(prefix)), 0);

        kvrt_event ev;
        kvrt_everr err = { 0, "" };
        kvrt_lineres r = kvrt_evline_parse(p, out->data, out->len - 1, &ev, &err);
        cr_assert_eq(r, KVRT_LINE_EVENT, "[%.*s]: col %zu: %s", (int)out->len,
                     (const char *)out->data, err.col, err.msg);
        cr_assert_eq(ev.op, del ? KVRT_EV_DELETE : KVRT_EV_SET);
        cr_assert(same_bytes(ev.bucket, ev.bucket_len, b, bl));
        cr_assert(same_bytes(ev.key, ev.key_len, k, kl));
        if (del)
            continue;
        cr_assert(same_bytes(ev.value, ev.value_len, v, vl), "[%.*s]", (int)out->len,
                  (const char *)out->data);
        bool text = kvrt_utf8_valid(v, vl);
        const char *field = text ? ",\"value\":\"" : ",\"value_b64\":\"";
        cr_assert_not_null(memmem(out->data, out->len, field, strlen(field)));
    }
}

Test(canon, text_round_trip_single_bytes)
{
    kvrt_evparser p;
    kvrt_buf out;
    kvrt_evparser_init(&p);
    kvrt_buf_init(&out);
    for (int c = 0; c < 256; c++) {
        uint8_t s[3] = { (uint8_t)c, (uint8_t)c, 'x' };
        /* the byte alone, doubled, and in front of a letter */
        for (size_t n = 1; n <= 3; n++) {
            check_text_round_trip(&p, &out, s, n, (const uint8_t *)"k", 1, s, n);
            check_text_round_trip(&p, &out, (const uint8_t *)"b", 1, s, n, s, n);
            check_text_round_trip(&p, &out, s, n, s, n, (const uint8_t *)"", 0);
        }
        uint8_t t[3] = { 'x', (uint8_t)c, 'y' };
        check_text_round_trip(&p, &out, t, 3, t, 3, t, 3);
        check_text_round_trip(&p, &out, t, 2, t + 1, 2, t + 1, 2);
    }
    kvrt_evparser_fini(&p);
    kvrt_buf_fini(&out);
}

Test(canon, text_round_trip_byte_pairs)
{
    kvrt_evparser p;
    kvrt_buf out;
    kvrt_evparser_init(&p);
    kvrt_buf_init(&out);
    for (int i = 0; i < 65536; i++) {
        uint8_t s[2] = { (uint8_t)(i >> 8), (uint8_t)i };
        check_text_round_trip(&p, &out, s, 2, s, 2, s, 2);
    }
    kvrt_evparser_fini(&p);
    kvrt_buf_fini(&out);
}

Test(canon, text_round_trip_random)
{
    uint64_t state = 0x243f6a8885a308d3u;
    uint8_t b[64], k[64], v[256];
    kvrt_evparser p;
    kvrt_buf out;
    kvrt_evparser_init(&p);
    kvrt_buf_init(&out);
    for (int round = 0; round < 50000; round++) {
        size_t bl = make_random_bytes(&state, b, sizeof b);
        size_t kl = make_random_bytes(&state, k, sizeof k);
        size_t vl = make_random_bytes(&state, v, sizeof v);
        /* half the time, force bucket and key to be valid UTF-8 */
        if (round % 2 == 0) {
            bl = kvrt_utf8_valid_prefix(b, bl);
            kl = kvrt_utf8_valid_prefix(k, kl);
        }
        check_text_round_trip(&p, &out, b, bl, k, kl, v, vl);
    }
    kvrt_evparser_fini(&p);
    kvrt_buf_fini(&out);
}

Test(canon, json_round_trip_single_bytes)
{
    kvrt_evparser p;
    kvrt_buf out;
    kvrt_evparser_init(&p);
    kvrt_buf_init(&out);
    for (int c = 0; c < 256; c++) {
        uint8_t s[3] = { (uint8_t)c, (uint8_t)c, 'x' };
        for (size_t n = 1; n <= 3; n++) {
            check_json_round_trip(&p, &out, (const uint8_t *)"b", 1, (const uint8_t *)"k", 1,
                                  s, n);
            if (c < 0x80)
                check_json_round_trip(&p, &out, s, n, s, n, s, n);
        }
    }
    kvrt_evparser_fini(&p);
    kvrt_buf_fini(&out);
}

Test(canon, json_round_trip_random)
{
    uint64_t state = 0x13198a2e03707344u;
    uint8_t b[64], k[64], v[256];
    kvrt_evparser p;
    kvrt_buf out;
    kvrt_evparser_init(&p);
    kvrt_buf_init(&out);
    for (int round = 0; round < 30000; round++) {
        size_t bl = make_random_utf8(&state, b, sizeof b);
        size_t kl = make_random_utf8(&state, k, sizeof k);
        size_t vl = round % 2 ? make_random_utf8(&state, v, sizeof v)
                              : make_random_bytes(&state, v, sizeof v);
        check_json_round_trip(&p, &out, b, bl, k, kl, v, vl);
    }
    kvrt_evparser_fini(&p);
    kvrt_buf_fini(&out);
}

/* The JSON writer's output is what jansson reads: key order, no spaces. */
Test(canon, json_output_shape)
{
    kvrt_buf out;
    kvrt_buf_init(&out);
    cr_assert_eq(kvrt_canon_set_json(&out, (const uint8_t *)"a b", 3, (const uint8_t *)"k", 1,
                                     (const uint8_t *)"\xff", 1), 0);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)out.data, out.len, JSON_ALLOW_NUL, &jerr);
    cr_assert_not_null(root, "%s", jerr.text);
    const char *want[] = { "op", "bucket", "key", "value_b64" };
    size_t i = 0;
    const char *name;
    json_t *val;
    json_object_foreach(root, name, val) {
        cr_assert(i < 4);
        cr_expect_str_eq(name, want[i]);
        cr_expect(json_is_string(val));
        i++;
    }
    cr_expect_eq(i, 4);
    json_decref(root);
    kvrt_buf_fini(&out);
}

/* Canonical lines print back to themselves after a parse. */
Test(canon, canonical_lines_are_fixed_points)
{
    static const char *lines[] = {
        "set b k v", "set \"\" \"\" \"\"", "set \"a b\" \"\\\"\" \" x \"", "delete b k",
        "set caf\xc3\xa9 k \"\\xff\\0\\xab\"", "set b k {\"json\": \"text\"}",
        "delete \"\\t\" \"\\x7f\"", "set b k a\"b\\c",
    };
    kvrt_evparser p;
    kvrt_buf out;
    kvrt_evparser_init(&p);
    kvrt_buf_init(&out);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        kvrt_event ev;
        kvrt_everr err;
        size_t n = strlen(lines[i]);
        cr_assert_eq(kvrt_evline_parse(&p, (const uint8_t *)lines[i], n, &ev, &err),
                     KVRT_LINE_EVENT, "case %zu", i);
        kvrt_buf_truncate(&out, 0);
        if (ev.op == KVRT_EV_SET)
            kvrt_canon_set_text(&out, ev.bucket, ev.bucket_len, ev.key, ev.key_len,
                                ev.value, ev.value_len);
        else
            kvrt_canon_delete_text(&out, ev.bucket, ev.bucket_len, ev.key, ev.key_len);
        cr_expect(out.len == n + 1 && memcmp(out.data, lines[i], n) == 0,
                  "case %zu: got [%.*s]", i, (int)out.len, (const char *)out.data);
    }
    kvrt_evparser_fini(&p);
    kvrt_buf_fini(&out);
}
