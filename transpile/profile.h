/*
 * transpile/profile.h - what a `--profile` build knows about the guest's
 * source: the readable function names (symnames.h), the DWARF line table
 * (dwarf.h) and the line markers that carry it through wasm2c.
 *
 * wasm2c 1.0.32 writes one C statement per instruction, in instruction
 * order, and keeps no source positions. So the module wasm2c is given has,
 * before each instruction where the guest's source line changes, a marker
 * `i64.const (magic << 32 | id); drop`; wasm2c writes it as the line
 * `w2c_jN = <decimal>ull;`, and linedirs.c turns every such line back into
 * a `#line` for mark id. `magic` is chosen so that no i64.const of the
 * guest's own code has it in its high half: a line that looks like a
 * marker is one. A dropped constant changes nothing but which unused stack
 * variables wasm2c declares.
 */
#ifndef KT_PROFILE_H
#define KT_PROFILE_H

#include <stdint.h>

#include "dwarf.h"
#include "module.h"
#include "symnames.h"

typedef struct kt_line_mark {
    uint32_t file;      /* index into lines.files */
    uint32_t line;
} kt_line_mark;

typedef struct kt_profile {
    kt_symnames names;
    kt_lines lines;
    char **cfiles;      /* lines.files as C string literals, quotes included */
    kt_line_mark *marks;
    uint32_t nmarks, cap;
    uint32_t magic;
} kt_profile;

/* Names and line table of module m (its bytes are data). 0, or -1 when out
 * of memory. */
int kt_profile_make(const uint8_t *data, const kt_module *m, kt_profile *out);
void kt_profile_fini(kt_profile *p);

/* A new mark for (file, line): its id, or -1 when out of memory. */
int64_t kt_profile_mark(kt_profile *p, uint32_t file, uint32_t line);

#endif
