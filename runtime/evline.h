/*
 * runtime/evline.h - one input line -> one watch event (SPEC §4, §7).
 * A line is text (`set B K [VALUE]`, `delete B K`) or, when its first
 * non-blank byte is `{`, a JSON object. Blank lines and `#` comments are
 * skipped. Decoded strings either point into the line itself or into the
 * parser's scratch buffer: they stay valid until the next call.
 * No allocation per line once the scratch buffer has grown.
 */
#ifndef KVRT_EVLINE_H
#define KVRT_EVLINE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef enum kvrt_evop {
    KVRT_EV_SET = 1,
    KVRT_EV_DELETE = 2
} kvrt_evop;

typedef struct kvrt_event {
    kvrt_evop op;
    const uint8_t *bucket;
    size_t bucket_len;
    const uint8_t *key;
    size_t key_len;
    const uint8_t *value;   /* set only; may be empty */
    size_t value_len;
} kvrt_event;

typedef enum kvrt_lineres {
    KVRT_LINE_EVENT = 0,    /* *out holds an event */
    KVRT_LINE_SKIP = 1,     /* blank line or comment */
    KVRT_LINE_ERROR = 2     /* *err holds column and message */
} kvrt_lineres;

typedef struct kvrt_everr {
    size_t col;             /* 1-based byte column of the problem */
    char msg[160];          /* what is wrong, e.g. "unterminated quoted string" */
} kvrt_everr;

typedef struct kvrt_evparser {
    kvrt_buf scratch;       /* decoded bucket/key/value bytes */
} kvrt_evparser;

void kvrt_evparser_init(kvrt_evparser *p);
void kvrt_evparser_fini(kvrt_evparser *p);

/*
 * Parse one line: `line[0..len)` excludes the '\n'; one trailing '\r' is
 * dropped here. Returns KVRT_LINE_EVENT, KVRT_LINE_SKIP or KVRT_LINE_ERROR.
 * Event strings are never NULL (empty ones point at a static byte); bucket
 * and key are valid UTF-8, the value is any bytes.
 * Error columns (bytes, 1-based, leading blanks counted): the offending byte;
 * the opening quote of an unterminated string; the backslash of a bad
 * escape; len + 1 (len without the '\r') for a missing bucket or key; for
 * JSON, jansson's byte position for syntax errors, else the `{`.
 * In JSON, a delete ignores "value"/"value_b64" like any unknown field.
 */
kvrt_lineres kvrt_evline_parse(kvrt_evparser *p, const uint8_t *line, size_t len,
                               kvrt_event *out, kvrt_everr *err);

/* Pieces of the text syntax, for the --data files (journal.c, datadir.c).
 * Both decode into the parser's scratch (valid until its next use), set
 * *pos just past what they read and return 0, or -1 when it is malformed.
 * unquote: the quoted string whose '"' is at line[*pos], any bytes;
 * token: a bucket or key, bare or quoted, valid UTF-8. */
int kvrt_evline_unquote(kvrt_evparser *p, const uint8_t *line, size_t len, size_t *pos,
                        const uint8_t **out, size_t *out_len);
int kvrt_evline_token(kvrt_evparser *p, const uint8_t *line, size_t len, size_t *pos,
                      const uint8_t **out, size_t *out_len);

#endif
