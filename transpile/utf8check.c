/*
 * transpile/utf8check.c - strict UTF-8 validator (RFC 3629 table 3-7 of
 * Unicode: the second byte's range depends on the lead byte, which is what
 * rules out overlongs, surrogates and code points past U+10FFFF).
 */
#include "utf8check.h"

static bool is_cont(uint8_t b)
{
    return (b & 0xc0) == 0x80;
}

bool kt_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        size_t need;
        uint8_t lo = 0x80, hi = 0xbf;   /* allowed range of the second byte */

        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xc2 && b <= 0xdf) {
            need = 1;
        } else if (b == 0xe0) {
            need = 2; lo = 0xa0;
        } else if (b == 0xed) {
            need = 2; hi = 0x9f;
        } else if (b >= 0xe1 && b <= 0xef) {
            need = 2;
        } else if (b == 0xf0) {
            need = 3; lo = 0x90;
        } else if (b == 0xf4) {
            need = 3; hi = 0x8f;
        } else if (b >= 0xf1 && b <= 0xf3) {
            need = 3;
        } else {
            return false;   /* 0x80..0xc1, 0xf5..0xff */
        }
        if (need > n - i - 1)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++) {
            if (!is_cont(s[i + k]))
                return false;
        }
        i += need + 1;
    }
    return true;
}
