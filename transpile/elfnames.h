/*
 * transpile/elfnames.h - the last step of a `--profile` build: in the
 * linked executable, every copy of a guest function's placeholder name
 * (symnames.h) is overwritten in place with its readable name, in the
 * symbol table (nm, perf, gdb's minimal symbols) and in the DWARF strings
 * (gdb's functions, addr2line -f). In place and never longer, so no
 * offset in the file moves. A readable name that is also the name of a
 * symbol outside the guest (libc's `memcpy`, the runtime's `main`) gets
 * KT_CLASH_SUFFIX, so a breakpoint or a profile line always means one
 * function.
 */
#ifndef KT_ELFNAMES_H
#define KT_ELFNAMES_H

#include <stddef.h>

#include "symnames.h"

typedef struct kt_rename_stats {
    size_t renamed;     /* strings overwritten */
    size_t clashes;     /* functions that got the suffix */
} kt_rename_stats;

/* Rename in the ELF64 little-endian executable at path. 0, or -1 with the
 * reason in why[0..cap). */
int kt_elf_rename(const char *path, const kt_symnames *s, kt_rename_stats *st, char *why,
                  size_t cap);

#endif
