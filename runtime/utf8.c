/*
 * runtime/utf8.c - strict UTF-8 validation (RFC 3629 §4 table: no overlong
 * forms, no surrogates U+D800..U+DFFF, nothing above U+10FFFF); see utf8.h.
 * Runs of ASCII are skipped eight bytes at a time, since almost every
 * bucket, key and value is ASCII.
 */
#include "utf8.h"

#include <string.h>

static bool is_cont(uint8_t c)
{
    return (c & 0xc0) == 0x80;
}

static bool is_in(uint8_t c, uint8_t lo, uint8_t hi)
{
    return c >= lo && c <= hi;
}

size_t kvrt_utf8_seq(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];

    if (c < 0x80)
        return 1;
    /* 0x80..0xbf are continuation bytes; 0xc0, 0xc1 only start overlongs. */
    if (c < 0xc2)
        return 0;
    if (c < 0xe0) {
        if (n < 2 || !is_cont(s[1]))
            return 0;
        return 2;
    }
    if (c < 0xf0) {
        if (n < 3)
            return 0;
        uint8_t lo = c == 0xe0 ? 0xa0 : 0x80;   /* E0 80..9F: overlong */
        uint8_t hi = c == 0xed ? 0x9f : 0xbf;   /* ED A0..BF: surrogates */
        if (!is_in(s[1], lo, hi) || !is_cont(s[2]))
            return 0;
        return 3;
    }
    if (c < 0xf5) {
        if (n < 4)
            return 0;
        uint8_t lo = c == 0xf0 ? 0x90 : 0x80;   /* F0 80..8F: overlong */
        uint8_t hi = c == 0xf4 ? 0x8f : 0xbf;   /* F4 90..: above U+10FFFF */
        if (!is_in(s[1], lo, hi) || !is_cont(s[2]) || !is_cont(s[3]))
            return 0;
        return 4;
    }
    return 0;
}

size_t kvrt_utf8_valid_prefix(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint64_t word;
        if (n - i >= 8) {
            memcpy(&word, s + i, 8);
            if ((word & UINT64_C(0x8080808080808080)) == 0) {
                i += 8;
                continue;
            }
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = kvrt_utf8_seq(s + i, n - i);
        if (k == 0)
            return i;
        i += k;
    }
    return n;
}
