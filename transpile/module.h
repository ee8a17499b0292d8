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

/* Limits of a memory or table: flags bit 0 max present, bit 1 shared,
 * bit 2 64-bit index, bit 3 custom page size. */
typedef struct kt_limits {
    uint8_t flags;
    uint64_t min, max;
} kt_limits;

enum { KT_LIM_MAX = 1, KT_LIM_SHARED = 2, KT_LIM_64 = 4, KT_LIM_PAGESIZE = 8 };

/* A byte range of the module (offsets relative to its first byte). */
typedef struct kt_span {
    size_t offset, len;
} kt_span;

/* Known section ids (core spec 5.5.2), and one more than the largest. */
enum { KT_SEC_CUSTOM = 0, KT_SEC_TYPE = 1, KT_SEC_IMPORT = 2, KT_SEC_FUNCTION = 3,
       KT_SEC_TABLE = 4, KT_SEC_MEMORY = 5, KT_SEC_GLOBAL = 6, KT_SEC_EXPORT = 7,
       KT_SEC_START = 8, KT_SEC_ELEMENT = 9, KT_SEC_CODE = 10, KT_SEC_DATA = 11,
       KT_SEC_DATACOUNT = 12, KT_SEC_TAG = 13, KT_SEC__COUNT = 14 };

typedef struct kt_module {
    kt_functype *types;   uint32_t ntypes;
    kt_import *imports;   uint32_t nimports;
    uint32_t nfunc_imports;
    uint32_t *func_types; uint32_t nfuncs;      /* defined functions only */
    kt_export *exports;   uint32_t nexports;
    uint32_t nmemories;                         /* defined + imported */
    kt_limits *memories;                        /* nmemories entries, imports first */
    bool table64;                               /* a table with a 64-bit index */
    uint32_t ntags;                             /* defined + imported */
    /* Where each known section's contents are (after its id and size);
     * len 0 and offset 0 when the section is absent. */
    kt_span sections[KT_SEC__COUNT];
    size_t section_starts[KT_SEC__COUNT];       /* offset of the section id byte */
    bool has_start;
    uint32_t start_func;
    /* From the "name" custom section (subsection 1), when present:
     * func_names[i] is the name of function i (imports first) or NULL.
     * A malformed name section is ignored, as engines do. */
    char **func_names;                          /* nfunc_imports + nfuncs entries */
    bool has_names;
    bool has_dwarf;                             /* a .debug_* custom section */
    /* The DWARF sections dwarf.c reads (contents after the section's
     * name; len 0 when absent). */
    kt_span debug_line, debug_info, debug_abbrev, debug_str, debug_line_str;
} kt_module;

/* Parse a core module (preamble 00 61 73 6d 01 00 00 00): the type, import,
 * function, table, memory, tag, export and start sections, and the
 * function names of the "name" section. Other sections are skipped by size
 * (their positions are kept; featscan.c reads code and constant
 * expressions, the rest is wasm2c's business). On error *diag says what and
 * at which byte offset. */
kt_err kt_read_module(const uint8_t *data, size_t len, kt_module *out, kt_diag *diag);
void kt_module_fini(kt_module *m);

/* Type of function `index` in the function index space (imports first), or
 * NULL when out of range. */
const kt_functype *kt_module_functype(const kt_module *m, uint32_t index);
/* Name of function `index` from the name section, or NULL. */
const char *kt_module_func_name(const kt_module *m, uint32_t index);

#endif
