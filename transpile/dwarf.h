/*
 * transpile/dwarf.h - the guest's DWARF line table (.debug_line, versions
 * 2 to 5), for `--profile` builds: which source file and line each byte of
 * the code section belongs to. In WebAssembly DWARF an address is an offset
 * from the start of the code section's contents. Relative file names are
 * completed with their unit's DW_AT_comp_dir (.debug_info), so the paths
 * are what the guest's compiler saw.
 *
 * The only file that reads DWARF. Hostile input: every read is bounded (a
 * cursor per section); a malformed unit ends the walk of that section and
 * what was read before it is kept, like debuggers do. Nothing here fails a
 * build: a guest with broken DWARF builds, with fewer lines.
 */
#ifndef KT_DWARF_H
#define KT_DWARF_H

#include <stddef.h>
#include <stdint.h>

#include "module.h"

enum { KT_LINE_NONE = UINT32_MAX };     /* a row's file past a sequence's end */

typedef struct kt_line_row {
    uint32_t addr;      /* code section offset */
    uint32_t file;      /* index into files, or KT_LINE_NONE */
    uint32_t line;      /* 1.., or 0: no line (compiler-made code) */
    uint32_t order;     /* place as read (ties in the sort by address) */
} kt_line_row;

typedef struct kt_lines {
    kt_line_row *rows;  /* by address; a row holds until the next one */
    size_t nrows;
    char **files;       /* full paths, each once */
    uint32_t nfiles;
} kt_lines;

/* Read the line table of module m (whose bytes are data) into *out.
 * Sequences outside the code section (functions the linker dropped) are
 * left out. Returns 0, or -1 when out of memory (*out then empty). A module
 * without .debug_line gives an empty table. */
int kt_lines_read(const uint8_t *data, const kt_module *m, kt_lines *out);
void kt_lines_fini(kt_lines *l);

/* The row in force at code offset addr: the last row at or before it, or
 * NULL when none is (or the one found ends a sequence). *hint speeds up
 * lookups at growing addresses (start it at 0). */
const kt_line_row *kt_lines_at(const kt_lines *l, uint32_t addr, size_t *hint);

#endif
