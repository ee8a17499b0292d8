/*
 * transpile/driver.h - the kvaot pipeline: read -> pick core module ->
 * check against the world -> glue -> wasm2c -> split -> cc (compile.h). Returns kvaot's exit
 * status (0 ok, 1 guest rejected, 2 usage, 3 toolchain failed) and prints
 * its own diagnostics.
 */
#ifndef KT_DRIVER_H
#define KT_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "validate.h"

typedef struct kt_build_opts {
    const char *input;
    const char *output;     /* NULL: input's base name without .wasm */
    const char *emit_dir;   /* keep generated C here; NULL: temp dir, removed */
    const char *cc;         /* compiler command (may hold flags); NULL: "cc" */
    int opt_level;          /* 0..3 */
    bool profile;           /* -g/--profile: symbols, debug info, frame pointers */
    bool no_static;
    bool musl;              /* --musl: static, musl-gcc, <libdir>/musl runtime */
    bool verbose;
    bool stats;             /* --stats: time spent in each step */
    int jobs;               /* -j N: compilers at once (default: the cores) */
    bool no_split;          /* --no-split: guest.c compiled whole */
    bool lto;               /* --lto: glue and runtime optimised together at link time */
    bool no_cache;          /* --no-cache */
    uint32_t big_fn_kb;     /* --big-fn-kb N: -O1 for functions this large; 0: never */
    kt_validate_opts check; /* --stub-imports, --map-export */
} kt_build_opts;

enum { KT_EXIT_OK = 0, KT_EXIT_REJECTED = 1, KT_EXIT_USAGE = 2, KT_EXIT_TOOLCHAIN = 3 };

int kt_build(const kt_build_opts *o);
int kt_inspect(const char *input, bool json, const kt_validate_opts *check);

/* Read a whole file. Returns 0, or -1 with errno set. *out is malloc'd. */
int kt_read_file(const char *path, uint8_t **out, size_t *len);

#endif
