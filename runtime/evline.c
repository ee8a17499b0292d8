/*
 * runtime/evline.c - one input line -> one watch event (SPEC §4, §7); see
 * evline.h.
 *
 * Text lines are on the hot path: bare tokens and raw values point straight
 * into the line, quoted tokens are decoded into the parser's scratch buffer,
 * which is reserved once per line for the worst case (decoded <= source) and
 * so stops allocating once it has grown to the longest line seen.
 * JSON lines of the common shape (a flat object of strings and simple
 * unknown members) are decoded by a hand-written fast path straight into
 * scratch; on anything else, or anything it is not sure of, it gives up and
 * jansson parses the line: the one source of JSON error messages. jansson's
 * objects are freed before returning, so its strings are copied into scratch.
 *
 * Scratch may move while it grows, so tokens remember scratch *offsets* and
 * the event's pointers are computed only once every append is done.
 *
 * Error columns are 1-based byte columns of the original line (leading blanks
 * included): the offending byte, the opening quote of an unterminated
 * string, the backslash of a bad escape, or len + 1 for a missing token.
 * JSON syntax errors use jansson's byte position (the last byte it read);
 * errors in a well-formed object point at its opening `{`.
 */
#include "evline.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "evjson_fast.h"
#include "utf8.h"

/* Where a decoded token lives: in the line itself or in scratch. */
typedef struct token {
    bool in_scratch;
    size_t off;         /* index into the line, or offset into scratch */
    size_t len;
    size_t start;       /* index of the token's first source byte */
    bool high;          /* some decoded byte is >= 0x80: check UTF-8 */
} token;

/* Pointers for empty strings, so an event never holds NULL. */
static const uint8_t empty_bytes[1] = { 0 };

static kvrt_lineres report(kvrt_everr *err, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static kvrt_lineres report(kvrt_everr *err, size_t col, const char *fmt, ...)
{
    va_list ap;

    err->col = col;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return KVRT_LINE_ERROR;
}

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static size_t skip_blanks(const uint8_t *line, size_t len, size_t pos)
{
    while (pos < len && is_blank(line[pos]))
        pos++;
    return pos;
}

/* Value of a hex digit, or -1. */
static int decode_hex(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const uint8_t *resolve(const kvrt_evparser *p, const uint8_t *line,
                              const token *t)
{
    if (t->len == 0)
        return empty_bytes;
    if (t->in_scratch)
        return p->scratch.data + t->off;
    return line + t->off;
}

/* ---- text lines ---------------------------------------------------------- */

/*
 * Decode the quoted string whose opening `"` is at line[*pos] into scratch.
 * On success *pos is just past the closing quote.
 */
static kvrt_lineres decode_quoted(kvrt_evparser *p, const uint8_t *line, size_t len,
                                  size_t *pos, token *out, kvrt_everr *err)
{
    size_t open = *pos;
    size_t i = open + 1;

    /* Every source byte yields at most one decoded byte; one more keeps
     * data non-NULL even for an empty string. */
    if (kvrt_buf_reserve(&p->scratch, len - i + 1) != 0)
        return report(err, open + 1, "out of memory");
    uint8_t *dst = p->scratch.data + p->scratch.len;
    size_t n = 0;
    bool high = false;

    while (i < len) {
        uint8_t c = line[i];
        if (c == '"')
            break;
        if (c != '\\') {
            high |= c >= 0x80;
            dst[n++] = c;
            i++;
            continue;
        }
        if (i + 1 == len)
            break;      /* a backslash cannot end the string */
        uint8_t e = line[i + 1];
        uint8_t d;
        size_t width = 2;
        switch (e) {
        case '\\': d = '\\'; break;
        case '"': d = '"'; break;
        case 'n': d = '\n'; break;
        case 'r': d = '\r'; break;
        case 't': d = '\t'; break;
        case '0': d = 0; break;
        case 'x': {
            int hi = len - i > 2 ? decode_hex(line[i + 2]) : -1;
            int lo = len - i > 3 ? decode_hex(line[i + 3]) : -1;
            if (hi < 0 || lo < 0)
                return report(err, i + 1, "\\x must be followed by two hex digits");
            d = (uint8_t)(hi * 16 + lo);
            width = 4;
            break;
        }
        default:
            if (e > 0x20 && e < 0x7f)
                return report(err, i + 1, "invalid escape \\%c", e);
            return report(err, i + 1, "invalid escape: byte 0x%02x after backslash", e);
        }
        high |= d >= 0x80;
        dst[n++] = d;
        i += width;
    }
    if (i == len || line[i] != '"')
        return report(err, open + 1, "unterminated quoted string");
    out->in_scratch = true;
    out->off = p->scratch.len;
    out->len = n;
    out->start = open;
    out->high = high;
    p->scratch.len += n;
    *pos = i + 1;
    return KVRT_LINE_EVENT;
}

/*
 * Index in the line of the source byte that produced decoded byte `k` of the
 * quoted string opening at line[open]. The string decoded without error, so
 * every escape in it is complete.
 */
static size_t locate_decoded(const uint8_t *line, size_t open, size_t k)
{
    size_t i = open + 1;

    while (k > 0) {
        if (line[i] != '\\')
            i += 1;
        else if (line[i + 1] == 'x')
            i += 4;
        else
            i += 2;
        k--;
    }
    return i;
}

/* Bucket or key: bare or quoted, decoding to valid UTF-8. line[*pos] is
 * not a blank. */
static kvrt_lineres read_token(kvrt_evparser *p, const uint8_t *line, size_t len,
                               size_t *pos, const char *what, token *out,
                               kvrt_everr *err)
{
    size_t i = *pos;

    if (line[i] == '"') {
        kvrt_lineres r = decode_quoted(p, line, len, &i, out, err);
        if (r != KVRT_LINE_EVENT)
            return r;
        if (i < len && !is_blank(line[i]))
            return report(err, i + 1, "expected blank after quoted %s", what);
    } else {
        /* the common bytes first, one test each; what stops the scan is
         * a blank (the end), or an error */
        uint8_t high = 0;
        while (i < len) {
            uint8_t c = line[i];
            if (c <= 0x20 || c == '"' || c == 0x7f)
                break;
            high |= c;
            i++;
        }
        if (i < len && !is_blank(line[i])) {
            uint8_t c = line[i];
            if (c == '"')
                return report(err, i + 1, "unexpected '\"' in %s", what);
            return report(err, i + 1, "control byte 0x%02x in %s", c, what);
        }
        out->in_scratch = false;
        out->off = *pos;
        out->len = i - *pos;
        out->start = *pos;
        out->high = (high & 0x80) != 0;
    }
    if (out->high) {
        const uint8_t *s = out->in_scratch ? p->scratch.data + out->off : line + out->off;
        size_t bad = kvrt_utf8_valid_prefix(s, out->len);
        if (bad < out->len) {
            size_t at = out->in_scratch ? locate_decoded(line, out->start, bad)
                                        : out->off + bad;
            return report(err, at + 1, "%s is not valid UTF-8", what);
        }
    }
    *pos = i;
    return KVRT_LINE_EVENT;
}

/* Skip blanks, then read a bucket or key; reports it missing at len + 1. */
static kvrt_lineres expect_token(kvrt_evparser *p, const uint8_t *line, size_t len,
                                 size_t *pos, const char *what, token *out,
                                 kvrt_everr *err)
{
    *pos = skip_blanks(line, len, *pos);
    if (*pos == len)
        return report(err, len + 1, "missing %s", what);
    return read_token(p, line, len, pos, what, out, err);
}

/* VALUE: empty, one quoted string followed only by blanks, or the rest of
 * the line taken literally. line[pos] is just past the key. */
static kvrt_lineres read_value(kvrt_evparser *p, const uint8_t *line, size_t len,
                               size_t pos, token *out, kvrt_everr *err)
{
    pos = skip_blanks(line, len, pos);
    if (pos == len || line[pos] != '"') {
        out->in_scratch = false;
        out->off = pos;
        out->len = len - pos;
        out->start = pos;
        out->high = false;
        return KVRT_LINE_EVENT;
    }
    kvrt_lineres r = decode_quoted(p, line, len, &pos, out, err);
    if (r != KVRT_LINE_EVENT)
        return r;
    pos = skip_blanks(line, len, pos);
    if (pos < len)
        return report(err, pos + 1, "unexpected text after quoted value");
    return KVRT_LINE_EVENT;
}

static kvrt_lineres parse_text(kvrt_evparser *p, const uint8_t *line, size_t len,
                               size_t pos, kvrt_event *out, kvrt_everr *err)
{
    size_t op_start = pos;
    while (pos < len && !is_blank(line[pos]))
        pos++;
    size_t op_len = pos - op_start;
    kvrt_evop op;
    if (op_len == 3 && memcmp(line + op_start, "set", 3) == 0)
        op = KVRT_EV_SET;
    else if (op_len == 6 && memcmp(line + op_start, "delete", 6) == 0)
        op = KVRT_EV_DELETE;
    else
        return report(err, op_start + 1, "expected \"set\" or \"delete\"");

    token bucket = { 0 }, key = { 0 }, value = { 0 };
    kvrt_lineres r = expect_token(p, line, len, &pos, "bucket", &bucket, err);
    if (r != KVRT_LINE_EVENT)
        return r;
    r = expect_token(p, line, len, &pos, "key", &key, err);
    if (r != KVRT_LINE_EVENT)
        return r;
    if (op == KVRT_EV_SET) {
        r = read_value(p, line, len, pos, &value, err);
        if (r != KVRT_LINE_EVENT)
            return r;
    } else {
        pos = skip_blanks(line, len, pos);
        if (pos < len)
            return report(err, pos + 1, "unexpected text after key");
    }

    out->op = op;
    out->bucket = resolve(p, line, &bucket);
    out->bucket_len = bucket.len;
    out->key = resolve(p, line, &key);
    out->key_len = key.len;
    out->value = resolve(p, line, &value);
    out->value_len = value.len;
    return KVRT_LINE_EVENT;
}

/* ---- JSON lines ---------------------------------------------------------- */

static int decode_b64_char(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/*
 * Decode standard, padded base64 s[0..n) into dst, which has room for
 * n / 4 * 3 bytes; *out_len is the decoded length. Returns 0, or -1 for bad
 * base64. Bits below the last full byte are ignored, as most decoders do.
 * dst may be s itself: each group of 4 is read before its (at most 3) bytes
 * are written, and those land before the next group.
 */
static int decode_base64(const uint8_t *s, size_t n, uint8_t *dst, size_t *out_len)
{
    if (n % 4 != 0)
        return -1;
    size_t out = 0;

    for (size_t i = 0; i < n; i += 4) {
        bool last = i + 4 == n;
        size_t pad = 0;
        if (last && s[i + 3] == '=')
            pad = s[i + 2] == '=' ? 2 : 1;
        int v[4] = { 0, 0, 0, 0 };
        for (size_t j = 0; j < 4 - pad; j++) {
            v[j] = decode_b64_char(s[i + j]);
            if (v[j] < 0)
                return -1;
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
                     (uint32_t)v[2] << 6 | (uint32_t)v[3];
        dst[out++] = (uint8_t)(w >> 16);
        if (pad < 2)
            dst[out++] = (uint8_t)(w >> 8);
        if (pad < 1)
            dst[out++] = (uint8_t)w;
    }
    *out_len = out;
    return 0;
}

/* Append the decoding of base64 s[0..n) to scratch. Returns 0, -1 for bad
 * base64, -2 when out of memory. */
static int append_base64(kvrt_buf *b, const uint8_t *s, size_t n)
{
    if (n % 4 != 0)
        return -1;
    if (kvrt_buf_reserve(b, n / 4 * 3 + 1) != 0)
        return -2;
    size_t out = 0;
    if (decode_base64(s, n, b->data + b->len, &out) != 0)
        return -1;
    b->len += out;
    return 0;
}

/* obj[name] as a string. Returns 1 found, 0 absent, -1 present but not a
 * string. */
static int get_string(json_t *obj, const char *name, const uint8_t **s, size_t *n)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return -1;
    *s = (const uint8_t *)json_string_value(v);
    *n = json_string_length(v);
    return 1;
}

static kvrt_lineres require_string(json_t *obj, const char *name, size_t col,
                                   const uint8_t **s, size_t *n, kvrt_everr *err)
{
    int found = get_string(obj, name, s, n);
    if (found == 0)
        return report(err, col, "missing \"%s\"", name);
    if (found < 0)
        return report(err, col, "\"%s\" is not a string", name);
    return KVRT_LINE_EVENT;
}

/* Copy s[0..n) into scratch as token *t. */
static kvrt_lineres copy_to_scratch(kvrt_evparser *p, const uint8_t *s, size_t n,
                                    size_t col, token *t, kvrt_everr *err)
{
    t->in_scratch = true;
    t->off = p->scratch.len;
    t->len = n;
    if (kvrt_buf_append(&p->scratch, s, n) != 0)
        return report(err, col, "out of memory");
    return KVRT_LINE_EVENT;
}

/* The value of a set: "value" (a string), "value_b64", or neither (empty). */
static kvrt_lineres decode_json_value(kvrt_evparser *p, json_t *root, size_t col,
                                      token *out, kvrt_everr *err)
{
    const uint8_t *v = NULL, *b64 = NULL;
    size_t vl = 0, b64l = 0;
    int has_v = get_string(root, "value", &v, &vl);
    int has_b64 = get_string(root, "value_b64", &b64, &b64l);

    if (has_v < 0)
        return report(err, col, "\"value\" is not a string");
    if (has_b64 < 0)
        return report(err, col, "\"value_b64\" is not a string");
    if (has_v && has_b64)
        return report(err, col, "both \"value\" and \"value_b64\" given");
    if (!has_b64)
        return copy_to_scratch(p, v, vl, col, out, err);

    out->in_scratch = true;
    out->off = p->scratch.len;
    int r = append_base64(&p->scratch, b64, b64l);
    if (r == -2)
        return report(err, col, "out of memory");
    if (r < 0)
        return report(err, col, "\"value_b64\" is not valid padded base64");
    out->len = p->scratch.len - out->off;
    return KVRT_LINE_EVENT;
}

static kvrt_lineres decode_json_event(kvrt_evparser *p, json_t *root, size_t col,
                                      kvrt_event *out, kvrt_everr *err)
{
    const uint8_t *op = NULL, *b = NULL, *k = NULL;
    size_t op_len = 0, bl = 0, kl = 0;

    if (!json_is_object(root))
        return report(err, col, "expected a JSON object");
    kvrt_lineres r = require_string(root, "op", col, &op, &op_len, err);
    if (r != KVRT_LINE_EVENT)
        return r;
    kvrt_evop evop;
    if (op_len == 3 && memcmp(op, "set", 3) == 0)
        evop = KVRT_EV_SET;
    else if (op_len == 6 && memcmp(op, "delete", 6) == 0)
        evop = KVRT_EV_DELETE;
    else
        return report(err, col, "\"op\" must be \"set\" or \"delete\"");
    r = require_string(root, "bucket", col, &b, &bl, err);
    if (r != KVRT_LINE_EVENT)
        return r;
    r = require_string(root, "key", col, &k, &kl, err);
    if (r != KVRT_LINE_EVENT)
        return r;

    /* jansson has checked the strings: valid UTF-8, no lone surrogate. */
    token bucket = { 0 }, key = { 0 }, value = { 0 };
    r = copy_to_scratch(p, b, bl, col, &bucket, err);
    if (r != KVRT_LINE_EVENT)
        return r;
    r = copy_to_scratch(p, k, kl, col, &key, err);
    if (r != KVRT_LINE_EVENT)
        return r;
    if (evop == KVRT_EV_SET) {
        r = decode_json_value(p, root, col, &value, err);
        if (r != KVRT_LINE_EVENT)
            return r;
    }

    out->op = evop;
    out->bucket = resolve(p, NULL, &bucket);
    out->bucket_len = bucket.len;
    out->key = resolve(p, NULL, &key);
    out->key_len = key.len;
    out->value = resolve(p, NULL, &value);
    out->value_len = value.len;
    return KVRT_LINE_EVENT;
}

/* 1-based column of the opening quote of the JSON string token that holds
 * byte column `col` (its closing quote included), or 0 when that byte is
 * outside every string. */
static size_t string_start(const uint8_t *line, size_t len, size_t col)
{
    size_t open = 0;
    bool in_string = false;
    for (size_t i = 0; i < len && i < col; i++) {
        if (in_string && line[i] == '\\') {
            i++;
            continue;
        }
        if (line[i] != '"')
            continue;
        if (!in_string) {
            in_string = true;
            open = i + 1;
        } else {
            in_string = false;
            if (i + 1 == col)
                return open;
        }
    }
    return in_string ? open : 0;
}

static kvrt_lineres parse_json(kvrt_evparser *p, const uint8_t *line, size_t len,
                               size_t brace, kvrt_event *out, kvrt_everr *err)
{
    /* Numbers are read as reals so that a huge integer in an unknown field
     * is not an error. */
    size_t flags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL;
    json_error_t jerr;
    json_t *root = json_loadb((const char *)line, len, flags, &jerr);

    if (root == NULL) {
        /* position counts the bytes jansson read, up to the offending one;
         * jansson reads a whole string token before judging it, so an error
         * in a string (a lone surrogate, a bad escape) points at its start;
         * a line that ends too early points one past its end. */
        size_t col = jerr.position > 0 ? (size_t)jerr.position : 1;
        size_t open = string_start(line, len, col);
        if (json_error_code(&jerr) == json_error_premature_end_of_input)
            col = len + 1;
        else if (open > 0)
            col = open;
        if (col > len + 1)
            col = len + 1;
        return report(err, col, "invalid JSON: %.130s", jerr.text);
    }
    kvrt_lineres r = decode_json_event(p, root, brace + 1, out, err);
    json_decref(root);
    return r;
}

/* ---- JSON fast path ------------------------------------------------------ */

/*
 * A hand-written decoder for the common JSON line: one flat object whose
 * "op", "bucket", "key", "value" and "value_b64" members are strings, plus
 * unknown members holding a string, a plain number, true, false or null.
 * It yields exactly the event the jansson path would, or gives up (false) on
 * anything else: syntax it does not take, an escape in a key, a repeated key,
 * a non-string known member, anything that would be an error. parse_json then
 * reads the line again and stays the only source of error messages.
 *
 * Scratch is reserved once for the rest of the line: every JSON string
 * decodes to at most its source bytes (\uXXXX: 6 -> 3, a surrogate pair:
 * 12 -> 4) and base64 decodes in place, so nothing reallocates while the
 * line is decoded. Tokens still hold offsets, resolved at the end.
 */

enum { FJ_OP, FJ_BUCKET, FJ_KEY, FJ_VALUE, FJ_VALUE_B64, FJ_FIELDS };

/* Unknown keys remembered for the duplicate check; one more gives up. */
#define FJ_MAX_UNKNOWN 8
/* Longest number taken: strtod cannot overflow on it (no exponent). */
#define FJ_MAX_NUMBER 40

typedef struct fast_json {
    const uint8_t *line;
    size_t len;
    size_t pos;                             /* next byte of the line */
    uint8_t *dst;                           /* scratch data */
    size_t out;                             /* scratch bytes used */
    unsigned seen;                          /* bit per FJ_* field */
    token field[FJ_FIELDS];                 /* valid when its bit is set */
    size_t n_unknown;
    size_t unknown_off[FJ_MAX_UNKNOWN];     /* raw key bytes in the line */
    size_t unknown_len[FJ_MAX_UNKNOWN];
} fast_json;

static const struct {
    const char *name;
    size_t len;
} fj_names[FJ_FIELDS] = {
    { "op", 2 }, { "bucket", 6 }, { "key", 3 }, { "value", 5 }, { "value_b64", 9 },
};

/* JSON whitespace, as jansson skips it. */
static bool fj_is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool fj_is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static void fj_skip_ws(fast_json *f)
{
    while (f->pos < f->len && fj_is_ws(f->line[f->pos]))
        f->pos++;
}

/* Whether the next byte is `c` (without consuming it). */
static bool fj_at(const fast_json *f, uint8_t c)
{
    return f->pos < f->len && f->line[f->pos] == c;
}

/* Value of the four hex digits at s, or -1. */
static long fj_hex4(const uint8_t *s)
{
    long v = 0;
    for (int j = 0; j < 4; j++) {
        int d = decode_hex(s[j]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Encode code point cp (not a surrogate, <= U+10FFFF) at dst; its length. */
static size_t fj_put_utf8(uint8_t *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (uint8_t)(0xc0 | cp >> 6);
        dst[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (uint8_t)(0xe0 | cp >> 12);
        dst[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        dst[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    dst[0] = (uint8_t)(0xf0 | cp >> 18);
    dst[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
    dst[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
    dst[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

/* The \u escape whose backslash is at line[i]: a code point or a surrogate
 * pair. Returns its source length (6 or 12) and sets *cp, or 0 (bad or lone
 * surrogate, short line). */
static size_t fj_unicode(const uint8_t *line, size_t len, size_t i, uint32_t *cp)
{
    if (len - i < 6)
        return 0;
    long hi = fj_hex4(line + i + 2);
    if (hi < 0 || (hi >= 0xdc00 && hi <= 0xdfff))
        return 0;
    if (hi < 0xd800 || hi > 0xdbff) {
        *cp = (uint32_t)hi;
        return 6;
    }
    if (len - i < 12 || line[i + 6] != '\\' || line[i + 7] != 'u')
        return 0;
    long lo = fj_hex4(line + i + 8);
    if (lo < 0xdc00 || lo > 0xdfff)
        return 0;
    *cp = 0x10000 + (uint32_t)((hi - 0xd800) << 10 | (lo - 0xdc00));
    return 12;
}

/* Decode the escape whose backslash is at line[*i] to dst[*n...]. */
static bool fj_escape(const uint8_t *line, size_t len, size_t *i, uint8_t *dst,
                      size_t *n)
{
    if (len - *i < 2)
        return false;
    uint8_t d;
    switch (line[*i + 1]) {
    case '"': d = '"'; break;
    case '\\': d = '\\'; break;
    case '/': d = '/'; break;
    case 'b': d = '\b'; break;
    case 'f': d = '\f'; break;
    case 'n': d = '\n'; break;
    case 'r': d = '\r'; break;
    case 't': d = '\t'; break;
    case 'u': {
        uint32_t cp = 0;
        size_t width = fj_unicode(line, len, *i, &cp);
        if (width == 0)
            return false;
        *n += fj_put_utf8(dst + *n, cp);
        *i += width;
        return true;
    }
    default:
        return false;
    }
    dst[(*n)++] = d;
    *i += 2;
    return true;
}

/* Decode the string whose opening quote is at line[pos] into scratch. */
static bool fj_string(fast_json *f, token *t)
{
    const uint8_t *line = f->line;
    size_t len = f->len;
    uint8_t *dst = f->dst;
    size_t i = f->pos + 1;
    size_t n = f->out;

    while (i < len) {
        uint8_t c = line[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            dst[n++] = c;
            i++;
            continue;
        }
        if (c == '"')
            break;
        if (c == '\\') {
            if (!fj_escape(line, len, &i, dst, &n))
                return false;
            continue;
        }
        if (c < 0x20)
            return false;
        size_t w = kvrt_utf8_seq(line + i, len - i);
        if (w == 0)
            return false;
        memcpy(dst + n, line + i, w);
        n += w;
        i += w;
    }
    if (i == len)
        return false;
    t->in_scratch = true;
    t->off = f->out;
    t->len = n - f->out;
    t->start = f->pos;
    t->high = false;
    f->out = n;
    f->pos = i + 1;
    return true;
}

/* The key whose opening quote is at line[pos], taken raw: an escape gives
 * up, so its bytes in the line are the key. */
static bool fj_key(fast_json *f, size_t *off, size_t *n)
{
    size_t i = f->pos + 1;

    while (i < f->len) {
        uint8_t c = f->line[i];
        if (c == '"')
            break;
        if (c < 0x20 || c == '\\')
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t w = kvrt_utf8_seq(f->line + i, f->len - i);
        if (w == 0)
            return false;
        i += w;
    }
    if (i == f->len)
        return false;
    *off = f->pos + 1;
    *n = i - *off;
    f->pos = i + 1;
    return true;
}

/* Index of a known field named s[0..n), or -1. */
static int fj_field(const uint8_t *s, size_t n)
{
    for (int i = 0; i < FJ_FIELDS; i++) {
        if (fj_names[i].len == n && memcmp(fj_names[i].name, s, n) == 0)
            return i;
    }
    return -1;
}

/* Remember unknown key line[off..off+n); false if it was seen already or
 * there are too many to track. */
static bool fj_remember_unknown(fast_json *f, size_t off, size_t n)
{
    for (size_t i = 0; i < f->n_unknown; i++) {
        if (f->unknown_len[i] == n &&
            memcmp(f->line + f->unknown_off[i], f->line + off, n) == 0)
            return false;
    }
    if (f->n_unknown == FJ_MAX_UNKNOWN)
        return false;
    f->unknown_off[f->n_unknown] = off;
    f->unknown_len[f->n_unknown] = n;
    f->n_unknown++;
    return true;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?, at most FJ_MAX_NUMBER bytes; an exponent
 * gives up (the byte after a value must be whitespace, ',' or '}'). */
static bool fj_number(fast_json *f)
{
    const uint8_t *line = f->line;
    size_t len = f->len;
    size_t i = f->pos;

    if (i < len && line[i] == '-')
        i++;
    if (i == len || !fj_is_digit(line[i]))
        return false;
    bool zero = line[i] == '0';
    i++;
    while (!zero && i < len && fj_is_digit(line[i]))
        i++;
    if (i < len && line[i] == '.') {
        i++;
        if (i == len || !fj_is_digit(line[i]))
            return false;
        while (i < len && fj_is_digit(line[i]))
            i++;
    }
    if (i - f->pos > FJ_MAX_NUMBER)
        return false;
    f->pos = i;
    return true;
}

static bool fj_literal(fast_json *f, const char *word, size_t n)
{
    if (f->len - f->pos < n || memcmp(f->line + f->pos, word, n) != 0)
        return false;
    f->pos += n;
    return true;
}

/* The value of an unknown member, at line[pos] (pos < len): checked, then
 * dropped. */
static bool fj_unknown_value(fast_json *f)
{
    uint8_t c = f->line[f->pos];

    if (c == '"') {
        token t;
        size_t mark = f->out;
        bool ok = fj_string(f, &t);
        f->out = mark;
        return ok;
    }
    if (c == 't')
        return fj_literal(f, "true", 4);
    if (c == 'f')
        return fj_literal(f, "false", 5);
    if (c == 'n')
        return fj_literal(f, "null", 4);
    return fj_number(f);
}

/* One member `"key" : value`, starting at line[pos]. */
static bool fj_member(fast_json *f)
{
    size_t koff = 0, klen = 0;

    if (!fj_at(f, '"') || !fj_key(f, &koff, &klen))
        return false;
    fj_skip_ws(f);
    if (!fj_at(f, ':'))
        return false;
    f->pos++;
    fj_skip_ws(f);
    if (f->pos == f->len)
        return false;
    int field = fj_field(f->line + koff, klen);
    if (field < 0) {
        if (!fj_remember_unknown(f, koff, klen))
            return false;
        return fj_unknown_value(f);
    }
    unsigned bit = 1u << field;
    if ((f->seen & bit) != 0 || f->line[f->pos] != '"')
        return false;
    f->seen |= bit;
    return fj_string(f, &f->field[field]);
}

/* The whole object, `{` at line[pos], then only whitespace to the end. */
static bool fj_object(fast_json *f)
{
    f->pos++;
    fj_skip_ws(f);
    for (;;) {
        if (!fj_member(f))
            return false;
        fj_skip_ws(f);
        if (f->pos == f->len)
            return false;
        uint8_t c = f->line[f->pos++];
        if (c == '}')
            break;
        if (c != ',')
            return false;
        fj_skip_ws(f);
    }
    fj_skip_ws(f);
    return f->pos == f->len;
}

/* The value of a set: "value", "value_b64" decoded in place, or empty. */
static bool fj_set_value(fast_json *f, token *value)
{
    bool has_v = (f->seen & 1u << FJ_VALUE) != 0;
    bool has_b64 = (f->seen & 1u << FJ_VALUE_B64) != 0;

    if (has_v && has_b64)
        return false;
    if (has_v) {
        *value = f->field[FJ_VALUE];
        return true;
    }
    if (!has_b64)
        return true;
    *value = f->field[FJ_VALUE_B64];
    uint8_t *s = f->dst + value->off;
    size_t n = 0;
    if (decode_base64(s, value->len, s, &n) != 0)
        return false;
    value->len = n;
    return true;
}

/* The fast path for the line whose `{` is at line[brace]. On false, scratch
 * holds what it held before (its bytes past len may have changed). */
static bool parse_json_fast(kvrt_evparser *p, const uint8_t *line, size_t len,
                            size_t brace, kvrt_event *out)
{
    if (kvrt_buf_reserve(&p->scratch, len - brace + 1) != 0)
        return false;
    fast_json f;
    f.line = line;
    f.len = len;
    f.pos = brace;
    f.dst = p->scratch.data;
    f.out = p->scratch.len;
    f.seen = 0;
    f.n_unknown = 0;
    if (!fj_object(&f))
        return false;

    const unsigned need = 1u << FJ_OP | 1u << FJ_BUCKET | 1u << FJ_KEY;
    if ((f.seen & need) != need)
        return false;
    const token *op = &f.field[FJ_OP];
    const uint8_t *ops = f.dst + op->off;
    kvrt_evop evop;
    if (op->len == 3 && memcmp(ops, "set", 3) == 0)
        evop = KVRT_EV_SET;
    else if (op->len == 6 && memcmp(ops, "delete", 6) == 0)
        evop = KVRT_EV_DELETE;
    else
        return false;
    token value = { 0 };
    if (evop == KVRT_EV_SET && !fj_set_value(&f, &value))
        return false;

    p->scratch.len = f.out;
    out->op = evop;
    out->bucket = resolve(p, NULL, &f.field[FJ_BUCKET]);
    out->bucket_len = f.field[FJ_BUCKET].len;
    out->key = resolve(p, NULL, &f.field[FJ_KEY]);
    out->key_len = f.field[FJ_KEY].len;
    out->value = resolve(p, NULL, &value);
    out->value_len = value.len;
    return true;
}

/* ---- entry points -------------------------------------------------------- */

void kvrt_evparser_init(kvrt_evparser *p)
{
    kvrt_buf_init(&p->scratch);
}

void kvrt_evparser_fini(kvrt_evparser *p)
{
    kvrt_buf_fini(&p->scratch);
}

/* kvrt_evline_parse; `fast`: JSON lines try the fast path first. */
static kvrt_lineres parse_line(kvrt_evparser *p, const uint8_t *line, size_t len,
                               bool fast, kvrt_event *out, kvrt_everr *err)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    size_t pos = skip_blanks(line, len, 0);
    if (pos == len || line[pos] == '#')
        return KVRT_LINE_SKIP;
    p->scratch.len = 0;
    if (line[pos] != '{')
        return parse_text(p, line, len, pos, out, err);
    if (fast && parse_json_fast(p, line, len, pos, out))
        return KVRT_LINE_EVENT;
    return parse_json(p, line, len, pos, out, err);
}

kvrt_lineres kvrt_evline_parse(kvrt_evparser *p, const uint8_t *line, size_t len,
                               kvrt_event *out, kvrt_everr *err)
{
    return parse_line(p, line, len, true, out, err);
}

kvrt_lineres kvrt_evline_parse_jansson(kvrt_evparser *p, const uint8_t *line, size_t len,
                                       kvrt_event *out, kvrt_everr *err)
{
    return parse_line(p, line, len, false, out, err);
}

bool kvrt_evline_json_fast(kvrt_evparser *p, const uint8_t *line, size_t len,
                           kvrt_event *out)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    size_t pos = skip_blanks(line, len, 0);
    if (pos == len || line[pos] != '{')
        return false;
    p->scratch.len = 0;
    return parse_json_fast(p, line, len, pos, out);
}

int kvrt_evline_unquote(kvrt_evparser *p, const uint8_t *line, size_t len, size_t *pos,
                        const uint8_t **out, size_t *out_len)
{
    kvrt_everr err;
    token t;
    if (*pos >= len || line[*pos] != '"')
        return -1;
    p->scratch.len = 0;
    if (decode_quoted(p, line, len, pos, &t, &err) != KVRT_LINE_EVENT)
        return -1;
    *out = resolve(p, line, &t);
    *out_len = t.len;
    return 0;
}

int kvrt_evline_token(kvrt_evparser *p, const uint8_t *line, size_t len, size_t *pos,
                      const uint8_t **out, size_t *out_len)
{
    kvrt_everr err;
    token t;
    if (*pos >= len || is_blank(line[*pos]))
        return -1;
    p->scratch.len = 0;
    if (read_token(p, line, len, pos, "token", &t, &err) != KVRT_LINE_EVENT)
        return -1;
    *out = resolve(p, line, &t);
    *out_len = t.len;
    return 0;
}
