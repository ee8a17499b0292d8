/*
 * runtime/canon.h - canonical output of SPEC §4/§7: text `set`/`delete`
 * lines that parse back to the same bytes, JSON lines, and the quoted form
 * used inside trace messages.
 * Errors: every function returns 0, or -1 when memory is exhausted; a
 * whole-record writer then leaves `out` as it was.
 */
#ifndef KVRT_CANON_H
#define KVRT_CANON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Always-quoted form: `"` + escapes (\\ \" \n \r \t \0, \xHH lowercase for
 * other controls, 0x7f and bytes not part of valid UTF-8) + `"`. */
int kvrt_canon_quoted(kvrt_buf *out, const uint8_t *s, size_t n);
/* Bucket or key: bare when non-empty with no byte <= 0x20, no `"`, no 0x7f
 * (and valid UTF-8), else quoted. */
int kvrt_canon_token(kvrt_buf *out, const uint8_t *s, size_t n);
/* Value: raw when non-empty valid UTF-8 with no byte < 0x20 or 0x7f, not
 * starting with `"` or a blank, not ending with a blank; else quoted. */
int kvrt_canon_value(kvrt_buf *out, const uint8_t *s, size_t n);

/* Whole records, '\n' included. */
int kvrt_canon_set_text(kvrt_buf *out, const uint8_t *b, size_t bl,
                        const uint8_t *k, size_t kl, const uint8_t *v, size_t vl);
int kvrt_canon_delete_text(kvrt_buf *out, const uint8_t *b, size_t bl,
                           const uint8_t *k, size_t kl);
/* The set record in two steps, for many keys of one bucket: the prefix
 * `set B ` once, then each record from it. */
int kvrt_canon_set_prefix(kvrt_buf *out, const uint8_t *b, size_t bl);
int kvrt_canon_set_text_after(kvrt_buf *out, const kvrt_buf *prefix, const uint8_t *k,
                              size_t kl, const uint8_t *v, size_t vl);
/* {"op":"set","bucket":B,"key":K,"value":V} or "value_b64" (standard
 * padded base64) when V is not valid UTF-8; {"op":"delete","bucket":B,"key":K}.
 * No spaces, '\n' included. Strings escape `"`, `\` and controls (\b \f \n
 * \r \t, else \u00xx) and keep non-ASCII raw: B and K must be valid UTF-8
 * (they always are; invalid bytes would be copied raw). */
int kvrt_canon_set_json(kvrt_buf *out, const uint8_t *b, size_t bl,
                        const uint8_t *k, size_t kl, const uint8_t *v, size_t vl);
int kvrt_canon_delete_json(kvrt_buf *out, const uint8_t *b, size_t bl,
                           const uint8_t *k, size_t kl);

#endif
