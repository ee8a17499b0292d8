/*
 * tests/fuzz/fuzz_evline.c - libFuzzer target for the executable's event
 * parser and canonical printer: any line must parse or fail cleanly, and
 * a parsed set event printed canonically must parse back to the same
 * bytes (text and JSON), and the parser (JSON fast path first) must give
 * exactly what its jansson path alone gives: same result, same event bytes,
 * or same error column and message. `make fuzz`.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "evjson_fast.h"
#include "evline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void check_round_trip(const kvrt_event *ev, int json)
{
    kvrt_buf out;
    kvrt_buf_init(&out);
    int rc = json ? kvrt_canon_set_json(&out, ev->bucket, ev->bucket_len, ev->key, ev->key_len,
                                        ev->value, ev->value_len)
                  : kvrt_canon_set_text(&out, ev->bucket, ev->bucket_len, ev->key, ev->key_len,
                                        ev->value, ev->value_len);
    if (rc != 0)
        abort();
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    kvrt_event back;
    kvrt_everr err;
    if (kvrt_evline_parse(&p, out.data, out.len - 1, &back, &err) != KVRT_LINE_EVENT)
        abort();
    if (back.bucket_len != ev->bucket_len || memcmp(back.bucket, ev->bucket, ev->bucket_len) ||
        back.key_len != ev->key_len || memcmp(back.key, ev->key, ev->key_len) ||
        back.value_len != ev->value_len || memcmp(back.value, ev->value, ev->value_len))
        abort();
    kvrt_evparser_fini(&p);
    kvrt_buf_fini(&out);
}

static bool same_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

static bool same_event(const kvrt_event *a, const kvrt_event *b)
{
    return a->op == b->op && same_bytes(a->bucket, a->bucket_len, b->bucket, b->bucket_len) &&
           same_bytes(a->key, a->key_len, b->key, b->key_len) &&
           same_bytes(a->value, a->value_len, b->value, b->value_len);
}

/* kvrt_evline_parse (ev, r, err) against the jansson path alone, and the
 * fast path alone when it takes the line. */
static void check_differential(const uint8_t *line, size_t len, kvrt_lineres r,
                               const kvrt_event *ev, const kvrt_everr *err)
{
    kvrt_evparser slow, fast;
    kvrt_evparser_init(&slow);
    kvrt_evparser_init(&fast);
    kvrt_event sev, fev;
    kvrt_everr serr;
    kvrt_lineres sr = kvrt_evline_parse_jansson(&slow, line, len, &sev, &serr);
    if (sr != r)
        abort();
    if (r == KVRT_LINE_EVENT && !same_event(ev, &sev))
        abort();
    if (r == KVRT_LINE_ERROR && (err->col != serr.col || strcmp(err->msg, serr.msg) != 0))
        abort();
    if (kvrt_evline_json_fast(&fast, line, len, &fev) &&
        (sr != KVRT_LINE_EVENT || !same_event(&fev, &sev)))
        abort();
    kvrt_evparser_fini(&fast);
    kvrt_evparser_fini(&slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    uint8_t *line = malloc(len ? len : 1);
    if (line == NULL)
        return 0;
    memcpy(line, data, len);
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    kvrt_event ev;
    kvrt_everr err;
    kvrt_lineres r = kvrt_evline_parse(&p, line, len, &ev, &err);
    check_differential(line, len, r, &ev, &err);
    if (r == KVRT_LINE_EVENT && ev.op == KVRT_EV_SET) {
        check_round_trip(&ev, 0);
        check_round_trip(&ev, 1);
    }
    kvrt_evparser_fini(&p);
    free(line);
    return 0;
}
