/*
 * transpile/validate.h - checks a core module against the world (SPEC §1
 * step 2) and, when it conforms, says how each import and export binds.
 * Every problem is collected (not just the first), each naming the
 * import/export, the expected and the found signature.
 */
#ifndef KT_VALIDATE_H
#define KT_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "module.h"

typedef enum kt_scheme {
    KT_SCHEME_UNKNOWN = 0,
    KT_SCHEME_CM32P2,   /* cm32p2|wasi:keyvalue/readwrite, cm32p2_memory, ... */
    KT_SCHEME_LEGACY,   /* wasi:keyvalue/readwrite, memory, cabi_realloc, ... */
    KT_SCHEME_2023      /* readwrite, handle-watch#on-set */
} kt_scheme;

typedef struct kt_problem {
    char text[384];     /* one line, no '\n', e.g.
                           import "wasi:keyvalue/readwrite" "get": expected (i32, i32, i32, i32) -> (), found (i32) -> () */
} kt_problem;

typedef struct kt_binding {
    /* imports[i] -> world row (index into kt_world_imports), -1 when the
     * import is not a function of the world. Length = module->nimports. */
    int *import_world;
    /* Export names (pointers into the kt_module), NULL when absent. */
    const char *on_set, *on_delete;
    const char *on_set_post, *on_delete_post;
    const char *realloc_fn, *memory, *initialize;
    kt_scheme scheme;
    kt_problem *problems; uint32_t nproblems;
} kt_binding;

/* Fills *out; returns true when the module conforms (nproblems == 0).
 * Allocation failure is reported as a problem. Free with kt_binding_fini. */
bool kt_validate(const kt_module *m, kt_binding *out);
void kt_binding_fini(kt_binding *b);

/* Interface short name of an import module name under any scheme:
 * "cm32p2|wasi:keyvalue/readwrite@0.1.0" -> "readwrite", "readwrite" -> "readwrite".
 * Writes into out (cap bytes); returns out. */
const char *kt_iface_short(const char *module, char *out, size_t cap);

#endif
