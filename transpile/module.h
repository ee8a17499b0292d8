/*
 * transpile/module.h - what kvaot needs to know of a core wasm module:
 * function types, imports, defined functions' types, exports, memories.
 * Filled by kt_read_module (reader.c); owned by the kt_module (free with
 * kt_module_fini). Names are NUL-terminated copies, validated as UTF-8.
 */
#ifndef KT_MODULE_H
#define KT_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* Value types by their wasm binary encoding. */
enum {
    KT_I32 = 0x7f, KT_I64 = 0x7e, KT_F32 = 0x7d, KT_F64 = 0x7c,
    KT_V128 = 0x7b, KT_FUNCREF = 0x70, KT_EXTERNREF = 0x6f
};

/* External kinds (import/export descriptors). */
enum { KT_EXT_FUNC = 0, KT_EXT_TABLE = 1, KT_EXT_MEMORY = 2, KT_EXT_GLOBAL = 3, KT_EXT_TAG = 4 };

#define KT_MAX_SIG 16   /* params or results kept per type; longer ones are truncated but counted */

typedef struct kt_functype {
    uint32_t nparams, nresults;
    uint8_t params[KT_MAX_SIG];
    uint8_t results[KT_MAX_SIG];
} kt_functype;

typedef struct kt_import {
    char *module;
    char *field;
    uint8_t kind;           /* KT_EXT_* */
    uint32_t type_index;    /* functions only: index into types */
} kt_import;

typedef struct kt_export {
    char *name;
    uint8_t kind;           /* KT_EXT_* */
    uint32_t index;         /* in the kind's index space (imports first) */
} kt_export;

typedef struct kt_module {
    kt_functype *types;   uint32_t ntypes;
    kt_import *imports;   uint32_t nimports;
    uint32_t nfunc_imports;
    uint32_t *func_types; uint32_t nfuncs;      /* defined functions only */
    kt_export *exports;   uint32_t nexports;
    uint32_t nmemories;                         /* defined + imported */
} kt_module;

/* Parse a core module (preamble 00 61 73 6d 01 00 00 00). Sections other than
 * type/import/function/memory/export are skipped by size (their contents are
 * wasm2c's business). On error *diag says what and at which byte offset. */
kt_err kt_read_module(const uint8_t *data, size_t len, kt_module *out, kt_diag *diag);
void kt_module_fini(kt_module *m);

/* Type of function `index` in the function index space (imports first), or
 * NULL when out of range. */
const kt_functype *kt_module_functype(const kt_module *m, uint32_t index);

#endif
