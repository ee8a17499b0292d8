/*
 * tests/fuzz/fuzz_evline.c - libFuzzer target for the executable's event
 * parser and canonical printer: any line must parse or fail cleanly, and
 * a parsed set event printed canonically must parse back to the same
 * bytes (text and JSON). `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
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
    if (kvrt_evline_parse(&p, line, len, &ev, &err) == KVRT_LINE_EVENT && ev.op == KVRT_EV_SET) {
        check_round_trip(&ev, 0);
        check_round_trip(&ev, 1);
    }
    kvrt_evparser_fini(&p);
    free(line);
    return 0;
}
