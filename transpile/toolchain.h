/*
 * transpile/toolchain.h - running external tools (wasm2c, the C compiler)
 * with posix_spawn: argv vectors, no shell, stderr captured so a failure can
 * show it, -v prints each command first; several at once (kt_run_jobs),
 * with a progress line on a terminal.
 */
#ifndef KT_TOOLCHAIN_H
#define KT_TOOLCHAIN_H

#include <stdbool.h>
#include <stdint.h>

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
/* Run argv quietly and collect its stdout into *out (for `cc --version`).
 * Its exit status, or -1. */
int kt_run_stdout(const kt_argv *a, kt_sb *out);

/* One of several tools to run. */
typedef struct kt_job {
    kt_argv argv;
    char label[96];         /* for progress: "compiling guest-f007.c" */
    int status;             /* exit status; -1: could not start; -2: not run */
    kt_sb err;              /* its stderr */
    int pid, fd;            /* while it runs */
} kt_job;

/* Progress on a terminal: a `[K/N] label (T s)` line (T: the build's time so far) on stderr, rewritten in
 * place, shown once `quiet_ns` have passed since `start_ns` (so a quick
 * build prints nothing) and cleared at the end. */
typedef struct kt_progress {
    bool enabled;           /* stderr is a terminal, and not -v */
    uint64_t start_ns, quiet_ns;
    bool shown;
    char last[160];         /* the line on the terminal */
} kt_progress;

void kt_job_init(kt_job *j, const char *label);
void kt_job_fini(kt_job *j);
/* Run the jobs, at most `parallel` at a time, in order; after a failure no
 * new one starts (the running ones finish). Returns the number of jobs that
 * failed or did not run. */
int kt_run_jobs(kt_job *jobs, int n, int parallel, bool verbose, kt_progress *p);
/* Clear the progress line if it is shown. */
void kt_progress_done(kt_progress *p);
uint64_t kt_now_ns(void);

#endif
