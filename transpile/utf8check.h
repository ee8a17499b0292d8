/*
 * transpile/utf8check.h - strict UTF-8 validation of wasm names (core spec
 * 5.2.4: names are UTF-8 of Unicode scalar values): no overlong forms, no
 * surrogates, nothing above U+10FFFF. The transpiler keeps its own copy so
 * it does not depend on runtime/.
 */
#ifndef KT_UTF8CHECK_H
#define KT_UTF8CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..n) is entirely valid UTF-8 (n == 0 is valid; s may be NULL then). */
bool kt_utf8_valid(const uint8_t *s, size_t n);

#endif
