/*
 * runtime/journal.c - journal records in memory; see journal.h. Numbers are
 * formatted by hand (snprintf was a fifth of the --data run's time).
 */
#include "journal.h"

#include <stdint.h>
#include <string.h>

#include "canon.h"
#include "crc32c.h"

uint32_t kvrt_journal_crc(const uint8_t *p, size_t n)
{
    return kvrt_crc32c(0, p, n);
}

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* The number of decimal digits of v. */
static size_t decimal_digits(uint64_t v)
{
    static const uint64_t pow10[20] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
        100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull};
    /* floor(log10(v)) from the bit length: 1233 / 4096 ~ log10(2) */
    if (v == 0)
        return 1;
    size_t t = (size_t)((64 - __builtin_clzll(v)) * 1233) >> 12;
    return t + (v >= pow10[t]);
}

/* Write v in decimal at p; returns the end. Straight into place, two
 * digits a step, 32-bit steps once v fits: this runs five times per
 * record (snprintf was a fifth of a --data run's time). */
static uint8_t *fmt_u64(uint8_t *p, uint64_t v)
{
    size_t n = decimal_digits(v);
    uint8_t *d = p + n;
    while (v > UINT32_MAX) {
        const char *two = digit_pairs + 2 * (v % 100);
        v /= 100;
        *--d = (uint8_t)two[1];
        *--d = (uint8_t)two[0];
    }
    uint32_t w = (uint32_t)v;
    while (w >= 100) {
        const char *two = digit_pairs + 2 * (w % 100);
        w /= 100;
        *--d = (uint8_t)two[1];
        *--d = (uint8_t)two[0];
    }
    if (w >= 10) {
        *--d = (uint8_t)digit_pairs[2 * w + 1];
        *--d = (uint8_t)digit_pairs[2 * w];
    } else {
        *--d = (uint8_t)('0' + w);
    }
    return p + n;
}

static uint8_t *fmt_hex32(uint8_t *p, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 7; i >= 0; i--)
        *p++ = (uint8_t)hex[(v >> (4 * i)) & 0xf];
    return p;
}

int kvrt_journal_at_prefix(kvrt_buf *out, const uint8_t *name, size_t n)
{
    size_t mark = out->len;
    if (kvrt_buf_append(out, "at ", 3) != 0 || kvrt_canon_quoted(out, name, n) != 0 ||
        kvrt_buf_putc(out, ' ') != 0) {
        kvrt_buf_truncate(out, mark);
        return -1;
    }
    return 0;
}

/* The numbers of an `at` line: at most 3 * 20 + 8 digits and 4 separators. */
enum { AT_NUMS_MAX = 72 };

int kvrt_journal_put_at_after(kvrt_buf *out, const kvrt_buf *prefix, const kvrt_inpos *pos)
{
    if (kvrt_buf_reserve(out, prefix->len + AT_NUMS_MAX) != 0)
        return -1;
    uint8_t *p = out->data + out->len;
    memcpy(p, prefix->data, prefix->len);
    p += prefix->len;
    p = fmt_u64(p, pos->offset);
    *p++ = ' ';
    p = fmt_u64(p, pos->line);
    *p++ = ' ';
    p = fmt_u64(p, pos->last_len);
    *p++ = ' ';
    p = fmt_hex32(p, pos->last_crc);
    *p++ = '\n';
    out->len = (size_t)(p - out->data);
    return 0;
}

int kvrt_journal_put_at(kvrt_buf *out, const kvrt_inpos *pos)
{
    kvrt_buf prefix;
    kvrt_buf_init(&prefix);
    int rc = kvrt_journal_at_prefix(&prefix, pos->name, pos->name_len);
    if (rc == 0)
        rc = kvrt_journal_put_at_after(out, &prefix, pos);
    kvrt_buf_fini(&prefix);
    return rc;
}

/* A decimal number (at most 20 digits) at line[*pos], then one blank or
 * the end. */
static int parse_u64(const uint8_t *line, size_t len, size_t *pos, uint64_t *out)
{
    size_t i = *pos;
    uint64_t v = 0;
    if (i >= len || line[i] < '0' || line[i] > '9')
        return -1;
    while (i < len && line[i] >= '0' && line[i] <= '9') {
        uint64_t d = (uint64_t)(line[i] - '0');
        /* a division only where overflow is possible: 20 digits */
        if (i - *pos >= 19 && v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        i++;
    }
    if (i < len && line[i] != ' ')
        return -1;
    *pos = i < len ? i + 1 : i;
    *out = v;
    return 0;
}

/* A lower-case hex digit's value + 1; 0 for anything else. */
static const uint8_t hex_plus1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
    ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13,
    ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/* Exactly 8 hex digits at line[*pos], then one blank or the end: by table,
 * without branches (this runs twice per record on replay). */
static int parse_hex32(const uint8_t *line, size_t len, size_t *pos, uint32_t *out)
{
    size_t i = *pos;
    if (i > len || len - i < 8)
        return -1;
    uint32_t v = 0;
    int bad = 0;
    for (size_t k = 0; k < 8; k++) {
        uint8_t d = hex_plus1[line[i + k]];
        bad |= d == 0;
        v = v << 4 | ((uint32_t)(d - 1u) & 0xfu);
    }
    i += 8;
    if (bad || (i < len && line[i] != ' '))
        return -1;
    *pos = i < len ? i + 1 : i;
    *out = v;
    return 0;
}

int kvrt_journal_parse_at(kvrt_evparser *p, const uint8_t *line, size_t len, kvrt_inpos *out)
{
    size_t pos = 3;
    if (len < 4 || memcmp(line, "at ", 3) != 0 ||
        kvrt_evline_unquote(p, line, len, &pos, &out->name, &out->name_len) != 0 ||
        pos >= len || line[pos] != ' ')
        return -1;
    pos++;
    if (parse_u64(line, len, &pos, &out->offset) != 0 ||
        parse_u64(line, len, &pos, &out->line) != 0 ||
        parse_u64(line, len, &pos, &out->last_len) != 0 ||
        parse_hex32(line, len, &pos, &out->last_crc) != 0 || pos != len ||
        line[len - 1] == ' ')
        return -1;
    return 0;
}

int kvrt_journal_put_open(kvrt_buf *out, const uint8_t *b, size_t bl)
{
    size_t mark = out->len;
    if (kvrt_buf_puts(out, "open ") != 0 || kvrt_canon_token(out, b, bl) != 0 ||
        kvrt_buf_putc(out, '\n') != 0) {
        kvrt_buf_truncate(out, mark);
        return -1;
    }
    return 0;
}

/* A header: "@ ", two numbers, a blank, 8 hex digits, '\n'. */
enum { HEADER_MAX = 2 + 20 + 1 + 20 + 1 + 8 + 1 };

int kvrt_journal_begin(kvrt_buf *out, size_t *mark)
{
    if (kvrt_buf_reserve(out, HEADER_MAX) != 0)
        return -1;
    *mark = out->len;
    memset(out->data + out->len, ' ', HEADER_MAX);
    out->len += HEADER_MAX;
    return 0;
}

void kvrt_journal_end(kvrt_buf *out, size_t mark, uint64_t seq)
{
    uint8_t *body = out->data + mark + HEADER_MAX;
    size_t n = out->len - (mark + HEADER_MAX);
    uint8_t head[HEADER_MAX];
    uint8_t *p = head;
    *p++ = '@';
    *p++ = ' ';
    p = fmt_u64(p, seq);
    *p++ = ' ';
    p = fmt_u64(p, n);
    *p++ = ' ';
    p = fmt_hex32(p, kvrt_journal_crc(body, n));
    *p++ = '\n';
    size_t h = (size_t)(p - head);
    memmove(out->data + mark + h, body, n);
    memcpy(out->data + mark, head, h);
    out->len = mark + h + n;
}

int kvrt_journal_put_record(kvrt_buf *out, uint64_t seq, const uint8_t *body, size_t n)
{
    size_t mark;
    if (kvrt_journal_begin(out, &mark) != 0)
        return -1;
    if (kvrt_buf_append(out, body, n) != 0) {
        kvrt_buf_truncate(out, mark);
        return -1;
    }
    kvrt_journal_end(out, mark, seq);
    return 0;
}

kvrt_jscan kvrt_journal_scan(const uint8_t *data, size_t len, size_t pos, kvrt_jrec *rec)
{
    if (pos >= len)
        return KVRT_JREC_END;
    const uint8_t *nl = memchr(data + pos, '\n', len - pos);
    if (nl == NULL)
        return KVRT_JREC_BAD;
    size_t hlen = (size_t)(nl - (data + pos));
    size_t i = pos + 2;
    uint64_t seq, blen;
    uint32_t crc;
    if (hlen < 2 || data[pos] != '@' || data[pos + 1] != ' ' ||
        parse_u64(data, pos + hlen, &i, &seq) != 0 ||
        parse_u64(data, pos + hlen, &i, &blen) != 0 ||
        parse_hex32(data, pos + hlen, &i, &crc) != 0 || i != pos + hlen ||
        data[pos + hlen - 1] == ' ')
        return KVRT_JREC_BAD;
    size_t body = pos + hlen + 1;
    if (blen > len - body)
        return KVRT_JREC_BAD;
    if ((blen > 0 && data[body + blen - 1] != '\n') ||
        kvrt_journal_crc(data + body, (size_t)blen) != crc)
        return KVRT_JREC_BAD;
    rec->seq = seq;
    rec->start = pos;
    rec->end = body + (size_t)blen;
    rec->body = data + body;
    rec->body_len = (size_t)blen;
    return KVRT_JREC_OK;
}

bool kvrt_journal_intact_after(const uint8_t *data, size_t len, size_t pos)
{
    /* Records start at line starts: try every "\n@ " after pos. */
    for (size_t i = pos; i + 2 < len; i++) {
        if (data[i] != '\n' || data[i + 1] != '@')
            continue;
        kvrt_jrec r;
        if (kvrt_journal_scan(data, len, i + 1, &r) == KVRT_JREC_OK)
            return true;
    }
    return false;
}
