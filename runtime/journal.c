/*
 * runtime/journal.c - journal records in memory; see journal.h. The CRC is
 * zlib's CRC-32 (the library: fast, and checked by everyone's tools).
 */
#include "journal.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "canon.h"

uint32_t kvrt_journal_crc(const uint8_t *p, size_t n)
{
    uLong c = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)c;
}

int kvrt_journal_put_at(kvrt_buf *out, const kvrt_inpos *pos)
{
    char nums[96];
    int n = snprintf(nums, sizeof nums, " %llu %llu %u %08x\n",
                     (unsigned long long)pos->offset, (unsigned long long)pos->line,
                     pos->last_len, pos->last_crc);
    size_t mark = out->len;
    if (kvrt_buf_puts(out, "at ") != 0 || kvrt_canon_quoted(out, pos->name, pos->name_len) != 0 ||
        kvrt_buf_append(out, nums, (size_t)n) != 0) {
        kvrt_buf_truncate(out, mark);
        return -1;
    }
    return 0;
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
        if (v > (UINT64_MAX - d) / 10)
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

static int parse_hex32(const uint8_t *line, size_t len, size_t *pos, uint32_t *out)
{
    size_t i = *pos;
    uint32_t v = 0;
    size_t n = 0;
    for (; i < len && n < 8; i++, n++) {
        uint8_t c = line[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    if (n != 8 || (i < len && line[i] != ' '))
        return -1;
    *pos = i < len ? i + 1 : i;
    *out = v;
    return 0;
}

int kvrt_journal_parse_at(kvrt_evparser *p, const uint8_t *line, size_t len, kvrt_inpos *out)
{
    size_t pos = 3;
    uint64_t last_len;
    if (len < 4 || memcmp(line, "at ", 3) != 0 ||
        kvrt_evline_unquote(p, line, len, &pos, &out->name, &out->name_len) != 0 ||
        pos >= len || line[pos] != ' ')
        return -1;
    pos++;
    if (parse_u64(line, len, &pos, &out->offset) != 0 ||
        parse_u64(line, len, &pos, &out->line) != 0 ||
        parse_u64(line, len, &pos, &last_len) != 0 || last_len > UINT32_MAX ||
        parse_hex32(line, len, &pos, &out->last_crc) != 0 || pos != len)
        return -1;
    out->last_len = (uint32_t)last_len;
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

int kvrt_journal_put_record(kvrt_buf *out, uint64_t seq, const uint8_t *body, size_t n)
{
    char head[64];
    int h = snprintf(head, sizeof head, "@ %llu %zu %08x\n", (unsigned long long)seq, n,
                     kvrt_journal_crc(body, n));
    size_t mark = out->len;
    if (kvrt_buf_reserve(out, (size_t)h + n) != 0)
        return -1;
    if (kvrt_buf_append(out, head, (size_t)h) != 0 || kvrt_buf_append(out, body, n) != 0) {
        kvrt_buf_truncate(out, mark);
        return -1;
    }
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
        parse_hex32(data, pos + hlen, &i, &crc) != 0 || i != pos + hlen)
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
