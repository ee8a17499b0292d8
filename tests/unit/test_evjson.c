/*
 * tests/unit/test_evjson.c - the JSON fast path of runtime/evline.c against
 * its jansson path: lines the fast path must take (and the event both give),
 * lines it must leave to jansson, scratch reuse, and a differential run over
 * mutated and random JSON lines where kvrt_evline_parse must give exactly
 * what the jansson path alone gives (event bytes, or error column and text).
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evjson_fast.h"
#include "evline.h"

/* A byte string given as a literal, embedded NULs included. */
typedef struct bytes {
    const char *s;
    size_t n;
} bytes;

#define BYTES(lit) { lit, sizeof(lit) - 1 }

typedef struct fast_case {
    bytes line;
    kvrt_evop op;
    bytes bucket;
    bytes key;
    bytes value;
} fast_case;

/* Outcome of one parse, copied out of the parser and the line. */
typedef struct outcome {
    kvrt_lineres res;
    kvrt_evop op;
    uint8_t *bucket, *key, *value;
    size_t bucket_len, key_len, value_len;
    size_t col;
    char msg[sizeof ((kvrt_everr *)0)->msg];
} outcome;

typedef kvrt_lineres (*parse_fn)(kvrt_evparser *p, const uint8_t *line, size_t len,
                                 kvrt_event *out, kvrt_everr *err);

static uint8_t *dup_bytes(const uint8_t *s, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    cr_assert_not_null(d);
    memcpy(d, s, n);
    return d;
}

static void take_event(outcome *o, const kvrt_event *ev)
{
    o->op = ev->op;
    cr_assert(ev->bucket != NULL && ev->key != NULL && ev->value != NULL);
    o->bucket = dup_bytes(ev->bucket, ev->bucket_len);
    o->bucket_len = ev->bucket_len;
    o->key = dup_bytes(ev->key, ev->key_len);
    o->key_len = ev->key_len;
    o->value = dup_bytes(ev->value, ev->value_len);
    o->value_len = ev->value_len;
}

/* Parse a copy of exactly n bytes (ASan catches any read past it). */
static void run_parse(parse_fn fn, kvrt_evparser *p, const char *s, size_t n, outcome *o)
{
    memset(o, 0, sizeof *o);
    uint8_t *line = dup_bytes((const uint8_t *)s, n);
    kvrt_event ev;
    kvrt_everr err = { 0, "" };
    o->res = fn(p, line, n, &ev, &err);
    if (o->res == KVRT_LINE_EVENT)
        take_event(o, &ev);
    if (o->res == KVRT_LINE_ERROR) {
        o->col = err.col;
        memcpy(o->msg, err.msg, sizeof o->msg);
    }
    free(line);
}

/* The fast path alone; o->res is KVRT_LINE_EVENT when it took the line. */
static bool run_fast(kvrt_evparser *p, const char *s, size_t n, outcome *o)
{
    memset(o, 0, sizeof *o);
    uint8_t *line = dup_bytes((const uint8_t *)s, n);
    kvrt_event ev;
    bool took = kvrt_evline_json_fast(p, line, n, &ev);
    o->res = took ? KVRT_LINE_EVENT : KVRT_LINE_ERROR;
    if (took)
        take_event(o, &ev);
    free(line);
    return took;
}

static void free_outcome(outcome *o)
{
    free(o->bucket);
    free(o->key);
    free(o->value);
}

static bool same_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

static bool same_outcome(const outcome *a, const outcome *b)
{
    if (a->res != b->res)
        return false;
    if (a->res == KVRT_LINE_ERROR)
        return a->col == b->col && strcmp(a->msg, b->msg) == 0;
    if (a->res == KVRT_LINE_SKIP)
        return true;
    return a->op == b->op && same_bytes(a->bucket, a->bucket_len, b->bucket, b->bucket_len) &&
           same_bytes(a->key, a->key_len, b->key, b->key_len) &&
           same_bytes(a->value, a->value_len, b->value, b->value_len);
}

static void describe(const outcome *o, char *buf, size_t size)
{
    if (o->res == KVRT_LINE_EVENT)
        snprintf(buf, size, "event op %d bucket %zu [%.*s] key %zu [%.*s] value %zu [%.*s]",
                 (int)o->op, o->bucket_len, (int)o->bucket_len, (const char *)o->bucket,
                 o->key_len, (int)o->key_len, (const char *)o->key, o->value_len,
                 (int)o->value_len, (const char *)o->value);
    else if (o->res == KVRT_LINE_ERROR)
        snprintf(buf, size, "error col %zu: %s", o->col, o->msg);
    else
        snprintf(buf, size, "skip");
}

/* ---- lines the fast path takes ------------------------------------------- */

#define SET_BK "\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\""

static const fast_case fast_lines[] = {
    /* the common shape, in any member order */
    { BYTES("{\"op\":\"set\",\"bucket\":\"b1\",\"key\":\"k123\",\"value\":\"value-123\"}"),
      KVRT_EV_SET, BYTES("b1"), BYTES("k123"), BYTES("value-123") },
    { BYTES("{\"value\":\"v\",\"key\":\"k\",\"bucket\":\"b\",\"op\":\"set\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}"),
      KVRT_EV_DELETE, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("{\"key\":\"k\",\"op\":\"delete\",\"bucket\":\"b\"}"),
      KVRT_EV_DELETE, BYTES("b"), BYTES("k"), BYTES("") },
    /* set without a value; empty strings */
    { BYTES("{" SET_BK "}"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"\",\"key\":\"\",\"value\":\"\"}"),
      KVRT_EV_SET, BYTES(""), BYTES(""), BYTES("") },
    /* whitespace: blanks before the `{`, JSON whitespace between tokens and
     * after the `}`, a trailing \r dropped and one more taken as whitespace */
    { BYTES(" \t{ \"op\" : \"set\" ,\t\"bucket\"\t:\"b\" , \"key\":\"k\" ,\"value\" :\"v\" } \t"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("{\n\"op\":\r\"set\",\n\"bucket\":\"b\",\"key\":\"k\"\r\n}\n"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("{" SET_BK ",\"value\":\"v\"}\r"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("{" SET_BK ",\"value\":\"v\"}\r\r"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    /* simple escapes */
    { BYTES("{" SET_BK ",\"value\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("\"\\/\b\f\n\r\t") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"a\\\"b\",\"key\":\"c\\\\d\",\"value\":\"\\/\"}"),
      KVRT_EV_SET, BYTES("a\"b"), BYTES("c\\d"), BYTES("/") },
    /* \u escapes: 1, 2 and 3 UTF-8 bytes, both cases of hex, NUL */
    { BYTES("{\"op\":\"set\",\"bucket\":\"\\u0041\\u00e9\\u00E9\",\"key\":\"\\u20ac\\uFFFF\","
            "\"value\":\"\\u0000\\u001f\\u007F\\u0080\\u07ff\\u0800\"}"),
      KVRT_EV_SET, BYTES("A\xc3\xa9\xc3\xa9"), BYTES("\xe2\x82\xac\xef\xbf\xbf"),
      BYTES("\0\x1f\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80") },
    { BYTES("{\"op\":\"set\",\"bucket\":\"a\\u0000b\",\"key\":\"\\u0000\",\"value\":\"\\u0000\"}"),
      KVRT_EV_SET, BYTES("a\0b"), BYTES("\0"), BYTES("\0") },
    /* surrogate pairs: 4 UTF-8 bytes, first and last of the range */
    { BYTES("{\"op\":\"set\",\"bucket\":\"\\ud83d\\ude00\",\"key\":\"\\uD800\\uDC00\","
            "\"value\":\"x\\udbff\\udfffy\"}"),
      KVRT_EV_SET, BYTES("\xf0\x9f\x98\x80"), BYTES("\xf0\x90\x80\x80"),
      BYTES("x\xf4\x8f\xbf\xbfy") },
    /* raw UTF-8 of every length, 0x7f raw */
    { BYTES("{\"op\":\"set\",\"bucket\":\"caf\xc3\xa9\",\"key\":\"\xe2\x82\xac\","
            "\"value\":\"\xf4\x8f\xbf\xbf \x7f \xf0\x9f\x98\x80\"}"),
      KVRT_EV_SET, BYTES("caf\xc3\xa9"), BYTES("\xe2\x82\xac"),
      BYTES("\xf4\x8f\xbf\xbf \x7f \xf0\x9f\x98\x80") },
    /* value_b64: every padding, in-place decoding, escapes in the base64 */
    { BYTES("{" SET_BK ",\"value_b64\":\"AAEC/w==\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("\0\x01\x02\xff") },
    { BYTES("{" SET_BK ",\"value_b64\":\"\"}"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    { BYTES("{" SET_BK ",\"value_b64\":\"YQ==\"}"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("a") },
    { BYTES("{" SET_BK ",\"value_b64\":\"YWI=\"}"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("ab") },
    { BYTES("{" SET_BK ",\"value_b64\":\"YWJj\"}"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("abc") },
    { BYTES("{" SET_BK ",\"value_b64\":\"YR==\"}"), KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("a") },
    { BYTES("{\"value_b64\":\"+/+/aGVsbG8gd29ybGQ=\"," SET_BK "}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("\xfb\xff\xbfhello world") },
    { BYTES("{" SET_BK ",\"value_b64\":\"\\u0059\\u0051\\u003d=\"}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("a") },
    { BYTES("{" SET_BK ",\"value_b64\":\"Y\\/==\"}"), KVRT_EV_SET, BYTES("b"), BYTES("k"),
      BYTES("c") },
    /* a delete ignores string value fields, even bad base64 or both */
    { BYTES("{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"v\",\"value_b64\":\"!\"}"),
      KVRT_EV_DELETE, BYTES("b"), BYTES("k"), BYTES("") },
    /* unknown members: strings (checked, dropped), numbers, literals */
    { BYTES("{" SET_BK ",\"value\":\"v\",\"ts\":\"2024-01-01\\n\\u00e9\\ud83d\\ude00\xc3\xa9\","
            "\"n\":0,\"m\":-0,\"i\":1234567890,\"f\":-1.25,\"z\":0.5}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("{" SET_BK ",\"value\":\"v\",\"t\":true,\"u\":false,\"nil\":null,"
            "\"big\":-1234567890123456789012345678901234567.5}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("v") },
    { BYTES("{\"t\" : true ,\"f\":false\t,\"n\":null," SET_BK ",\"x\":1}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    /* unknown keys: raw UTF-8, empty, near-misses of the known names */
    { BYTES("{\"\":1,\"\xc3\xa9\":2,\"Op\":3,\"op \":4,\"value_b6\":5,\"values\":\"x\","
            SET_BK ",\"\x7f\":6}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    /* eight unknown keys is the most it tracks */
    { BYTES("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8," SET_BK "}"),
      KVRT_EV_SET, BYTES("b"), BYTES("k"), BYTES("") },
    /* a string that holds what looks like syntax */
    { BYTES("{\"op\":\"set\",\"bucket\":\"{\\\"a\\\":[1,2]}\",\"key\":\"#,:}\",\"value\":\" \"}"),
      KVRT_EV_SET, BYTES("{\"a\":[1,2]}"), BYTES("#,:}"), BYTES(" ") },
};

static void expect_field(const uint8_t *got, size_t got_len, bytes want, const char *what,
                         size_t i)
{
    cr_expect(same_bytes(got, got_len, (const uint8_t *)want.s, want.n),
              "case %zu: %s is %zu bytes [%.*s], want %zu bytes [%.*s]", i, what, got_len,
              (int)got_len, (const char *)got, want.n, (int)want.n, want.s);
}

Test(evjson, fast_path_takes_common_lines)
{
    kvrt_evparser fast, slow;
    kvrt_evparser_init(&fast);
    kvrt_evparser_init(&slow);
    for (size_t i = 0; i < sizeof fast_lines / sizeof fast_lines[0]; i++) {
        const fast_case *c = &fast_lines[i];
        outcome f, s, full;
        bool took = run_fast(&fast, c->line.s, c->line.n, &f);
        run_parse(kvrt_evline_parse_jansson, &slow, c->line.s, c->line.n, &s);
        run_parse(kvrt_evline_parse, &fast, c->line.s, c->line.n, &full);
        cr_expect(took, "case %zu [%.*s]: fast path gave up", i, (int)c->line.n, c->line.s);
        cr_expect_eq(s.res, KVRT_LINE_EVENT, "case %zu: jansson says col %zu: %s", i, s.col,
                     s.msg);
        if (took && s.res == KVRT_LINE_EVENT) {
            char a[400], b[400];
            describe(&f, a, sizeof a);
            describe(&s, b, sizeof b);
            cr_expect(same_outcome(&f, &s), "case %zu: fast %s, jansson %s", i, a, b);
            cr_expect(same_outcome(&full, &s), "case %zu: kvrt_evline_parse differs", i);
            cr_expect_eq(f.op, c->op, "case %zu: op", i);
            expect_field(f.bucket, f.bucket_len, c->bucket, "bucket", i);
            expect_field(f.key, f.key_len, c->key, "key", i);
            expect_field(f.value, f.value_len, c->value, "value", i);
        }
        free_outcome(&f);
        free_outcome(&s);
        free_outcome(&full);
    }
    kvrt_evparser_fini(&fast);
    kvrt_evparser_fini(&slow);
}

/* ---- lines left to jansson ------------------------------------------------ */

static const bytes fallback_lines[] = {
    /* well-formed events of a shape the fast path does not take */
    BYTES("{\"o\\u0070\":\"set\",\"bucket\":\"b\",\"key\":\"k\"}"),
    BYTES("{" SET_BK ",\"x\\n\":1}"),
    BYTES("{" SET_BK ",\"x\":[1,{\"y\":null}]}"),
    BYTES("{" SET_BK ",\"x\":{}}"),
    BYTES("{" SET_BK ",\"x\":1e5}"),
    BYTES("{" SET_BK ",\"x\":1E-5}"),
    BYTES("{" SET_BK ",\"x\":12345678901234567890123456789012345678901}"),
    BYTES("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9," SET_BK "}"),
    BYTES("{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\",\"value\":1}"),
    BYTES("{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":null}"),
    /* syntax errors */
    BYTES("{"), BYTES("{}"), BYTES("{ }"), BYTES("{\"op\"}"), BYTES("{\"op\":}"),
    BYTES("{" SET_BK), BYTES("{" SET_BK ","), BYTES("{" SET_BK ",}"),
    BYTES("{" SET_BK "} x"), BYTES("{" SET_BK "}{}"), BYTES("{" SET_BK "}}"),
    BYTES("{" SET_BK ";\"value\":\"v\"}"), BYTES("{\"op\" \"set\"}"),
    BYTES("{'op':'set','bucket':'b','key':'k'}"), BYTES("{op:\"set\"}"),
    BYTES("{" SET_BK ",\"x\":tru}"), BYTES("{" SET_BK ",\"x\":truex}"),
    BYTES("{" SET_BK ",\"x\":true1}"), BYTES("{" SET_BK ",\"x\":nul}"),
    BYTES("{" SET_BK ",\"x\":01}"), BYTES("{" SET_BK ",\"x\":-}"), BYTES("{" SET_BK ",\"x\":1.}"),
    BYTES("{" SET_BK ",\"x\":.5}"), BYTES("{" SET_BK ",\"x\":+1}"), BYTES("{" SET_BK ",\"x\":1.5.}"),
    BYTES("{" SET_BK ",\"x\":\"\x0c\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k"),
    BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\\"),
    BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\\u00"),
    BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\\ud83d\\ude0"),
    /* bad strings */
    BYTES("{\"op\":\"set\",\"bucket\":\"\\ud800\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\\udc00\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\\ud800\\u0041\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\\ud800\\ud800\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\\ud800\\n\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\\ud800\",\"key\":\"k\",\"x\":\"\\udfff\"}"),
    BYTES("{" SET_BK ",\"x\":\"\\udfff\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\\u00g0\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\\q\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\\'\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\\U0041\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\\x41\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\xff\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\xc0\xaf\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\xed\xa0\x80\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\xf4\x90\x80\x80\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"\xe2\x82\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"a\tb\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"a\0b\",\"key\":\"k\"}"),
    BYTES("{\"op\xff\":\"set\",\"bucket\":\"b\",\"key\":\"k\"}"),
    BYTES("{\"\tx\":1," SET_BK "}"),
    /* duplicate keys, known and unknown */
    BYTES("{\"op\":\"set\",\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\"}"),
    BYTES("{" SET_BK ",\"bucket\":\"b\"}"),
    BYTES("{" SET_BK ",\"value\":\"v\",\"value\":\"v\"}"),
    BYTES("{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"\",\"value_b64\":\"\"}"),
    BYTES("{\"x\":1," SET_BK ",\"x\":1}"),
    BYTES("{\"\":1,\"\":\"\"," SET_BK "}"),
    BYTES("{\"\xc3\xa9\":1,\"\xc3\xa9\":2," SET_BK "}"),
    /* not events */
    BYTES("{\"bucket\":\"b\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"b\"}"),
    BYTES("{\"op\":\"SET\",\"bucket\":\"b\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set \",\"bucket\":\"b\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\\u0000\",\"bucket\":\"b\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"\",\"bucket\":\"b\",\"key\":\"k\"}"),
    BYTES("{\"op\":1,\"bucket\":\"b\",\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":null,\"key\":\"k\"}"),
    BYTES("{\"op\":\"set\",\"bucket\":\"b\",\"key\":true}"),
    BYTES("{" SET_BK ",\"value\":5}"),
    BYTES("{" SET_BK ",\"value\":\"\",\"value_b64\":\"\"}"),
    BYTES("{" SET_BK ",\"value_b64\":\"YQ\"}"),
    BYTES("{" SET_BK ",\"value_b64\":\"YQ= \"}"),
    BYTES("{" SET_BK ",\"value_b64\":\"Y-_=\"}"),
    BYTES("{" SET_BK ",\"value_b64\":\"A=BC\"}"),
    BYTES("{" SET_BK ",\"value_b64\":\"YQ==\\n\"}"),
    BYTES("{" SET_BK ",\"value_b64\":\"YW\\u00e9=\"}"),
    BYTES("[" SET_BK "]"),
    /* not JSON at all */
    BYTES(""), BYTES("   "), BYTES("# {"), BYTES("set b k v"), BYTES("\r"),
};

Test(evjson, fast_path_leaves_the_rest_to_jansson)
{
    kvrt_evparser fast, slow;
    kvrt_evparser_init(&fast);
    kvrt_evparser_init(&slow);
    for (size_t i = 0; i < sizeof fallback_lines / sizeof fallback_lines[0]; i++) {
        bytes line = fallback_lines[i];
        outcome f, s, full;
        bool took = run_fast(&fast, line.s, line.n, &f);
        run_parse(kvrt_evline_parse_jansson, &slow, line.s, line.n, &s);
        run_parse(kvrt_evline_parse, &fast, line.s, line.n, &full);
        char a[400], b[400];
        describe(&full, a, sizeof a);
        describe(&s, b, sizeof b);
        cr_expect(!took, "case %zu [%.*s]: the fast path took it", i, (int)line.n, line.s);
        cr_expect(same_outcome(&full, &s), "case %zu [%.*s]: %s, jansson %s", i, (int)line.n,
                  line.s, a, b);
        free_outcome(&f);
        free_outcome(&s);
        free_outcome(&full);
    }
    kvrt_evparser_fini(&fast);
    kvrt_evparser_fini(&slow);
}

/* ---- scratch --------------------------------------------------------------- */

/* Once scratch has grown to the longest line, fast-path lines (including
 * those it gives up on halfway) do not allocate. */
Test(evjson, scratch_stops_growing)
{
    static const char *const lines[] = {
        ("{\"op\":\"set\",\"bucket\":\"\\u00e9\\ud83d\\ude00 long bucket name\","
         "\"key\":\"k\\n\",\"value\":\"some longer value \\u20ac\",\"x\":\"dropped\"}"),
        "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"aGVsbG8gd29ybGQ=\"}",
        "{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}",
        "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"v\",\"value\":\"v\"}",
        "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"v\",\"n\":1e3}",
    };
    size_t count = sizeof lines / sizeof lines[0];
    kvrt_evparser p;
    kvrt_event ev;
    kvrt_everr err;

    kvrt_evparser_init(&p);
    cr_assert(kvrt_evline_json_fast(&p, (const uint8_t *)lines[0], strlen(lines[0]), &ev));
    const uint8_t *data = p.scratch.data;
    size_t cap = p.scratch.cap;
    for (int round = 0; round < 1000; round++) {
        for (size_t i = 0; i < count - 2; i++) {
            const uint8_t *l = (const uint8_t *)lines[i];
            cr_assert(kvrt_evline_json_fast(&p, l, strlen(lines[i]), &ev), "line %zu", i);
        }
        for (size_t i = count - 2; i < count; i++) {
            const uint8_t *l = (const uint8_t *)lines[i];
            cr_assert(!kvrt_evline_json_fast(&p, l, strlen(lines[i]), &ev), "line %zu", i);
        }
    }
    cr_expect_eq(p.scratch.data, data);
    cr_expect_eq(p.scratch.cap, cap);
    /* the jansson path still gives its errors after the fast path gave up */
    const uint8_t *dup = (const uint8_t *)lines[3];
    cr_expect_eq(kvrt_evline_parse(&p, dup, strlen(lines[3]), &ev, &err), KVRT_LINE_ERROR);
    cr_expect(strncmp(err.msg, "invalid JSON: duplicate object key", 34) == 0, "%s", err.msg);
    kvrt_evparser_fini(&p);
}

/* A long line after short ones: scratch grows, the strings stay right. */
Test(evjson, long_strings)
{
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    for (size_t n = 0; n < 5000; n += 499) {
        size_t cap = 20 * n + 200;
        char *line = malloc(cap);
        cr_assert_not_null(line);
        size_t len = (size_t)sprintf(line, "{\"op\":\"set\",\"bucket\":\"");
        for (size_t i = 0; i < n; i++)
            len += (size_t)sprintf(line + len, "\\ud83d\\ude00");
        len += (size_t)sprintf(line + len, "\",\"key\":\"");
        memset(line + len, 'k', n);
        len += n;
        len += (size_t)sprintf(line + len, "\",\"value_b64\":\"");
        for (size_t i = 0; i < n; i++)
            len += (size_t)sprintf(line + len, "////");
        len += (size_t)sprintf(line + len, "\"}");
        cr_assert(len < cap);
        kvrt_event ev;
        cr_assert(kvrt_evline_json_fast(&p, (const uint8_t *)line, len, &ev), "n=%zu", n);
        cr_assert_eq(ev.bucket_len, 4 * n);
        cr_assert_eq(ev.key_len, n);
        cr_assert_eq(ev.value_len, 3 * n);
        for (size_t i = 0; i < n; i++) {
            cr_assert(memcmp(ev.bucket + 4 * i, "\xf0\x9f\x98\x80", 4) == 0);
            cr_assert_eq(ev.key[i], 'k');
        }
        for (size_t i = 0; i < 3 * n; i++)
            cr_assert_eq(ev.value[i], 0xff);
        free(line);
    }
    kvrt_evparser_fini(&p);
}

/* ---- differential ---------------------------------------------------------- */

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

typedef struct diff_stats {
    size_t lines, fast, events, errors;
} diff_stats;

/* kvrt_evline_parse (fast path first) must give exactly what the jansson
 * path gives; when the fast path alone takes the line, the same event. */
static void check_same(kvrt_evparser *fast, kvrt_evparser *slow, const char *s, size_t n,
                       diff_stats *st)
{
    outcome a, b, f;
    run_parse(kvrt_evline_parse, fast, s, n, &a);
    run_parse(kvrt_evline_parse_jansson, slow, s, n, &b);
    bool took = run_fast(fast, s, n, &f);
    if (!same_outcome(&a, &b) || (took && !same_outcome(&f, &b))) {
        char da[400], db[400], df[400];
        describe(&a, da, sizeof da);
        describe(&b, db, sizeof db);
        describe(&f, df, sizeof df);
        cr_assert_fail("line %zu bytes [%.*s]: parse %s; jansson %s; fast (%d) %s", n, (int)n,
                       s, da, db, (int)took, df);
    }
    st->lines++;
    st->fast += took;
    st->events += b.res == KVRT_LINE_EVENT;
    st->errors += b.res == KVRT_LINE_ERROR;
    free_outcome(&a);
    free_outcome(&b);
    free_outcome(&f);
}

/* Pieces inserted by mutations: the bytes the two paths treat specially. */
static const char *const pieces[] = {
    "\"", "\\", "\\\"", "\\\\", "\\/", "\\b", "\\n", "\\q", "\\u", "\\u0", "\\u00e9",
    "\\u0000", "\\u001F", "\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\ud83d\\ude00",
    "\\ud83d", "\\ude00", "\\uD83D\\uDE00", "\\u20AC", "\\uFFFF", "\\u12g4",
    "\xff", "\xc3", "\xc3\xa9", "\xe2\x82", "\xe2\x82\xac", "\xed\xa0\x80", "\xf0\x9f\x98\x80",
    "\xf4\x90\x80\x80", "\xc0\xaf", "\x7f", "\x01", "\0",
    " ", "\t", "\r", "\n", "\x0c", "{", "}", "[", "]", ":", ",", "'",
    ",\"op\":\"set\"", ",\"op\":\"delete\"", ",\"bucket\":\"b\"", ",\"key\":\"k\"",
    ",\"value\":\"v\"", ",\"value_b64\":\"YQ==\"", ",\"x\":1", ",\"x\":\"y\"", ",\"y\":null",
    ",\"\":0", "\"value\"", "\"op\"", "true", "false", "null", "tru", "1", "-", "0", "01",
    "1.5", "1e5", ".", "=", "==", "YQ", "+/", "12345678901234567890123456789012345678901234",
};

static const char *const seeds[] = {
    "{\"op\":\"set\",\"bucket\":\"b1\",\"key\":\"k123\",\"value\":\"value-123\"}",
    "{\"op\":\"delete\",\"bucket\":\"b\",\"key\":\"k\"}",
    " { \"op\" : \"set\" , \"bucket\" : \"b\" , \"key\" : \"k\" , \"value_b64\" : \"YWJj\" } ",
    "{\"key\":\"k\",\"value\":\"a\\nb\\u00e9\\ud83d\\ude00\",\"bucket\":\"\xc3\xa9\",\"op\":\"set\"}",
    ("{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"ts\":12,\"ok\":true,\"v\":null,\"f\":-0.5,"
     "\"s\":\"x\"}"),
    "{\"op\":\"delete\",\"bucket\":\"\",\"key\":\"\\u0000\",\"value\":\"v\",\"value_b64\":\"?\"}",
    "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\",\"value_b64\":\"\\u0059Q==\"}",
    "{\"op\":\"set\",\"bucket\":\"b\",\"key\":\"k\"}\r",
};

/* One byte-wise mutation of buf[0..*n) (capacity cap). */
static void mutate(uint64_t *state, char *buf, size_t *n, size_t cap)
{
    size_t len = *n;
    size_t at = len ? next_random(state) % (len + 1) : 0;
    unsigned kind = (unsigned)(next_random(state) % 10);

    if (kind >= 8) {            /* at just past a quote: mostly in a string */
        size_t quotes = 0;
        for (size_t i = 0; i < len; i++)
            quotes += buf[i] == '"';
        size_t want = quotes ? next_random(state) % quotes : 0;
        for (size_t i = 0; i < len && quotes; i++) {
            if (buf[i] == '"' && want-- == 0) {
                at = i + 1;
                break;
            }
        }
        kind = 0;
    }
    if (kind <= 2) {            /* insert a piece */
        const char *piece = pieces[next_random(state) % (sizeof pieces / sizeof pieces[0])];
        size_t plen = piece[0] == 0 ? 1 : strlen(piece);
        if (len + plen > cap)
            return;
        memmove(buf + at + plen, buf + at, len - at);
        memcpy(buf + at, piece, plen);
        *n = len + plen;
    } else if (kind == 3 && at < len) {         /* delete a byte */
        memmove(buf + at, buf + at + 1, len - at - 1);
        *n = len - 1;
    } else if (kind == 4 && at < len) {         /* replace a byte */
        buf[at] = (char)(next_random(state) & 0xff);
    } else if (kind == 5) {                     /* truncate */
        *n = at;
    } else if (kind == 6 && len > 0 && len * 2 <= cap) {    /* repeat a slice */
        size_t from = next_random(state) % len;
        size_t slice = next_random(state) % (len - from) + 1;
        char copy[1024];
        if (slice > sizeof copy)
            return;
        memcpy(copy, buf + from, slice);
        memmove(buf + at + slice, buf + at, len - at);
        memcpy(buf + at, copy, slice);
        *n = len + slice;
    } else if (at < len) {                      /* flip a bit */
        buf[at] = (char)(buf[at] ^ (1 << (next_random(state) % 8)));
    }
}

Test(evjson, differential_mutated_lines)
{
    uint64_t state = 0x9e3779b97f4a7c15u;
    kvrt_evparser fast, slow;
    kvrt_evparser_init(&fast);
    kvrt_evparser_init(&slow);
    diff_stats st = { 0, 0, 0, 0 };
    size_t nseeds = sizeof seeds / sizeof seeds[0];

    for (int round = 0; round < 150000; round++) {
        char buf[1024];
        const char *seed = seeds[next_random(&state) % nseeds];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        uint64_t r = next_random(&state) % 8;
        int mutations = r < 4 ? 1 : r < 6 ? 2 : r < 7 ? 3 : 4;
        for (int m = 0; m < mutations; m++)
            mutate(&state, buf, &n, sizeof buf);
        check_same(&fast, &slow, buf, n, &st);
    }
    /* the unmutated seeds too */
    for (size_t i = 0; i < nseeds; i++)
        check_same(&fast, &slow, seeds[i], strlen(seeds[i]), &st);
    /* Both outcomes well represented, and the fast path used. */
    cr_expect(st.fast > st.lines / 20, "fast path took %zu of %zu", st.fast, st.lines);
    cr_expect(st.events > st.lines / 20, "%zu events of %zu", st.events, st.lines);
    cr_expect(st.errors > st.lines / 2, "%zu errors of %zu", st.errors, st.lines);
    kvrt_evparser_fini(&fast);
    kvrt_evparser_fini(&slow);
}

/* Objects put together from random members, mostly well-formed. */
Test(evjson, differential_random_objects)
{
    static const char *const keys[] = {
        "\"op\"", "\"bucket\"", "\"key\"", "\"value\"", "\"value_b64\"", "\"x\"", "\"y\"",
        "\"\"", "\"\xc3\xa9\"", "\"o\\u0070\"", "\"value \"",
    };
    static const char *const values[] = {
        "\"set\"", "\"delete\"", "\"b\"", "\"\"", "\"YQ==\"", "\"YWJj\"", "\"Y\\u0051==\"",
        "\"YQ=\"", "\"\\u00e9\\ud83d\\ude00\"", "\"\\ud800\"", "\"a\\tb\\u0000\"",
        "\"\xe2\x82\xac\"", "\"\xed\xa0\x80\"", "1", "-2.5", "0", "1e3", "true", "false",
        "null", "[]", "{}", "\"\\/\\\\\\\"\"",
    };
    static const char *const gaps[] = { "", "", "", " ", "\t", "\r\n", " \t " };
    uint64_t state = 0x0123456789abcdefu;
    kvrt_evparser fast, slow;
    kvrt_evparser_init(&fast);
    kvrt_evparser_init(&slow);
    diff_stats st = { 0, 0, 0, 0 };
#define PICK(a) a[next_random(&state) % (sizeof a / sizeof a[0])]

    for (int round = 0; round < 100000; round++) {
        char buf[1024];
        size_t n = 0;
        int members = (int)(next_random(&state) % 7);
        bool shaped = next_random(&state) % 2 == 0;
        n += (size_t)sprintf(buf + n, "%s{%s", PICK(gaps), PICK(gaps));
        if (shaped)
            n += (size_t)sprintf(buf + n, "\"op\":%s,\"bucket\":\"b\",\"key\":\"k\"%s",
                                 next_random(&state) % 3 ? "\"set\"" : "\"delete\"",
                                 members ? "," : "");
        for (int m = 0; m < members; m++)
            n += (size_t)sprintf(buf + n, "%s%s%s:%s%s%s%s", PICK(gaps), PICK(keys), PICK(gaps),
                                 PICK(gaps), PICK(values), PICK(gaps), m + 1 < members ? "," : "");
        n += (size_t)sprintf(buf + n, "}%s", PICK(gaps));
        check_same(&fast, &slow, buf, n, &st);
    }
#undef PICK
    cr_expect(st.fast > st.lines / 20, "fast path took %zu of %zu", st.fast, st.lines);
    cr_expect(st.fast > st.events * 3 / 4, "fast path took %zu of %zu events", st.fast,
              st.events);
    cr_expect(st.errors > st.lines / 4, "%zu errors of %zu", st.errors, st.lines);
    kvrt_evparser_fini(&fast);
    kvrt_evparser_fini(&slow);
}
