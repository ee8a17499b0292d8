/*
 * runtime/canon.c - canonical text and JSON output records (SPEC §4, §7);
 * see canon.h. Text output parses back with kvrt_evline_parse to the same
 * bytes; JSON output parses back to the same strings/bytes.
 *
 * Each writer reserves the worst case once and then fills the buffer
 * directly, checking and copying a token in one pass; on -1 (no memory)
 * the buffer is as it was.
 *
 * JSON strings assume valid UTF-8 input (buckets and keys always are: the
 * parser and the guest ABI both reject anything else); bytes >= 0x80 are
 * written raw. Values that are not valid UTF-8 go out as value_b64.
 */
#include "canon.h"

#include <stdbool.h>
#include <string.h>

#include "utf8.h"

static const char hex_digits[] = "0123456789abcdef";
static const char b64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static bool is_control(uint8_t c)
{
    return c < 0x20 || c == 0x7f;
}

/* Reserve room for `count` items of at most `each` bytes plus `extra`. */
static int reserve_items(kvrt_buf *out, size_t count, size_t each, size_t extra)
{
    if (count > (SIZE_MAX / 2 - extra) / each)
        return -1;
    return kvrt_buf_reserve(out, count * each + extra);
}

static uint8_t *write_hex_escape(uint8_t *d, uint8_t c)
{
    *d++ = '\\';
    *d++ = 'x';
    *d++ = (uint8_t)hex_digits[c >> 4];
    *d++ = (uint8_t)hex_digits[c & 15];
    return d;
}

/* One ASCII byte (< 0x80) inside quotes. */
static uint8_t *write_quoted_ascii(uint8_t *d, uint8_t c)
{
    uint8_t e;

    switch (c) {
    case '\\': e = '\\'; break;
    case '"': e = '"'; break;
    case '\n': e = 'n'; break;
    case '\r': e = 'r'; break;
    case '\t': e = 't'; break;
    case 0: e = '0'; break;
    default:
        if (is_control(c))
            return write_hex_escape(d, c);
        *d++ = c;
        return d;
    }
    *d++ = '\\';
    *d++ = e;
    return d;
}

/* Needs 4 * n + 2 bytes at d. */
static uint8_t *write_quoted(uint8_t *d, const uint8_t *s, size_t n)
{
    size_t i = 0;

    *d++ = '"';
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            d = write_quoted_ascii(d, c);
            i++;
            continue;
        }
        size_t k = kvrt_utf8_seq(s + i, n - i);
        if (k == 0) {
            d = write_hex_escape(d, c);
            i++;
            continue;
        }
        memcpy(d, s + i, k);
        d += k;
        i += k;
    }
    *d++ = '"';
    return d;
}

/* ---- eight bytes at a time -------------------------------------------------
 * Tokens and values are checked and copied a word at a time: the tests
 * below say whether any byte of a word is in a class (exactly: the classic
 * "has a byte less than c" / "has a zero byte" tests of Bit Twiddling
 * Hacks), which is all the checks need. */
#define ONES UINT64_C(0x0101010101010101)
#define HIGH UINT64_C(0x8080808080808080)

/* Nonzero when a byte of w is below c (c <= 0x80; bytes >= 0x80 never are). */
static uint64_t any_below(uint64_t w, uint8_t c)
{
    return (w - ONES * c) & ~w & HIGH;
}

/* Nonzero when a byte of w is c. */
static uint64_t any_equal(uint64_t w, uint8_t c)
{
    return any_below(w ^ (ONES * c), 1);
}

enum scan_class { BARE_TOKEN, RAW_VALUE };

/* Nonzero when w has a byte a bare token / a raw value may not hold (the
 * ASCII rules; bytes >= 0x80 are judged by UTF-8 validity afterwards). */
static uint64_t forbidden(uint64_t w, enum scan_class cls)
{
    if (cls == BARE_TOKEN)
        return any_below(w, 0x21) | any_equal(w, '"') | any_equal(w, 0x7f);
    return any_below(w, 0x20) | any_equal(w, 0x7f);
}

/* Copy s[0..n) to d and check it: *forbid is nonzero when a byte is
 * forbidden in cls; the result has a byte's high bit set when s has bytes
 * >= 0x80. Words of eight, the last one overlapping the one before; under
 * eight bytes, 4-, 2- and 1-byte pieces into a word padded with 'a', which
 * no class forbids. */
static inline uint64_t copy_checked(uint8_t *d, const uint8_t *s, size_t n,
                                    enum scan_class cls, uint64_t *forbid)
{
    uint64_t w, bad = 0, any = 0;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&w, s + i, 8);
            memcpy(d + i, &w, 8);
            bad |= forbidden(w, cls);
            any |= w;
        }
        memcpy(&w, s + n - 8, 8);
        memcpy(d + n - 8, &w, 8);
    } else {
        uint8_t word[8] = {'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'};
        size_t at = 0;
        if (n & 4) {
            memcpy(word, s, 4);
            memcpy(d, s, 4);
            at = 4;
        }
        if (n & 2) {
            memcpy(word + at, s + at, 2);
            memcpy(d + at, s + at, 2);
            at += 2;
        }
        if (n & 1) {
            word[at] = s[at];
            d[at] = s[at];
        }
        memcpy(&w, word, 8);
    }
    *forbid = bad | forbidden(w, cls);
    return any | w;
}

/* Copy s[0..n) to d when it is a bare token (SPEC §7: non-empty, no
 * blank, control byte or '"', valid UTF-8); returns the end, or NULL (and
 * d's bytes are garbage). The check and the copy in one pass. */
static inline uint8_t *copy_bare_token(uint8_t *d, const uint8_t *s, size_t n)
{
    uint64_t forbid;
    if (n == 0)
        return NULL;
    uint64_t any = copy_checked(d, s, n, BARE_TOKEN, &forbid);
    if (forbid != 0)
        return NULL;
    if ((any & HIGH) != 0 && !kvrt_utf8_valid(s, n))
        return NULL;
    return d + n;
}

/* Likewise for a raw value: non-empty, no control byte, not starting with
 * '"', no blank at either end, valid UTF-8. */
static inline uint8_t *copy_raw_value(uint8_t *d, const uint8_t *s, size_t n)
{
    uint64_t forbid;
    if (n == 0 || s[0] == '"' || is_blank(s[0]) || is_blank(s[n - 1]))
        return NULL;
    uint64_t any = copy_checked(d, s, n, RAW_VALUE, &forbid);
    if (forbid != 0)
        return NULL;
    if ((any & HIGH) != 0 && !kvrt_utf8_valid(s, n))
        return NULL;
    return d + n;
}

/* Both need 4 * n + 2 bytes at d. */
static inline uint8_t *write_token(uint8_t *d, const uint8_t *s, size_t n)
{
    uint8_t *end = copy_bare_token(d, s, n);
    return end != NULL ? end : write_quoted(d, s, n);
}

static inline uint8_t *write_value(uint8_t *d, const uint8_t *s, size_t n)
{
    uint8_t *end = copy_raw_value(d, s, n);
    return end != NULL ? end : write_quoted(d, s, n);
}

static uint8_t *write_lit(uint8_t *d, const char *lit, size_t n)
{
    memcpy(d, lit, n);
    return d + n;
}

int kvrt_canon_quoted(kvrt_buf *out, const uint8_t *s, size_t n)
{
    if (reserve_items(out, n, 4, 2) != 0)
        return -1;
    uint8_t *end = write_quoted(out->data + out->len, s, n);
    out->len = (size_t)(end - out->data);
    return 0;
}

int kvrt_canon_token(kvrt_buf *out, const uint8_t *s, size_t n)
{
    if (reserve_items(out, n, 4, 2) != 0)
        return -1;
    uint8_t *end = write_token(out->data + out->len, s, n);
    out->len = (size_t)(end - out->data);
    return 0;
}

int kvrt_canon_value(kvrt_buf *out, const uint8_t *s, size_t n)
{
    if (reserve_items(out, n, 4, 2) != 0)
        return -1;
    uint8_t *end = write_value(out->data + out->len, s, n);
    out->len = (size_t)(end - out->data);
    return 0;
}

/* Room for a record of three fields of total length n: each at most 4
 * bytes per byte plus quotes, "delete " and the separators. */
static int reserve_record(kvrt_buf *out, size_t bl, size_t kl, size_t vl)
{
    if (bl > SIZE_MAX / 16 || kl > SIZE_MAX / 16 || vl > SIZE_MAX / 16)
        return -1;
    return reserve_items(out, bl + kl + vl, 4, 16);
}

int kvrt_canon_set_text(kvrt_buf *out, const uint8_t *b, size_t bl,
                        const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    if (reserve_record(out, bl, kl, vl) != 0)
        return -1;
    uint8_t *d = write_lit(out->data + out->len, "set ", 4);
    d = write_token(d, b, bl);
    *d++ = ' ';
    d = write_token(d, k, kl);
    *d++ = ' ';
    d = write_value(d, v, vl);
    *d++ = '\n';
    out->len = (size_t)(d - out->data);
    return 0;
}

int kvrt_canon_set_prefix(kvrt_buf *out, const uint8_t *b, size_t bl)
{
    if (reserve_record(out, bl, 0, 0) != 0)
        return -1;
    uint8_t *d = write_lit(out->data + out->len, "set ", 4);
    d = write_token(d, b, bl);
    *d++ = ' ';
    out->len = (size_t)(d - out->data);
    return 0;
}

int kvrt_canon_set_text_after(kvrt_buf *out, const kvrt_buf *prefix, const uint8_t *k,
                              size_t kl, const uint8_t *v, size_t vl)
{
    if (prefix->len > SIZE_MAX / 2 || reserve_record(out, prefix->len, kl, vl) != 0)
        return -1;
    uint8_t *d = write_lit(out->data + out->len, (const char *)prefix->data, prefix->len);
    d = write_token(d, k, kl);
    *d++ = ' ';
    d = write_value(d, v, vl);
    *d++ = '\n';
    out->len = (size_t)(d - out->data);
    return 0;
}

int kvrt_canon_delete_text(kvrt_buf *out, const uint8_t *b, size_t bl,
                           const uint8_t *k, size_t kl)
{
    if (reserve_record(out, bl, kl, 0) != 0)
        return -1;
    uint8_t *d = write_lit(out->data + out->len, "delete ", 7);
    d = write_token(d, b, bl);
    *d++ = ' ';
    d = write_token(d, k, kl);
    *d++ = '\n';
    out->len = (size_t)(d - out->data);
    return 0;
}

/* Undo a half-written record. */
static int fail_record(kvrt_buf *out, size_t mark)
{
    kvrt_buf_truncate(out, mark);
    return -1;
}

/* ---- JSON ---------------------------------------------------------------- */

/* A JSON string; s is assumed to be valid UTF-8 (see the banner). */
static int append_json_string(kvrt_buf *out, const uint8_t *s, size_t n)
{
    if (reserve_items(out, n, 6, 2) != 0)
        return -1;
    uint8_t *d = out->data + out->len;

    *d++ = '"';
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        uint8_t e = 0;
        switch (c) {
        case '"': e = '"'; break;
        case '\\': e = '\\'; break;
        case '\b': e = 'b'; break;
        case '\f': e = 'f'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\t': e = 't'; break;
        default: break;
        }
        if (e != 0) {
            *d++ = '\\';
            *d++ = e;
        } else if (c < 0x20) {
            memcpy(d, "\\u00", 4);
            d[4] = (uint8_t)hex_digits[c >> 4];
            d[5] = (uint8_t)hex_digits[c & 15];
            d += 6;
        } else {
            *d++ = c;
        }
    }
    *d++ = '"';
    out->len = (size_t)(d - out->data);
    return 0;
}

/* A JSON string holding the standard padded base64 of s[0..n). */
static int append_json_base64(kvrt_buf *out, const uint8_t *s, size_t n)
{
    if (reserve_items(out, n / 3 + 1, 4, 2) != 0)
        return -1;
    uint8_t *d = out->data + out->len;
    size_t i = 0;

    *d++ = '"';
    for (; n - i >= 3; i += 3) {
        uint32_t w = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *d++ = (uint8_t)b64_digits[w >> 18];
        *d++ = (uint8_t)b64_digits[(w >> 12) & 63];
        *d++ = (uint8_t)b64_digits[(w >> 6) & 63];
        *d++ = (uint8_t)b64_digits[w & 63];
    }
    if (n - i == 1) {
        uint32_t w = (uint32_t)s[i] << 16;
        *d++ = (uint8_t)b64_digits[w >> 18];
        *d++ = (uint8_t)b64_digits[(w >> 12) & 63];
        *d++ = '=';
        *d++ = '=';
    } else if (n - i == 2) {
        uint32_t w = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        *d++ = (uint8_t)b64_digits[w >> 18];
        *d++ = (uint8_t)b64_digits[(w >> 12) & 63];
        *d++ = (uint8_t)b64_digits[(w >> 6) & 63];
        *d++ = '=';
    }
    *d++ = '"';
    out->len = (size_t)(d - out->data);
    return 0;
}

int kvrt_canon_set_json(kvrt_buf *out, const uint8_t *b, size_t bl,
                        const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    size_t mark = out->len;
    bool text = kvrt_utf8_valid(v, vl);

    if (kvrt_buf_puts(out, "{\"op\":\"set\",\"bucket\":") != 0 ||
        append_json_string(out, b, bl) != 0 ||
        kvrt_buf_puts(out, ",\"key\":") != 0 ||
        append_json_string(out, k, kl) != 0 ||
        kvrt_buf_puts(out, text ? ",\"value\":" : ",\"value_b64\":") != 0)
        return fail_record(out, mark);
    int r = text ? append_json_string(out, v, vl) : append_json_base64(out, v, vl);
    if (r != 0 || kvrt_buf_puts(out, "}\n") != 0)
        return fail_record(out, mark);
    return 0;
}

int kvrt_canon_delete_json(kvrt_buf *out, const uint8_t *b, size_t bl,
                           const uint8_t *k, size_t kl)
{
    size_t mark = out->len;

    if (kvrt_buf_puts(out, "{\"op\":\"delete\",\"bucket\":") != 0 ||
        append_json_string(out, b, bl) != 0 ||
        kvrt_buf_puts(out, ",\"key\":") != 0 ||
        append_json_string(out, k, kl) != 0 ||
        kvrt_buf_puts(out, "}\n") != 0)
        return fail_record(out, mark);
    return 0;
}
