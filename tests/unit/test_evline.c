/*
 * tests/unit/test_evline.c - event-line parser (runtime/evline.c): tables of
 * text and JSON lines with the event or the error (column and message) they
 * must give, skipped lines, where decoded strings live, and scratch growth.
 * Round trips through the canonical printer are in test_canon.c.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evline.h"
#include "utf8.h"

/* A byte string given as a literal, embedded NULs included. */
typedef struct bytes {
    const char *s;
    size_t n;
} bytes;

#define BYTES(lit) { lit, sizeof(lit) - 1 }

typedef struct event_case {
    bytes line;
    kvrt_evop op;
    bytes bucket;
    bytes key;
    bytes value;
} event_case;

typedef struct error_case {
    bytes line;
    size_t col;         /* 0: any column on the line (jansson decides) */
    const char *msg;
    bool prefix;        /* msg is only the start (jansson's own text follows) */
} error_case;

static kvrt_lineres parse_bytes(kvrt_evparser *p, bytes line, kvrt_event *ev,
                                kvrt_everr *err)
{
    /* A copy of exactly n bytes, so ASan catches any read past the line. */
    uint8_t *copy = malloc(line.n ? line.n : 1);
    cr_assert_not_null(copy);
    memcpy(copy, line.s, line.n);
    kvrt_lineres r = kvrt_evline_parse(p, copy, line.n, ev, err);
    if (r == KVRT_LINE_EVENT) {
        /* Decoded strings may point into the line: copy them out before
         * freeing it. Leaked on purpose until the next call (tests only). */
        static uint8_t held[3][70000];
        cr_assert(ev->bucket_len <= sizeof held[0] && ev->key_len <= sizeof held[1] &&
                  ev->value_len <= sizeof held[2]);
        cr_assert(ev->bucket != NULL && ev->key != NULL && ev->value != NULL);
        memcpy(held[0], ev->bucket, ev->bucket_len);
        memcpy(held[1], ev->key, ev->key_len);
        memcpy(held[2], ev->value, ev->value_len);
        ev->bucket = held[0];
        ev->key = held[1];
        ev->value = held[2];
    }
    free(copy);
    return r;
}

static void expect_bytes(const uint8_t *got, size_t got_len, bytes want,
                         const char *what, size_t i)
{
    cr_expect(got_len == want.n && memcmp(got, want.s, want.n) == 0,
              "case %zu: %s is %zu bytes [%.*s], want %zu bytes [%.*s]", i, what,
              got_len, (int)got_len, (const char *)got, want.n, (int)want.n, want.s);
}

static void run_event_cases(const event_case *cases, size_t count)
{
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    for (size_t i = 0; i < count; i++) {
        const event_case *c = &cases[i];
        kvrt_event ev;
        kvrt_everr err = { 0, "" };
        kvrt_lineres r = parse_bytes(&p, c->line, &ev, &err);
        cr_expect_eq(r, KVRT_LINE_EVENT, "case %zu [%.*s]: result %d, col %zu: %s", i,
                     (int)c->line.n, c->line.s, (int)r, err.col, err.msg);
        if (r != KVRT_LINE_EVENT)
            continue;
        cr_expect_eq(ev.op, c->op, "case %zu: op", i);
        expect_bytes(ev.bucket, ev.bucket_len, c->bucket, "bucket", i);
        expect_bytes(ev.key, ev.key_len, c->key, "key", i);
        expect_bytes(ev.value, ev.value_len, c->value, "value", i);
    }
    kvrt_evparser_fini(&p);
}

static void run_error_cases(const error_case *cases, size_t count)
{
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    for (size_t i = 0; i < count; i++) {
        const error_case *c = &cases[i];
        kvrt_event ev;
        kvrt_everr err = { 0, "" };
        kvrt_lineres r = parse_bytes(&p, c->line, &ev, &err);
        cr_expect_eq(r, KVRT_LINE_ERROR, "case %zu [%.*s]: result %d", i,
                     (int)c->line.n, c->line.s, (int)r);
        if (r != KVRT_LINE_ERROR)
            continue;
        cr_expect(c->col == 0 || err.col == c->col, "case %zu [%.*s]: col %zu, want %zu (%s)", i,
                     (int)c->line.n, c->line.s, err.col, c->col, err.msg);
        size_t want = strlen(c->msg);
        bool same = c->prefix ? strncmp(err.msg, c->msg, want) == 0
                              : strcmp(err.msg, c->msg) == 0;
        cr_expect(same, "case %zu [%.*s]: msg \"%s\", want \"%s\"", i,
                  (int)c->line.n, c->line.s, err.msg, c->msg);
    }
    kvrt_evparser_fini(&p);
}

/* ---- text ----------------------------------------------------------------- */

static const event_case text_events[] = {
    { BYTES("set b k v"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("set b k"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("set b k "), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("set b k \t "), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("set users u42   hello  world  "), KVRT_EV_SET, BYTES("users"), BYTES("u42"),
      BYTES("hello  world  ") },
    { BYTES("set\tb\t\tk\t v\t"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v\t") },
    { BYTES("  \tset b k v"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("set b k v\r"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("set b k v\r\r"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v\r") },
    { BYTES("set b k\r"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("delete b k"), KVRT_EV_DELETE, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("delete b k \t"), KVRT_EV_DELETE, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("delete b k\r"), KVRT_EV_DELETE, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES(" delete \"\" \"\""), KVRT_EV_DELETE, BYTES(""), BYTES(""), BYTES("") },
    /* raw values: everything to the end of the line, literally */
    { BYTES("set b k a\x01\xff\x7f b "), KVRT_EV_SET, BYTES("b"), BYTES("k"),
      BYTES("a\x01\xff\x7f b ") },
    { BYTES("set b k a\0b"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("a\0b") },
    { BYTES("set b k #not a comment"), KVRT_EV_SET, BYTES("b"), BYTES("k"),
      BYTES("#not a comment") },
    { BYTES("set b k {\"a\":1}"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("{\"a\":1}") },
    { BYTES("set b k a\"b\""), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("a\"b\"") },
    { BYTES("set b k a\\nb\\"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("a\\nb\\") },
    { BYTES("set b k caf\xc3\xa9 \xe2\x82\xac"), KVRT_EV_SET, BYTES("b"), BYTES("k"),
      BYTES("caf\xc3\xa9 \xe2\x82\xac") },
    /* quoted values */
    { BYTES("set b k \"\""), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("set b k \"  \""), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("  ") },
    { BYTES("set b k \"v\" \t "), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("set b k \"v\"\r"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("set b k \"\\\\ \\\" \\n \\r \\t \\0 \\x41\\xfF\\xAb\""), KVRT_EV_SET,
      BYTES("b"), BYTES("k"), BYTES("\\ \" \n \r \t \0 A\xff\xab") },
    { BYTES("set b k \"\\xff\\x00\""), KVRT_EV_SET, BYTES("b"), BYTES("k"),
      BYTES("\xff\0") },
    { BYTES("set b k \"a\tb\x01\x7f\xff #{\""), KVRT_EV_SET, BYTES("b"), BYTES("k"),
      BYTES("a\tb\x01\x7f\xff #{") },
    /* quoted and unusual bare buckets and keys */
    { BYTES("set \"a b\" \"k\\\"q\" x"), KVRT_EV_SET, BYTES("a b"), BYTES("k\"q"), BYTES("x") },
    { BYTES("set \"\" \"\" \"\""), KVRT_EV_SET, BYTES(""), BYTES(""), BYTES("") },
    { BYTES("set \"\\0\" \"\\t\\r\\n\" v"), KVRT_EV_SET, BYTES("\0"), BYTES("\t\r\n"),
      BYTES("v") },
    { BYTES("set \"a\x01\" k"), KVRT_EV_SET, BYTES("a\x01"), BYTES("k"), BYTES("") },
    { BYTES("set \"\\xc3\\xa9\" \"\\xE2\\x82\\xAC\" v"), KVRT_EV_SET, BYTES("\xc3\xa9"),
      BYTES("\xe2\x82\xac"), BYTES("v") },
    { BYTES("set \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80 v"), KVRT_EV_SET,
      BYTES("\xc3\xa9t\xc3\xa9"), BYTES("\xf0\x9f\x98\x80"), BYTES("v") },
    { BYTES("set a\\b # {x} v"), KVRT_EV_SET, BYTES("a\\b"), BYTES("#"), BYTES("{x} v") },
    { BYTES("set set delete set"), KVRT_EV_SET, BYTES("set"), BYTES("delete"), BYTES("set") },
    { BYTES("set \"b\"\t\"k\"\t\"v\""), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("delete \"b\" \"k\"  "), KVRT_EV_DELETE, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("set b k \"v\r\""), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v\r") },
};

Test(evline, text_events)
{
    run_event_cases(text_events, sizeof text_events / sizeof text_events[0]);
}

static const error_case text_errors[] = {
    { BYTES("foo b k"), 1, "expected \"set\" or \"delete\"", false },
    { BYTES("  sett b k"), 3, "expected \"set\" or \"delete\"", false },
    { BYTES("SET b k v"), 1, "expected \"set\" or \"delete\"", false },
    { BYTES("set\"b\" k v"), 1, "expected \"set\" or \"delete\"", false },
    { BYTES("set\x01 b k"), 1, "expected \"set\" or \"delete\"", false },
    { BYTES("\r\r"), 1, "expected \"set\" or \"delete\"", false },
    { BYTES("\x0c"), 1, "expected \"set\" or \"delete\"", false },
    { BYTES("[1]"), 1, "expected \"set\" or \"delete\"", false },
    { BYTES("set"), 4, "missing bucket", false },
    { BYTES("set "), 5, "missing bucket", false },
    { BYTES("delete\t\t"), 9, "missing bucket", false },
    { BYTES("set\r"), 4, "missing bucket", false },
    { BYTES("set b"), 6, "missing key", false },
    { BYTES("set b   "), 9, "missing key", false },
    { BYTES("delete b"), 9, "missing key", false },
    { BYTES("delete \"b\""), 11, "missing key", false },
    { BYTES("delete b k x"), 12, "unexpected text after key", false },
    { BYTES("delete b k \"\""), 12, "unexpected text after key", false },
    { BYTES("delete \"b\" \"k\" x"), 16, "unexpected text after key", false },
    { BYTES("set b\"c k v"), 6, "unexpected '\"' in bucket", false },
    { BYTES("set b k\" v"), 8, "unexpected '\"' in key", false },
    { BYTES("set b k\x01 v"), 8, "control byte 0x01 in key", false },
    { BYTES("set b\x7f k"), 6, "control byte 0x7f in bucket", false },
    { BYTES("set b\0 k"), 6, "control byte 0x00 in bucket", false },
    { BYTES("delete b k\r\r"), 11, "control byte 0x0d in key", false },
    { BYTES("set \"b k v"), 5, "unterminated quoted string", false },
    { BYTES("set b \"k"), 7, "unterminated quoted string", false },
    { BYTES("set b k \""), 9, "unterminated quoted string", false },
    { BYTES("set b k \"abc\\"), 9, "unterminated quoted string", false },
    { BYTES("set b k \"abc\\\""), 9, "unterminated quoted string", false },
    { BYTES("set b k \"v\\\r"), 9, "unterminated quoted string", false },
    { BYTES("set \"b\\q\" k"), 7, "invalid escape \\q", false },
    { BYTES("set b k \"\\u0041\""), 10, "invalid escape \\u", false },
    { BYTES("set b k \"\\'\""), 10, "invalid escape \\'", false },
    { BYTES("set b k \"\\ \""), 10, "invalid escape: byte 0x20 after backslash", false },
    { BYTES("set \"\\\x01\" k"), 6, "invalid escape: byte 0x01 after backslash", false },
    { BYTES("set \"\\\xc3\xa9\" k"), 6, "invalid escape: byte 0xc3 after backslash", false },
    { BYTES("set b k \"a\\xg0\""), 11, "\\x must be followed by two hex digits", false },
    { BYTES("set b k \"a\\x0g\""), 11, "\\x must be followed by two hex digits", false },
    { BYTES("set b k \"\\x4\""), 10, "\\x must be followed by two hex digits", false },
    { BYTES("set b k \"\\x4"), 10, "\\x must be followed by two hex digits", false },
    { BYTES("set b k \"\\x"), 10, "\\x must be followed by two hex digits", false },
    { BYTES("set \"b\"k v"), 8, "expected blank after quoted bucket", false },
    { BYTES("set b \"k\"v"), 10, "expected blank after quoted key", false },
    { BYTES("set b \"k\"\"v\""), 10, "expected blank after quoted key", false },
    { BYTES("set b k \"v\" x"), 13, "unexpected text after quoted value", false },
    { BYTES("set b k \"v\"x"), 12, "unexpected text after quoted value", false },
    { BYTES("set b k \"v\"\"\"w\" x"), 12, "unexpected text after quoted value", false },
    { BYTES("set b k \"v\"  \"w\""), 14, "unexpected text after quoted value", false },
    /* buckets and keys must be valid UTF-8: column of the first bad byte */
    { BYTES("set \xff k"), 5, "bucket is not valid UTF-8", false },
    { BYTES("set ab\xc3 k"), 7, "bucket is not valid UTF-8", false },
    { BYTES("set ab\xc3\xa9\xed\xa0\x80 k"), 9, "bucket is not valid UTF-8", false },
    { BYTES("delete b \xc0\x80"), 10, "key is not valid UTF-8", false },
    { BYTES("set b \"a\\xff\""), 9, "key is not valid UTF-8", false },
    { BYTES("set b \"\\xed\\xa0\\x80\" v"), 8, "key is not valid UTF-8", false },
    { BYTES("set \"\\n\\x41\xc0\x80\" k"), 12, "bucket is not valid UTF-8", false },
    { BYTES("set \"\\xc3\\xa9\\xc3\" k"), 14, "bucket is not valid UTF-8", false },
    { BYTES("set \"\xf4\x90\x80\x80\" k"), 6, "bucket is not valid UTF-8", false },
};

Test(evline, text_errors)
{
    run_error_cases(text_errors, sizeof text_errors / sizeof text_errors[0]);
}

Test(evline, skipped_lines)
{
    static const bytes skips[] = {
        BYTES(""), BYTES(" "), BYTES("\t"), BYTES("  \t "), BYTES("\r"), BYTES(" \t\r"),
        BYTES("#"), BYTES("# comment"), BYTES("   # indented"), BYTES("\t#x\r"),
        BYTES("#set b k v"), BYTES("#{\"op\":"), BYTES("# \xff\x01"),
    };
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    for (size_t i = 0; i < sizeof skips / sizeof skips[0]; i++) {
        kvrt_event ev;
        kvrt_everr err;
        cr_expect_eq(parse_bytes(&p, skips[i], &ev, &err), KVRT_LINE_SKIP, "case %zu", i);
    }
    kvrt_evparser_fini(&p);
}

/* ---- JSON ----------------------------------------------------------------- */

static const event_case json_events[] = {
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"v\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("  { \"op\" : \"set\" ,\t\"bucket\":\"b\", \"key\":\"k\", \"value\":\"v\" }  "),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"v\"}\r"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}"),
      KVRT_EV_DELETE, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("{\"key\":\"k\",\"value\":\"v\",\"bucket\":\"b\",\"op\":\"set\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"\",\"key\":\"\",\"value\":\"\"}"),
      KVRT_EV_SET, BYTES(""), BYTES(""), BYTES("") },
    /* unknown fields, of any type, are ignored */
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"v\",\"x\":[1,{\"y\":null}],"
            "\"n\":123456789012345678901234567890,\"t\":true,\"f\":-1.5e3}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    /* a delete ignores value fields like any other unknown field */
    { BYTES("{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\",\"value\":1,\"value_b64\":\"!\"}"),
      KVRT_EV_DELETE, BYTES("b"), BYTES("k"), BYTES("") },
    /* escapes */
    { BYTES("{\"op\":\"set\",\"bucket\":\"\\u00e9\",\"key\":\"\\ud83d\\ude00\","
            "\"value\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\"}"),
      KVRT_EV_SET, BYTES("\xc3\xa9"), BYTES("\xf0\x9f\x98\x80"),
      BYTES("\"\\/\b\f\n\r\t\0\x1f") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"a\\u0000b\",\"key\":\"\\u0000\",\"value\":\"\\u0000\"}"),
      KVRT_EV_SET, BYTES("a\0b"), BYTES("\0"), BYTES("\0") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"caf\xc3\xa9\",\"key\":\"\xe2\x82\xac\","
            "\"value\":\"\xf4\x8f\xbf\xbf \x7f\"}"),
      KVRT_EV_SET, BYTES("caf\xc3\xa9"), BYTES("\xe2\x82\xac"), BYTES("\xf4\x8f\xbf\xbf \x7f") },
    /* value_b64 */
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"AAEC/w==\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("\0\x01\x02\xff") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"YQ==\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("a") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"YWI=\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("ab") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"YWJj\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("abc") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"+/+/aGVsbG8gd29ybGQ=\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("\xfb\xff\xbfhello world") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"\\u0059\\u0051==\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("a") },
    /* nonzero bits below the last byte are ignored, as most decoders do */
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"YR==\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("a") },
};

Test(evline, json_events)
{
    run_event_cases(json_events, sizeof json_events / sizeof json_events[0]);
}

static const error_case json_errors[] = {
    /* syntax errors: jansson's text, at jansson's byte position, except that
     * a line ending too early points one past its end and an error inside a
     * string token points at its opening quote */
    { BYTES("{"), 2, "invalid JSON: ", true },
    { BYTES("{\"op\":}"), 7, "invalid JSON: ", true },
    { BYTES("{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"} x"), 40, "invalid JSON: ", true },
    { BYTES("{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}{}"), 39, "invalid JSON: ", true },
    { BYTES("{\"op\":\"set\",\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\"}"), 13,
      "invalid JSON: duplicate object key", true },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\""), 35, "invalid JSON: ", true },
    { BYTES("{'op':'set'}"), 2, "invalid JSON: ", true },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",}"), 36, "invalid JSON: ", true },
    /* lone surrogates, raw invalid UTF-8, raw controls in strings */
    { BYTES("{\"op\":\"set\",\"bucket\":\"\\ud800\",\"key\":\"k\"}"), 22, "invalid JSON: ", true },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"\\udc00\"}"), 32, "invalid JSON: ", true },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"\\ud800\\u0041\"}"), 0,
      "invalid JSON: ", true },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"x\\ud83d\"}"), 0,
      "invalid JSON: ", true },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"unknown\":\"\\udfff\"}"), 0,
      "invalid JSON: ", true },
    { BYTES("{\"op\":\"set\",\"bucket\":\"\xff\",\"key\":\"k\"}"), 0, "invalid JSON: ", true },
    { BYTES("{\"op\":\"set\",\"bucket\":\"\xed\xa0\x80\",\"key\":\"k\"}"), 0,
      "invalid JSON: ", true },
    { BYTES("{\"op\":\"set\",\"bucket\":\"a\tb\",\"key\":\"k\"}"), 0, "invalid JSON: ", true },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"\\q\"}"), 0,
      "invalid JSON: ", true },
    /* well-formed JSON that is not an event: column of the `{` */
    { BYTES("{}"), 1, "missing \"op\"", false },
    { BYTES("   {}"), 4, "missing \"op\"", false },
    { BYTES("{\"op\":1,\"bucket\":\"b\",\"key\":\"k\"}"), 1, "\"op\" is not a string", false },
    { BYTES("{\"op\":\"SET\",\"bucket\":\"b\",\"key\":\"k\"}"), 1,
      "\"op\" must be \"set\" or \"delete\"", false },
    { BYTES("{\"op\":\"set\\u0000\",\"bucket\":\"b\",\"key\":\"k\"}"), 1,
      "\"op\" must be \"set\" or \"delete\"", false },
    { BYTES("{\"op\":\"set\",\"key\":\"k\"}"), 1, "missing \"bucket\"", false },
    { BYTES("{\"op\":\"set\",\"bucket\":[],\"key\":\"k\"}"), 1, "\"bucket\" is not a string", false },
    { BYTES("{\"op\":\"delete\",\"bucket\":\"b\"}"), 1, "missing \"key\"", false },
    { BYTES("{\"op\":\"delete\",\"bucket\":\"b\",\"key\":null}"), 1, "\"key\" is not a string", false },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":5}"), 1,
      "\"value\" is not a string", false },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":null}"), 1,
      "\"value\" is not a string", false },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":true}"), 1,
      "\"value_b64\" is not a string", false },
    { BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"\",\"value_b64\":\"\"}"), 1,
      "both \"value\" and \"value_b64\" given", false },
};

Test(evline, json_errors)
{
    run_error_cases(json_errors, sizeof json_errors / sizeof json_errors[0]);
}

Test(evline, bad_base64)
{
    static const char *bad[] = {
        "YQ", "YQ=", "Y", "YWJjZ", "Y===", "====", "A===", "YQ==YQ==", "YQ==\\n",
        "Y Q==", " YQ==", "YQ== ", "Y-_=", "YW\\u00e9=", "A=BC", "AB=C", "YQ=\\u0000",
        "\\u0000\\u0000\\u0000\\u0000", "YWJj=",
    };
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[200];
        int n = snprintf(line, sizeof line,
                         "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"%s\"}",
                         bad[i]);
        bytes b = { line, (size_t)n };
        kvrt_event ev;
        kvrt_everr err = { 0, "" };
        cr_expect_eq(parse_bytes(&p, b, &ev, &err), KVRT_LINE_ERROR, "case %zu", i);
        cr_expect_str_eq(err.msg, "\"value_b64\" is not valid padded base64", "case %zu", i);
        cr_expect_eq(err.col, 1, "case %zu", i);
    }
    kvrt_evparser_fini(&p);
}

/* Cases above with col 0 only check that the column lies on the line. */
Test(evline, json_error_columns_in_range)
{
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    for (size_t i = 0; i < sizeof json_errors / sizeof json_errors[0]; i++) {
        kvrt_event ev;
        kvrt_everr err;
        if (parse_bytes(&p, json_errors[i].line, &ev, &err) != KVRT_LINE_ERROR)
            continue;
        cr_expect(err.col >= 1 && err.col <= json_errors[i].line.n + 1, "case %zu", i);
    }
    kvrt_evparser_fini(&p);
}

/* ---- where decoded strings live ------------------------------------------ */

Test(evline, bare_tokens_and_raw_values_point_into_the_line)
{
    static const uint8_t line[] = "set bucket key some value ";
    kvrt_evparser p;
    kvrt_event ev;
    kvrt_everr err;

    kvrt_evparser_init(&p);
    cr_assert_eq(kvrt_evline_parse(&p, line, sizeof line - 1, &ev, &err), KVRT_LINE_EVENT);
    cr_expect_eq(ev.bucket, line + 4);
    cr_expect_eq(ev.key, line + 11);
    cr_expect_eq(ev.value, line + 15);
    cr_expect_eq(ev.value_len, 11);
    cr_expect_eq(p.scratch.cap, 0, "no allocation for a line without quotes");
    kvrt_evparser_fini(&p);
}

Test(evline, quoted_tokens_live_in_scratch)
{
    static const uint8_t line[] = "set \"a\\tb\" \"k\" \"v\\n\"";
    kvrt_evparser p;
    kvrt_event ev;
    kvrt_everr err;

    kvrt_evparser_init(&p);
    cr_assert_eq(kvrt_evline_parse(&p, line, sizeof line - 1, &ev, &err), KVRT_LINE_EVENT);
    const uint8_t *lo = p.scratch.data;
    const uint8_t *hi = p.scratch.data + p.scratch.len;
    cr_expect(ev.bucket >= lo && ev.bucket + ev.bucket_len <= hi);
    cr_expect(ev.key >= lo && ev.key + ev.key_len <= hi);
    cr_expect(ev.value >= lo && ev.value + ev.value_len <= hi);
    cr_expect(memcmp(ev.bucket, "a\tb", 3) == 0 && ev.bucket_len == 3);
    cr_expect(memcmp(ev.key, "k", 1) == 0 && ev.key_len == 1);
    cr_expect(memcmp(ev.value, "v\n", 2) == 0 && ev.value_len == 2);
    kvrt_evparser_fini(&p);
}

/* Long JSON strings make scratch grow between bucket, key and value. */
Test(evline, json_strings_survive_scratch_growth)
{
    size_t sizes[] = { 1, 63, 64, 65, 200, 1000, 5000, 30000 };
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++) {
        size_t n = sizes[a];
        size_t cap = 5 * n + 200;
        char *line = malloc(cap);
        cr_assert_not_null(line);
        size_t len = 0;
        len += (size_t)sprintf(line + len, "{\"op\":\"set\",\"bucket\":\"");
        memset(line + len, 'b', n);
        len += n;
        len += (size_t)sprintf(line + len, "\",\"key\":\"");
        memset(line + len, 'k', 2 * n);
        len += 2 * n;
        len += (size_t)sprintf(line + len, "\",\"value_b64\":\"");
        memset(line + len, '/', 4 * (n / 4 + 1) - 4);
        len += 4 * (n / 4 + 1) - 4;
        len += (size_t)sprintf(line + len, "\"}");
        cr_assert(len < cap);
        /* reset scratch so it must grow again from nothing */
        kvrt_evparser_fini(&p);
        kvrt_evparser_init(&p);
        kvrt_event ev;
        kvrt_everr err;
        kvrt_lineres r = kvrt_evline_parse(&p, (const uint8_t *)line, len, &ev, &err);
        free(line);
        cr_assert_eq(r, KVRT_LINE_EVENT, "n=%zu: %s", n, err.msg);
        cr_assert_eq(ev.bucket_len, n);
        cr_assert_eq(ev.key_len, 2 * n);
        cr_assert_eq(ev.value_len, (4 * (n / 4 + 1) - 4) / 4 * 3);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(ev.bucket[i], 'b');
        for (size_t i = 0; i < 2 * n; i++)
            cr_assert_eq(ev.key[i], 'k');
        for (size_t i = 0; i < ev.value_len; i++)
            cr_assert_eq(ev.value[i], 0xff);
    }
    kvrt_evparser_fini(&p);
}

Test(evline, quoted_strings_survive_scratch_growth)
{
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    for (size_t n = 0; n < 3000; n += 37) {
        char *line = malloc(8 * n + 40);
        cr_assert_not_null(line);
        size_t len = (size_t)sprintf(line, "set \"");
        for (size_t i = 0; i < n; i++)
            len += (size_t)sprintf(line + len, "\\x%02x", (unsigned)(0x20 + i % 90));
        len += (size_t)sprintf(line + len, "\" \"");
        memset(line + len, 'k', n);
        len += n;
        len += (size_t)sprintf(line + len, "\" \"");
        memset(line + len, 'v', 2 * n);
        len += 2 * n;
        line[len++] = '"';
        kvrt_event ev;
        kvrt_everr err;
        kvrt_lineres r = kvrt_evline_parse(&p, (const uint8_t *)line, len, &ev, &err);
        cr_assert_eq(r, KVRT_LINE_EVENT, "n=%zu: col %zu %s", n, err.col, err.msg);
        cr_assert_eq(ev.bucket_len, n);
        cr_assert_eq(ev.key_len, n);
        cr_assert_eq(ev.value_len, 2 * n);
        for (size_t i = 0; i < n; i++) {
            cr_assert_eq(ev.bucket[i], 0x20 + i % 90);
            cr_assert_eq(ev.key[i], 'k');
        }
        for (size_t i = 0; i < 2 * n; i++)
            cr_assert_eq(ev.value[i], 'v');
        free(line);
    }
    kvrt_evparser_fini(&p);
}

/* Once scratch has grown to the longest line, parsing does not allocate. */
Test(evline, scratch_stops_growing)
{
    static const char *lines[] = {
        "set \"a b c d e f g h i j k l m n o p q r s t u v w x y z\" k \"0123456789\"",
        "set \"x\" \"y\" \"z\"",
        "delete \"b\" \"k\"",
        "set b k v",
        "set \"\\xc3\\xa9\" \"\" \"\\x00\"",
    };
    kvrt_evparser p;
    kvrt_event ev;
    kvrt_everr err;

    kvrt_evparser_init(&p);
    const uint8_t *first = (const uint8_t *)lines[0];
    cr_assert_eq(kvrt_evline_parse(&p, first, strlen(lines[0]), &ev, &err), KVRT_LINE_EVENT);
    const uint8_t *data = p.scratch.data;
    size_t cap = p.scratch.cap;
    for (int round = 0; round < 1000; round++) {
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
            const uint8_t *l = (const uint8_t *)lines[i];
            cr_assert_eq(kvrt_evline_parse(&p, l, strlen(lines[i]), &ev, &err),
                         KVRT_LINE_EVENT, "%s", err.msg);
        }
    }
    cr_expect_eq(p.scratch.data, data);
    cr_expect_eq(p.scratch.cap, cap);
    kvrt_evparser_fini(&p);
}

/* Every prefix of some tricky lines: never reads past the line (ASan), and
 * every error column lies within the line or just past it. */
Test(evline, prefixes_stay_in_bounds)
{
    static const bytes lines[] = {
        BYTES("set \"a\\x41\\\"b\" \"k\\\\\" \"v\\x4f\\n\"  "),
        BYTES("  delete \"\\xc3\\xa9\" \xc3\xa9\r"),
        BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"YWJj\"}"),
        BYTES("set b k \"\\x"),
    };
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        for (size_t n = 0; n <= lines[i].n; n++) {
            bytes b = { lines[i].s, n };
            kvrt_event ev;
            kvrt_everr err;
            kvrt_lineres r = parse_bytes(&p, b, &ev, &err);
            if (r == KVRT_LINE_ERROR)
                cr_expect(err.col >= 1 && err.col <= n + 1, "line %zu, prefix %zu: col %zu",
                          i, n, err.col);
        }
    }
    kvrt_evparser_fini(&p);
}

/* xorshift64: fixed seed, same lines on every run. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* Random lines built from the parser's special bytes: no crash, no read past
 * the line (ASan), columns within the line, events hold valid UTF-8 names. */
Test(evline, random_lines)
{
    static const char *const pieces[] = {
        "set ", "delete ", " ", "\t", "\"", "\\", "\\x", "\\x4", "\\xff", "\\n", "\\q",
        "#", "{", "}", "a", "\r", "\0", "\x7f", "\xc3\xa9", "\xc3", "\xff",
        "{\"op\":\"set\",", "\"bucket\":\"b\",", "\"key\":", "\"value_b64\":\"YQ==\"",
    };
    size_t count = sizeof pieces / sizeof pieces[0];
    uint64_t state = 0xa4093822299f31d0u;
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    for (int round = 0; round < 100000; round++) {
        char buf[256];
        size_t n = 0;
        size_t want = next_random(&state) % 200;
        while (n < want) {
            size_t pick = next_random(&state) % count;
            size_t plen = pieces[pick][0] == 0 ? 1 : strlen(pieces[pick]);
            memcpy(buf + n, pieces[pick], plen);
            n += plen;
        }
        bytes line = { buf, n };
        kvrt_event ev;
        kvrt_everr err;
        kvrt_lineres r = parse_bytes(&p, line, &ev, &err);
        if (r == KVRT_LINE_ERROR)
            cr_assert(err.col >= 1 && err.col <= n + 1, "round %d: col %zu", round, err.col);
        if (r == KVRT_LINE_EVENT) {
            cr_assert(ev.op == KVRT_EV_SET || ev.op == KVRT_EV_DELETE);
            cr_assert(kvrt_utf8_valid(ev.bucket, ev.bucket_len));
            cr_assert(kvrt_utf8_valid(ev.key, ev.key_len));
        }
    }
    kvrt_evparser_fini(&p);
}
