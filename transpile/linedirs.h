/*
 * transpile/linedirs.h - a function of wasm2c's C with the guest's source
 * lines: each line mark (profile.h) is taken out and every line from it to
 * the next mark gets a `#line L "file"` of its own, the function's head
 * the line of its first mark. The C compiler then puts the guest's files
 * and lines in the executable's line table, so gdb, perf annotate and
 * addr2line show the guest's source.
 */
#ifndef KT_LINEDIRS_H
#define KT_LINEDIRS_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"
#include "strbuf.h"

/* Append fn[0..n) (one function item, as w2csplit.c holds it) to out with
 * its marks made #line directives. Returns false, appending nothing, when
 * the function holds no mark (no DWARF rows for it). */
bool kt_line_directives(const kt_profile *p, const char *fn, size_t n, kt_sb *out);

/* Is line[0..n) a mark? Its id in *id. */
bool kt_line_is_mark(const kt_profile *p, const char *line, size_t n, uint32_t *id);

#endif
