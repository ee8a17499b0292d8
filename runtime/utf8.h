/*
 * runtime/utf8.h - strict UTF-8 validation (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), used on every string the guest passes
 * and by the canonical printer to find bytes that must be escaped.
 */
#ifndef KVRT_UTF8_H
#define KVRT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Offset of the first byte of s[0..n) that does not start a valid sequence
 * (the end of the longest valid prefix), or n when all of it is valid. */
size_t kvrt_utf8_valid_prefix(const uint8_t *s, size_t n);

/* Is s[0..n) all ASCII? Eight bytes at a time, the last eight (possibly
 * overlapping) as one more load, and strings shorter than eight as at most
 * one 4-, one 2- and one 1-byte load: no loop over bytes (most strings are
 * short ASCII keys). */
static inline bool kvrt_utf8_all_ascii(const uint8_t *s, size_t n)
{
    uint64_t acc = 0;
    if (n >= 8) {
        uint64_t word;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&word, s + i, 8);
            acc |= word;
        }
        memcpy(&word, s + n - 8, 8);
        acc |= word;
    } else {
        size_t at = 0;
        if (n & 4) {
            uint32_t w4;
            memcpy(&w4, s, 4);
            acc |= w4;
            at = 4;
        }
        if (n & 2) {
            uint16_t w2;
            memcpy(&w2, s + at, 2);
            acc |= w2;
            at += 2;
        }
        if (n & 1)
            acc |= s[at];
    }
    return (acc & UINT64_C(0x8080808080808080)) == 0;
}

/* True when s[0..n) is entirely valid UTF-8 (n == 0 is valid). */
static inline bool kvrt_utf8_valid(const uint8_t *s, size_t n)
{
    return kvrt_utf8_all_ascii(s, n) || kvrt_utf8_valid_prefix(s, n) == n;
}
/* Length (1-4) of the valid UTF-8 sequence starting at s[0], or 0 when the
 * bytes at s (at most n of them) do not start a valid sequence. n > 0. */
size_t kvrt_utf8_seq(const uint8_t *s, size_t n);
#endif
