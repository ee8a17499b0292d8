/*
 * transpile/symnames.h - the names guest functions carry in a `--profile`
 * build, and how they get into the executable.
 *
 * Each defined function has a readable name: its name-section name,
 * demangled when it is a C++ (Itanium) or Rust (legacy or v0) symbol
 * (libiberty's cplus_demangle, as c++filt and perf print them: C++ with
 * its parameter list, Rust without its hash), else the name of
 * an export of it, else "wasm-function[N]" (N in the function index space,
 * as browsers and wasm-tools say). wasm2c is given a name section of
 * placeholders instead ("kvg<i>_ZZZ..", so its C names are
 * "w2c_kvg<i>_ZZZ.."), each at least RENAME_ROOM bytes longer than the
 * readable name; once the executable is linked, elfnames.c overwrites
 * every copy of a placeholder (symbol table, DWARF strings) with the
 * readable name in place. Linking is done with the placeholders, so a guest
 * function named `memcpy`, `main` or `kvrt_main` can never be bound to
 * (or take the place of) the runtime's or libc's symbol of that name.
 */
#ifndef KT_SYMNAMES_H
#define KT_SYMNAMES_H

#include <stdint.h>

#include "module.h"

/* How every placeholder's C name starts ("w2c_" is wasm2c's prefix). */
#define KT_PLACEHOLDER_C "w2c_kvg"

/* Room for the suffix a name clashing with a symbol outside the guest gets. */
#define KT_CLASH_SUFFIX ".guest"
enum { KT_RENAME_ROOM = 8 };

/* The wrappers wasm2c writes for exported functions are renamed too:
 * Z_kvgZ_M(export) becomes "<export>" KT_EXPORT_SUFFIX (never longer:
 * the mangled name is at least as long). */
#define KT_EXPORT_SUFFIX ".export"

typedef struct kt_symnames {
    uint32_t first;     /* function index of defined function 0 (= imports) */
    uint32_t n;         /* defined functions */
    char **readable;    /* [i]: defined function i */
    char **placeholder; /* [i]: the name wasm2c is given, "kvg<i>_Z.." */
    uint32_t nwrappers; /* exported functions */
    char **wrapper;     /* [k]: a wrapper's C name, Z_kvgZ_... */
    char **wrapper_readable;    /* [k]: its new name */
} kt_symnames;

/* Names for every defined function of m. 0, or -1 when out of memory. */
int kt_symnames_make(const kt_module *m, kt_symnames *out);
void kt_symnames_fini(kt_symnames *s);

/* Export wrapper k when [p, p+len) is exactly its C name; -1 otherwise. */
int64_t kt_symnames_match_wrapper(const kt_symnames *s, const char *p, size_t len);

/* Defined function i when [p, p+len) is exactly "w2c_" + placeholder i;
 * -1 otherwise. */
int64_t kt_symnames_match(const kt_symnames *s, const char *p, size_t len);

#endif
