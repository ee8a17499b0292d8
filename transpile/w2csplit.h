/*
 * transpile/w2csplit.h - splits the C file wasm2c 1.0.32 writes (guest.c)
 * into translation units that compile in parallel and in bounded memory:
 *
 *   guest-split.h    what every unit needs: wasm2c's source top as it is
 *                    (popcounts inline, data segments skipped in a memory mapped from
 *                    the memory image: kt_top_overrides), then
 *                    every function's prototype and an extern
 *                    declaration of every shared table, under
 *                    `#pragma GCC visibility push(hidden)`
 *   guest-main.c     module and instance set-up, element tables, exports
 *   guest-fNNN.c     functions, in wasm2c's order, in contiguous runs
 *   guest-dNNN.c     data segments, as string literals (they compile ten
 *                    times faster than wasm2c's lists of 0x.. constants)
 *
 * What was `static` becomes global with hidden visibility, so units link
 * with each other and nothing leaves the executable. Unit boundaries are
 * content-defined (a function ends a unit by its name's hash once the unit
 * is big enough), so editing one function changes one unit and the build
 * cache keeps the others. A function past big_bytes gets a unit of its own
 * (marked, so the driver may compile it at a lower level).
 *
 * For --profile builds, functions get the guest's #line directives on the
 * way (linedirs.h), and kt_w2c_add_lines does the same to guest.c when it
 * is compiled whole.
 *
 * This is the one file that knows wasm2c's output layout; when guest.c does
 * not look as expected, kt_split_w2c fails with the reason and the caller
 * builds guest.c whole.
 */
#ifndef KT_W2CSPLIT_H
#define KT_W2CSPLIT_H

#include <stddef.h>
#include <stdint.h>

typedef enum kt_unit_kind {
    KT_UNIT_MAIN = 0,   /* guest-main.c */
    KT_UNIT_FUNCS,      /* guest-fNNN.c */
    KT_UNIT_BIG,        /* guest-fNNN.c holding one function past big_bytes */
    KT_UNIT_DATA,       /* guest-dNNN.c */
    KT_UNIT_WHOLE       /* guest.c, unsplit (not made here; for the driver) */
} kt_unit_kind;

typedef struct kt_unit {
    char name[32];          /* file name in the work directory */
    kt_unit_kind kind;
    uint64_t bytes;         /* of C */
    uint32_t nfuncs;
    uint8_t digest[16];     /* XXH3-128 of the unit's text */
} kt_unit;

typedef struct kt_split_opts {
    uint64_t unit_bytes;    /* a unit of functions ends past about this */
    uint64_t big_bytes;     /* a function this large gets a unit of its own */
    const struct kt_profile *prof;  /* --profile: functions get #line (linedirs.h) */
} kt_split_opts;

typedef struct kt_split {
    kt_unit *units;         /* units[0] is guest-main.c */
    uint32_t nunits, cap;
    uint8_t header_digest[16];
    uint64_t header_bytes;
    uint32_t nfuncs;
} kt_split;

/* What guest-split.h adds after wasm2c's source top: I32_POPCNT and
 * I64_POPCNT as inline SWAR counts when the C target has no POPCNT, and a
 * LOAD_DATA that skips a memory mapped from the runtime's memory image
 * (runtime/memory.h). */
extern const char kt_top_overrides[];

/* Split dir/guest.c into dir/guest-split.h and the units. 0, or -1 with a
 * reason in why[0..cap) (the layout is not wasm2c 1.0.32's as expected, or
 * an I/O error); the files written so far are then useless. */
int kt_split_w2c(const char *dir, const kt_split_opts *o, kt_split *out, char *why,
                 size_t cap);
void kt_split_fini(kt_split *s);

/* For a --profile build compiled whole (--no-split): dir/guest.c rewritten
 * with the guest's #line directives in its functions (linedirs.h). 0, or
 * -1 with a reason in why[0..cap) (guest.c is then as it was). */
int kt_w2c_add_lines(const char *dir, const struct kt_profile *prof, char *why, size_t cap);

#endif
