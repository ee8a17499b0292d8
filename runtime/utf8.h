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

/* True when s[0..n) is entirely valid UTF-8 (n == 0 is valid). */
bool kvrt_utf8_valid(const uint8_t *s, size_t n);
/* Length (1-4) of the valid UTF-8 sequence starting at s[0], or 0 when the
 * bytes at s (at most n of them) do not start a valid sequence. n > 0. */
size_t kvrt_utf8_seq(const uint8_t *s, size_t n);
/* Offset of the first byte of s[0..n) that does not start a valid sequence
 * (the end of the longest valid prefix), or n when all of it is valid. */
size_t kvrt_utf8_valid_prefix(const uint8_t *s, size_t n);

#endif
