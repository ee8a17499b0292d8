/*
 * transpile/strbuf.h - append-only string builder for generated C and
 * command lines. Out of memory is sticky: appends after a failure do
 * nothing and kt_sb_failed reports it once at the end.
 */
#ifndef KT_STRBUF_H
#define KT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kt_sb {
    char *data;     /* always NUL-terminated once anything was appended */
    size_t len, cap;
    bool failed;
} kt_sb;

void kt_sb_init(kt_sb *sb);
void kt_sb_fini(kt_sb *sb);
void kt_sb_add(kt_sb *sb, const char *s);
void kt_sb_addn(kt_sb *sb, const char *s, size_t n);
void kt_sb_addf(kt_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s between double quotes with `"`, `\` and bytes below 0x20 or
 * 0x7f escaped (\" \\ \xHH), so it stays on one line; cut after max bytes
 * (at a UTF-8 boundary) and marked "..." when longer. */
void kt_sb_add_quoted(kt_sb *sb, const char *s, size_t max);
/* The text so far ("" when empty). */
const char *kt_sb_str(const kt_sb *sb);

#endif
