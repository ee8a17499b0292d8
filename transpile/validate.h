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
#include "provided.h"

typedef enum kt_scheme {
    KT_SCHEME_UNKNOWN = 0,
    KT_SCHEME_CM32P2,   /* cm32p2|wasi:keyvalue/readwrite, cm32p2_memory, ... */
    KT_SCHEME_LEGACY,   /* wasi:keyvalue/readwrite, memory, cabi_realloc, ... */
    KT_SCHEME_2023      /* readwrite, handle-watch#on-set */
} kt_scheme;

typedef struct kt_problem {
    char text[512];     /* one line, no '\n', e.g.
                           import "wasi:keyvalue/readwrite" "get": expected (i32, i32, i32, i32) -> (), found (i32) -> () */
} kt_problem;

/* How one import is bound. */
typedef enum kt_bind_kind {
    KT_BIND_NONE = 0,   /* not bound: a problem (wrong kind or signature) */
    KT_BIND_FUNC,       /* a function kvaot provides: fn, prov */
    KT_BIND_UNPROVIDED, /* a function nobody provides: a problem without --stub-imports */
    KT_BIND_STUB        /* --stub-imports: a function that traps when called */
} kt_bind_kind;

typedef struct kt_import_bind {
    kt_bind_kind kind;
    kt_provider prov;           /* KT_BIND_FUNC: the world, WASI p1/p2, toolchain */
    const kt_world_func *fn;    /* KT_BIND_FUNC: the row (world.h / provided.h) */
    kt_origin origin;           /* KT_BIND_UNPROVIDED, KT_BIND_STUB: what it is */
} kt_import_bind;

/* The export roles --map-export can name. */
typedef enum kt_export_role {
    KT_ROLE_ON_SET, KT_ROLE_ON_DELETE, KT_ROLE_REALLOC, KT_ROLE_MEMORY, KT_ROLE_INITIALIZE,
    KT_EXPORT_ROLES
} kt_export_role;

typedef struct kt_validate_opts {
    bool stub_imports;                      /* --stub-imports */
    const char *map[KT_EXPORT_ROLES];       /* --map-export ROLE=NAME, NULL when not given */
} kt_validate_opts;

typedef struct kt_binding {
    /* imports[i]: how import i binds. Length = module->nimports. */
    kt_import_bind *imports;
    uint32_t nstubs;                        /* imports bound as stubs */
    /* Export names (pointers into the kt_module), NULL when absent. */
    const char *on_set, *on_delete;
    const char *on_set_post, *on_delete_post;
    const char *realloc_fn, *memory, *initialize;
    kt_scheme scheme;
    kt_problem *problems; uint32_t nproblems;
    uint32_t problems_cap;
    bool problems_full;                     /* out of memory: the list is incomplete */
} kt_binding;

/* Fills *out; returns true when the module conforms (nproblems == 0).
 * Allocation failure is reported as a problem. Free with kt_binding_fini.
 * kt_validate uses the default options (no stubs, no export map). */
bool kt_validate(const kt_module *m, kt_binding *out);
bool kt_validate_with(const kt_module *m, const kt_validate_opts *opts, kt_binding *out);
void kt_binding_fini(kt_binding *b);
/* Add one more problem line (features, component level) to b. */
void kt_binding_add_problem(kt_binding *b, const char *text);
/* "on-set" -> KT_ROLE_ON_SET, ...; -1 for an unknown role name. */
int kt_export_role_parse(const char *name);
const char *kt_export_role_name(kt_export_role r);

/* Interface short name of an import module name under any scheme:
 * "cm32p2|wasi:keyvalue/readwrite@0.1.0" -> "readwrite", "readwrite" -> "readwrite".
 * Writes into out (cap bytes); returns out. */
const char *kt_iface_short(const char *module, char *out, size_t cap);

#endif
