/*
 * transpile/reader.c - core wasm module -> kt_module (module.h).
 * Parses the preamble and the type, import, function, memory, export and
 * start sections in full and notes where every section is; the others are
 * skipped by size (featscan.c decodes code and constant expressions, wasm2c
 * checks the rest). Custom sections: "name" (names.c) and whether DWARF
 * (.debug_*) is present. Hostile input: every read is bounded by a
 * kt_cursor, every count is capped before anything is allocated, and every
 * failure is recorded once in the kt_diag with its byte offset and section.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "leb128.h"
#include "module.h"
#include "names.h"
#include "utf8check.h"

/* Sane maximums (wasm3 style), well above anything a real guest needs and
 * low enough that an allocation sized by them is harmless. */
#define KT_MAX_TYPES     1000000u
#define KT_MAX_IMPORTS   100000u
#define KT_MAX_FUNCS     1000000u
#define KT_MAX_EXPORTS   100000u
#define KT_MAX_MEMORIES  100000u
#define KT_MAX_PARAMS    1000u      /* per function type, as in the JS embedding limits */

typedef struct reader {
    kt_cursor whole;       /* the whole module, to tell "end of section" from "end of input" */
    kt_diag *diag;
    const char *section;   /* name of the section being read, for diagnostics */
    kt_module *m;
} reader;

/* Section ids in the order they must appear (custom sections aside); the
 * tag section (13) sits between memory and global, datacount (12) before code. */
static const char *section_name(uint8_t id)
{
    static const char *const names[] = {
        "custom", "type", "import", "function", "table", "memory", "global",
        "export", "start", "element", "code", "data", "datacount", "tag",
    };
    if (id >= sizeof names / sizeof names[0])
        return NULL;
    return names[id];
}

static unsigned section_rank(uint8_t id)
{
    static const unsigned char rank[] = {
        0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6,
    };
    return rank[id];   /* id already known valid */
}

static kt_err fail_at(reader *r, kt_err e, size_t offset, const char *detail)
{
    return kt_fail(r->diag, e, offset, r->section, detail);
}

/* A read that ran out of bytes inside a section whose end is before the end
 * of the input ran past the section's declared size. */
static kt_err fail_read(reader *r, const kt_cursor *c, kt_err e, size_t offset, const char *what)
{
    char detail[120];
    if (e == KT_E_TRUNCATED && c->len < r->whole.len) {
        e = KT_E_SECTION_SIZE;
        snprintf(detail, sizeof detail, "%s runs past the end of the section", what);
    } else {
        snprintf(detail, sizeof detail, "in %s", what);
    }
    return fail_at(r, e, offset, detail);
}

KT_MUST_CHECK static kt_err read_u32(reader *r, kt_cursor *c, const char *what, uint32_t *out)
{
    size_t at = c->pos;
    kt_err e = kt_leb_u32(c, out);
    if (e != KT_OK)
        return fail_read(r, c, e, at, what);
    return KT_OK;
}

KT_MUST_CHECK static kt_err read_u64(reader *r, kt_cursor *c, const char *what, uint64_t *out)
{
    size_t at = c->pos;
    kt_err e = kt_leb_u64(c, out);
    if (e != KT_OK)
        return fail_read(r, c, e, at, what);
    return KT_OK;
}

KT_MUST_CHECK static kt_err read_byte(reader *r, kt_cursor *c, const char *what, uint8_t *out)
{
    size_t at = c->pos;
    kt_err e = kt_cur_u8(c, out);
    if (e != KT_OK)
        return fail_read(r, c, e, at, what);
    return KT_OK;
}

/* A vector count: at most `max`, and at most one element per remaining byte
 * (every element takes at least one byte), checked before any allocation. */
KT_MUST_CHECK static kt_err read_count(reader *r, kt_cursor *c, uint32_t max, const char *what,
                                       uint32_t *out)
{
    size_t at = c->pos;
    uint32_t n = 0;
    kt_err e = read_u32(r, c, what, &n);
    if (e != KT_OK)
        return e;
    if (n > kt_cur_left(c) || n > max) {
        char detail[120];
        snprintf(detail, sizeof detail, "%s count %u exceeds %s", what, (unsigned)n,
                 n > max ? "the limit" : "the bytes left");
        return fail_at(r, KT_E_COUNT, at, detail);
    }
    *out = n;
    return KT_OK;
}

static void *alloc_array(size_t count, size_t size)
{
    if (count == 0 || size == 0)
        return NULL;
    if (count > SIZE_MAX / size)
        return NULL;
    return calloc(count, size);
}

/* name ::= vec(byte), valid UTF-8; copied NUL-terminated, so an embedded
 * NUL is refused rather than silently cutting the name short. */
KT_MUST_CHECK static kt_err read_name(reader *r, kt_cursor *c, const char *what, char **out)
{
    size_t at = c->pos;
    uint32_t n = 0;
    const uint8_t *bytes = NULL;
    kt_err e = read_u32(r, c, what, &n);
    if (e != KT_OK)
        return e;
    e = kt_cur_bytes(c, n, &bytes);
    if (e != KT_OK)
        return fail_read(r, c, e, at, what);
    if (n > 0 && memchr(bytes, 0, n) != NULL) {
        c->pos = at;
        return fail_at(r, KT_E_UTF8, at, "name contains NUL");
    }
    if (!kt_utf8_valid(n > 0 ? bytes : NULL, n)) {
        char detail[120];
        c->pos = at;
        snprintf(detail, sizeof detail, "%s is not valid UTF-8", what);
        return fail_at(r, KT_E_UTF8, at, detail);
    }
    char *s = malloc((size_t)n + 1);
    if (s == NULL) {
        c->pos = at;
        return fail_at(r, KT_E_NOMEM, at, what);
    }
    if (n > 0)
        memcpy(s, bytes, n);
    s[n] = '\0';
    *out = s;
    return KT_OK;
}

static bool is_valtype(uint8_t b)
{
    return b == KT_I32 || b == KT_I64 || b == KT_F32 || b == KT_F64 || b == KT_V128 ||
           b == KT_FUNCREF || b == KT_EXTERNREF;
}

KT_MUST_CHECK static kt_err read_valtype(reader *r, kt_cursor *c, kt_err bad, const char *what,
                                         uint8_t *out)
{
    size_t at = c->pos;
    uint8_t b = 0;
    kt_err e = read_byte(r, c, what, &b);
    if (e != KT_OK)
        return e;
    if (!is_valtype(b)) {
        char detail[120];
        c->pos = at;
        snprintf(detail, sizeof detail, "unknown value type 0x%02x in %s", (unsigned)b, what);
        return fail_at(r, bad, at, detail);
    }
    *out = b;
    return KT_OK;
}

/* vec(valtype) into dst (first KT_MAX_SIG kept, all counted). */
KT_MUST_CHECK static kt_err read_valtypes(reader *r, kt_cursor *c, const char *what,
                                          uint8_t dst[KT_MAX_SIG], uint32_t *out)
{
    uint32_t n = 0;
    kt_err e = read_count(r, c, KT_MAX_PARAMS, what, &n);
    if (e != KT_OK)
        return e;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t t = 0;
        e = read_valtype(r, c, KT_E_BAD_TYPE, what, &t);
        if (e != KT_OK)
            return e;
        if (i < KT_MAX_SIG)
            dst[i] = t;
    }
    *out = n;
    return KT_OK;
}

/* limits: flags (bit 0 max present, bit 1 shared, bit 2 64-bit index,
 * bit 3 custom page size), min, [max], [page size log2]. Only parsed and
 * kept; range rules are wasm2c's to enforce. */
KT_MUST_CHECK static kt_err read_limits(reader *r, kt_cursor *c, kt_err bad, kt_limits *out)
{
    size_t at = c->pos;
    uint8_t flags = 0;
    kt_err e = read_byte(r, c, "limits", &flags);
    if (e != KT_OK)
        return e;
    if (flags > 15) {
        char detail[80];
        snprintf(detail, sizeof detail, "unknown limits flags 0x%02x", (unsigned)flags);
        return fail_at(r, bad, at, detail);
    }
    bool wide = (flags & KT_LIM_64) != 0;
    uint64_t v[2] = {0, 0};
    int nvals = (flags & KT_LIM_MAX) ? 2 : 1;
    for (int i = 0; i < nvals; i++) {
        if (wide) {
            e = read_u64(r, c, "limits", &v[i]);
        } else {
            uint32_t v32 = 0;
            e = read_u32(r, c, "limits", &v32);
            v[i] = v32;
        }
        if (e != KT_OK)
            return e;
    }
    if (flags & KT_LIM_PAGESIZE) {
        uint32_t log2 = 0;
        e = read_u32(r, c, "page size", &log2);
        if (e != KT_OK)
            return e;
    }
    out->flags = flags;
    out->min = v[0];
    out->max = v[1];
    return KT_OK;
}

/* Keep one more memory's limits (imports first, then the memory section). */
KT_MUST_CHECK static kt_err add_memory(reader *r, const kt_limits *lim, size_t at)
{
    kt_module *m = r->m;
    if (m->nmemories >= KT_MAX_MEMORIES)
        return fail_at(r, KT_E_COUNT, at, "more memories than the limit");
    /* Capacity doubles from 4: a new array exactly when nmemories is 4 * 2^k. */
    uint32_t n = m->nmemories;
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
        size_t cap = n == 0 ? 4 : (size_t)n * 2;
        kt_limits *p = realloc(m->memories, cap * sizeof *p);
        if (p == NULL)
            return fail_at(r, KT_E_NOMEM, at, "memory vector");
        m->memories = p;
    }
    m->memories[n] = *lim;
    m->nmemories = n + 1;
    return KT_OK;
}

KT_MUST_CHECK static kt_err read_type_section(reader *r, kt_cursor *c)
{
    kt_module *m = r->m;
    uint32_t n = 0;
    kt_err e = read_count(r, c, KT_MAX_TYPES, "type", &n);
    if (e != KT_OK)
        return e;
    if (n == 0)
        return KT_OK;
    m->types = alloc_array(n, sizeof *m->types);
    if (m->types == NULL)
        return fail_at(r, KT_E_NOMEM, c->pos, "type vector");
    for (uint32_t i = 0; i < n; i++) {
        kt_functype *t = &m->types[i];
        size_t at = c->pos;
        uint8_t form = 0;
        e = read_byte(r, c, "type form", &form);
        if (e != KT_OK)
            return e;
        if (form != 0x60) {
            char detail[80];
            snprintf(detail, sizeof detail, "type %u: form 0x%02x is not func (0x60)",
                     (unsigned)i, (unsigned)form);
            return fail_at(r, KT_E_BAD_TYPE, at, detail);
        }
        e = read_valtypes(r, c, "params", t->params, &t->nparams);
        if (e != KT_OK)
            return e;
        e = read_valtypes(r, c, "results", t->results, &t->nresults);
        if (e != KT_OK)
            return e;
        m->ntypes = i + 1;
    }
    return KT_OK;
}

/* A type index, which must name an entry of the type section (KT_E_BAD_INDEX). */
KT_MUST_CHECK static kt_err read_type_index(reader *r, kt_cursor *c, uint32_t *out)
{
    size_t at = c->pos;
    uint32_t idx = 0;
    kt_err e = read_u32(r, c, "type index", &idx);
    if (e != KT_OK)
        return e;
    if (idx >= r->m->ntypes) {
        char detail[80];
        c->pos = at;
        snprintf(detail, sizeof detail, "type index %u out of range (%u types)",
                 (unsigned)idx, (unsigned)r->m->ntypes);
        return fail_at(r, KT_E_BAD_INDEX, at, detail);
    }
    *out = idx;
    return KT_OK;
}

/* One import descriptor into *imp (names already read). */
KT_MUST_CHECK static kt_err read_import_desc(reader *r, kt_cursor *c, kt_import *imp)
{
    size_t at = c->pos;
    uint8_t kind = 0, b = 0;
    kt_limits lim;
    kt_err e = read_byte(r, c, "import kind", &kind);
    if (e != KT_OK)
        return e;
    imp->kind = kind;
    switch (kind) {
    case KT_EXT_FUNC:
        return read_type_index(r, c, &imp->type_index);
    case KT_EXT_TABLE:
        at = c->pos;
        e = read_byte(r, c, "table type", &b);
        if (e != KT_OK)
            return e;
        if (b != KT_FUNCREF && b != KT_EXTERNREF)
            return fail_at(r, KT_E_BAD_IMPORT, at, "table element type is not a reference type");
        e = read_limits(r, c, KT_E_BAD_IMPORT, &lim);
        if (e == KT_OK && (lim.flags & KT_LIM_64))
            r->m->table64 = true;
        return e;
    case KT_EXT_MEMORY:
        e = read_limits(r, c, KT_E_BAD_IMPORT, &lim);
        if (e != KT_OK)
            return e;
        return add_memory(r, &lim, at);
    case KT_EXT_GLOBAL:
        e = read_valtype(r, c, KT_E_BAD_IMPORT, "global type", &b);
        if (e != KT_OK)
            return e;
        at = c->pos;
        e = read_byte(r, c, "global mutability", &b);
        if (e != KT_OK)
            return e;
        if (b > 1)
            return fail_at(r, KT_E_BAD_IMPORT, at, "global mutability is not 0 or 1");
        return KT_OK;
    case KT_EXT_TAG:
        at = c->pos;
        e = read_byte(r, c, "tag attribute", &b);
        if (e != KT_OK)
            return e;
        if (b != 0)
            return fail_at(r, KT_E_BAD_IMPORT, at, "tag attribute is not 0 (exception)");
        return read_type_index(r, c, &imp->type_index);
    default: {
        char detail[80];
        snprintf(detail, sizeof detail, "unknown import kind 0x%02x", (unsigned)kind);
        return fail_at(r, KT_E_BAD_IMPORT, at, detail);
    }
    }
}

KT_MUST_CHECK static kt_err read_import_section(reader *r, kt_cursor *c)
{
    kt_module *m = r->m;
    uint32_t n = 0;
    kt_err e = read_count(r, c, KT_MAX_IMPORTS, "import", &n);
    if (e != KT_OK)
        return e;
    if (n == 0)
        return KT_OK;
    m->imports = alloc_array(n, sizeof *m->imports);
    if (m->imports == NULL)
        return fail_at(r, KT_E_NOMEM, c->pos, "import vector");
    for (uint32_t i = 0; i < n; i++) {
        kt_import imp = {0};
        e = read_name(r, c, "import module name", &imp.module);
        if (e != KT_OK)
            goto fail;
        e = read_name(r, c, "import field name", &imp.field);
        if (e != KT_OK)
            goto fail;
        e = read_import_desc(r, c, &imp);
        if (e != KT_OK)
            goto fail;
        if (imp.kind == KT_EXT_FUNC)
            m->nfunc_imports++;
        m->imports[m->nimports++] = imp;
        continue;
fail:
        free(imp.module);
        free(imp.field);
        return e;
    }
    return KT_OK;
}

KT_MUST_CHECK static kt_err read_function_section(reader *r, kt_cursor *c)
{
    kt_module *m = r->m;
    uint32_t n = 0;
    kt_err e = read_count(r, c, KT_MAX_FUNCS, "function", &n);
    if (e != KT_OK)
        return e;
    if (n == 0)
        return KT_OK;
    m->func_types = alloc_array(n, sizeof *m->func_types);
    if (m->func_types == NULL)
        return fail_at(r, KT_E_NOMEM, c->pos, "function vector");
    for (uint32_t i = 0; i < n; i++) {
        e = read_type_index(r, c, &m->func_types[i]);
        if (e != KT_OK)
            return e;
        m->nfuncs = i + 1;
    }
    return KT_OK;
}

KT_MUST_CHECK static kt_err read_memory_section(reader *r, kt_cursor *c)
{
    uint32_t n = 0;
    kt_err e = read_count(r, c, KT_MAX_MEMORIES, "memory", &n);
    if (e != KT_OK)
        return e;
    for (uint32_t i = 0; i < n; i++) {
        size_t at = c->pos;
        kt_limits lim;
        e = read_limits(r, c, KT_E_BAD_TYPE, &lim);
        if (e == KT_OK)
            e = add_memory(r, &lim, at);
        if (e != KT_OK)
            return e;
    }
    return KT_OK;
}

/* start ::= funcidx, which must name a function (imports first). */
KT_MUST_CHECK static kt_err read_start_section(reader *r, kt_cursor *c)
{
    kt_module *m = r->m;
    size_t at = c->pos;
    uint32_t f = 0;
    kt_err e = read_u32(r, c, "start function index", &f);
    if (e != KT_OK)
        return e;
    if (f >= m->nfunc_imports + m->nfuncs) {
        char detail[80];
        snprintf(detail, sizeof detail, "start function index %u out of range", (unsigned)f);
        return fail_at(r, KT_E_BAD_INDEX, at, detail);
    }
    m->has_start = true;
    m->start_func = f;
    return KT_OK;
}

static bool name_is(const uint8_t *bytes, uint32_t len, const char *want)
{
    return strlen(want) == len && memcmp(bytes, want, len) == 0;
}

/* The span of a DWARF section dwarf.c reads, NULL for other names. */
static kt_span *dwarf_span(kt_module *m, const uint8_t *name, uint32_t len)
{
    if (name_is(name, len, ".debug_line"))
        return &m->debug_line;
    if (name_is(name, len, ".debug_info"))
        return &m->debug_info;
    if (name_is(name, len, ".debug_abbrev"))
        return &m->debug_abbrev;
    if (name_is(name, len, ".debug_str"))
        return &m->debug_str;
    if (name_is(name, len, ".debug_line_str"))
        return &m->debug_line_str;
    return NULL;
}

/* A custom section: only its name matters here ("name", ".debug_*"). One
 * whose name cannot be read is skipped like any other custom section. */
static void note_custom_section(reader *r, kt_cursor *c, kt_span *name_sec)
{
    kt_cursor n = *c;
    uint32_t len = 0;
    const uint8_t *bytes = NULL;
    if (kt_leb_u32(&n, &len) == KT_OK && kt_cur_bytes(&n, len, &bytes) == KT_OK) {
        if (len == 4 && memcmp(bytes, "name", 4) == 0) {
            name_sec->offset = n.pos;
            name_sec->len = n.len - n.pos;
        } else if (len > 7 && memcmp(bytes, ".debug_", 7) == 0) {
            r->m->has_dwarf = true;
            kt_span *sp = dwarf_span(r->m, bytes, len);
            if (sp != NULL && sp->len == 0) {       /* the first of a name counts */
                sp->offset = n.pos;
                sp->len = n.len - n.pos;
            }
        }
    }
    c->pos = c->len;
}

KT_MUST_CHECK static kt_err read_export_section(reader *r, kt_cursor *c)
{
    kt_module *m = r->m;
    uint32_t n = 0;
    kt_err e = read_count(r, c, KT_MAX_EXPORTS, "export", &n);
    if (e != KT_OK)
        return e;
    if (n == 0)
        return KT_OK;
    m->exports = alloc_array(n, sizeof *m->exports);
    if (m->exports == NULL)
        return fail_at(r, KT_E_NOMEM, c->pos, "export vector");
    for (uint32_t i = 0; i < n; i++) {
        kt_export ex = {0};
        char detail[80];
        size_t at;
        e = read_name(r, c, "export name", &ex.name);
        if (e != KT_OK)
            goto fail;
        at = c->pos;
        e = read_byte(r, c, "export kind", &ex.kind);
        if (e != KT_OK)
            goto fail;
        if (ex.kind > KT_EXT_TAG) {
            snprintf(detail, sizeof detail, "unknown export kind 0x%02x", (unsigned)ex.kind);
            e = fail_at(r, KT_E_BAD_EXPORT, at, detail);
            goto fail;
        }
        at = c->pos;
        e = read_u32(r, c, "export index", &ex.index);
        if (e != KT_OK)
            goto fail;
        /* Functions and memories are fully counted by now (their sections
         * come first); other index spaces are wasm2c's to check. */
        if ((ex.kind == KT_EXT_FUNC && ex.index >= m->nfunc_imports + m->nfuncs) ||
            (ex.kind == KT_EXT_MEMORY && ex.index >= m->nmemories)) {
            snprintf(detail, sizeof detail, "export %s index %u out of range",
                     ex.kind == KT_EXT_FUNC ? "function" : "memory", (unsigned)ex.index);
            e = fail_at(r, KT_E_BAD_INDEX, at, detail);
            goto fail;
        }
        m->exports[m->nexports++] = ex;
        continue;
fail:
        free(ex.name);
        return e;
    }
    return KT_OK;
}

KT_MUST_CHECK static kt_err read_section(reader *r, uint8_t id, kt_cursor *sec)
{
    switch (id) {
    case KT_SEC_TYPE: return read_type_section(r, sec);
    case KT_SEC_IMPORT: return read_import_section(r, sec);
    case KT_SEC_FUNCTION: return read_function_section(r, sec);
    case KT_SEC_MEMORY: return read_memory_section(r, sec);
    case KT_SEC_EXPORT: return read_export_section(r, sec);
    case KT_SEC_START: return read_start_section(r, sec);
    default:
        sec->pos = sec->len;   /* skipped by size */
        return KT_OK;
    }
}

KT_MUST_CHECK static kt_err read_preamble(reader *r, kt_cursor *c)
{
    static const uint8_t magic[4] = { 0x00, 0x61, 0x73, 0x6d };
    static const uint8_t version[4] = { 0x01, 0x00, 0x00, 0x00 };
    const uint8_t *p;
    kt_err e;

    r->section = "preamble";
    e = kt_cur_bytes(c, 4, &p);
    if (e != KT_OK)
        return fail_at(r, e, c->pos, "in magic");
    if (memcmp(p, magic, 4) != 0)
        return fail_at(r, KT_E_MAGIC, 0, "expected 00 61 73 6d");
    e = kt_cur_bytes(c, 4, &p);
    if (e != KT_OK)
        return fail_at(r, e, c->pos, "in version");
    if (memcmp(p, version, 4) != 0) {
        char detail[120];
        snprintf(detail, sizeof detail, "version %02x %02x %02x %02x is not a core module (01 00 00 00)%s",
                 p[0], p[1], p[2], p[3], p[2] == 0x01 ? "; this looks like a component" : "");
        return fail_at(r, KT_E_VERSION, 4, detail);
    }
    return KT_OK;
}

static kt_err read_sections(reader *r, kt_cursor *c)
{
    unsigned last_rank = 0;
    kt_span name_sec = {0, 0};
    kt_err e;

    while (!kt_cur_done(c)) {
        size_t at = c->pos;
        uint8_t id = 0;
        uint32_t size = 0;
        kt_cursor sec;
        char detail[80];

        r->section = NULL;
        e = read_byte(r, c, "section id", &id);
        if (e != KT_OK)
            return e;
        r->section = section_name(id);
        if (r->section == NULL) {
            snprintf(detail, sizeof detail, "unknown section id %u", (unsigned)id);
            return fail_at(r, KT_E_SECTION_ORDER, at, detail);
        }
        e = read_u32(r, c, "section size", &size);
        if (e != KT_OK)
            return e;
        size_t body = c->pos;
        e = kt_cur_sub(c, size, &sec);
        if (e != KT_OK) {
            snprintf(detail, sizeof detail, "section size %u, %zu bytes left",
                     (unsigned)size, kt_cur_left(c));
            return fail_at(r, e, body, detail);
        }
        if (id != 0) {
            unsigned rank = section_rank(id);
            if (rank <= last_rank) {
                snprintf(detail, sizeof detail, "%s section out of order or repeated", r->section);
                return fail_at(r, KT_E_SECTION_ORDER, at, detail);
            }
            last_rank = rank;
            r->m->sections[id].offset = sec.pos;
            r->m->sections[id].len = size;
            r->m->section_starts[id] = at;
        } else {
            note_custom_section(r, &sec, &name_sec);
        }
        e = read_section(r, id, &sec);
        if (e != KT_OK)
            return e;
        if (!kt_cur_done(&sec)) {
            snprintf(detail, sizeof detail, "%zu bytes left over at the end of the section",
                     kt_cur_left(&sec));
            return fail_at(r, KT_E_SECTION_SIZE, sec.pos, detail);
        }
    }
    /* Names last: the name section may come before the function section. */
    if (name_sec.offset != 0)
        kt_read_names(r->m, r->whole.base, name_sec);
    return KT_OK;
}

kt_err kt_read_module(const uint8_t *data, size_t len, kt_module *out, kt_diag *diag)
{
    static const uint8_t empty[1] = { 0 };
    reader r;
    kt_err e;

    memset(out, 0, sizeof *out);
    if (data == NULL) {
        data = empty;   /* never a null base, even for len 0 */
        len = 0;
    }
    kt_cur_init(&r.whole, data, len);
    r.diag = diag;
    r.section = NULL;
    r.m = out;

    kt_cursor c = r.whole;
    e = read_preamble(&r, &c);
    if (e != KT_OK)
        goto fail;
    e = read_sections(&r, &c);
    if (e != KT_OK)
        goto fail;
    return KT_OK;

fail:
    kt_module_fini(out);
    return e;
}

void kt_module_fini(kt_module *m)
{
    if (m == NULL)
        return;
    if (m->func_names != NULL) {
        for (uint32_t i = 0; i < m->nfunc_imports + m->nfuncs; i++)
            free(m->func_names[i]);
        free(m->func_names);
    }
    free(m->memories);
    for (uint32_t i = 0; i < m->nimports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].field);
    }
    for (uint32_t i = 0; i < m->nexports; i++)
        free(m->exports[i].name);
    free(m->types);
    free(m->imports);
    free(m->func_types);
    free(m->exports);
    memset(m, 0, sizeof *m);
}

const char *kt_module_func_name(const kt_module *m, uint32_t index)
{
    if (m->func_names == NULL || index >= m->nfunc_imports + m->nfuncs)
        return NULL;
    return m->func_names[index];
}

const kt_functype *kt_module_functype(const kt_module *m, uint32_t index)
{
    if (index < m->nfunc_imports) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < m->nimports; i++) {
            if (m->imports[i].kind != KT_EXT_FUNC)
                continue;
            if (k == index) {
                uint32_t t = m->imports[i].type_index;
                return t < m->ntypes ? &m->types[t] : NULL;
            }
            k++;
        }
        return NULL;
    }
    uint32_t def = index - m->nfunc_imports;
    if (def >= m->nfuncs)
        return NULL;
    uint32_t t = m->func_types[def];
    return t < m->ntypes ? &m->types[t] : NULL;
}
