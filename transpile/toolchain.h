/*
 * transpile/toolchain.h - running external tools (wasm2c, the C compiler)
 * with posix_spawn: argv vectors, no shell, stderr captured so a failure can
 * show it, -v prints each command first.
 */
#ifndef KT_TOOLCHAIN_H
#define KT_TOOLCHAIN_H

#include <stdbool.h>

#include "strbuf.h"

typedef struct kt_argv {
    char **v;
    int n, cap;
    bool failed;
} kt_argv;

void kt_argv_init(kt_argv *a);
void kt_argv_fini(kt_argv *a);
void kt_argv_add(kt_argv *a, const char *s);
/* Split a command string on blanks (no quoting) and add each word. */
void kt_argv_add_words(kt_argv *a, const char *s);

/* Run argv; returns its exit status (0 = ok), or -1 when it could not be
 * started. The tool's stderr is collected into *err (when not NULL) and,
 * with verbose, the command is printed to stderr first. */
int kt_run(const kt_argv *a, bool verbose, kt_sb *err);

#endif
