/*
 * transpile/featscan.c - the core-feature scan; see featscan.h. Sections
 * are re-read from the spans the reader kept, with the same bounded
 * cursor; instructions are decoded by opcode.c. Only the first use of each
 * feature is kept, so the scan stays one pass over the code.
 */
#include "featscan.h"

#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "leb128.h"

typedef struct scan {
    const kt_module *m;
    const uint8_t *data;
    size_t len;
    kt_features *f;
    kt_diag *diag;
} scan;

static void note(scan *s, kt_feature f, uint32_t func, size_t offset, const char *where)
{
    kt_feature_use *u = &s->f->use[f];
    if (f == KT_F_NONE || u->used)
        return;
    u->used = true;
    u->func = func;
    u->offset = offset;
    u->where = where;
}

/* Record a malformed spot (only the first one is kept, so the callers up
 * the chain can all report theirs) and return e. */
static kt_err malformed(scan *s, kt_err e, size_t at, const char *what)
{
    return kt_fail(s->diag, e, at, NULL, what);
}

/* A cursor over one section's contents (all offsets module-relative). */
static bool section_cursor(const scan *s, int id, kt_cursor *c)
{
    const kt_span *sp = &s->m->sections[id];
    if (sp->offset == 0)
        return false;
    kt_cur_init(c, s->data, sp->offset + sp->len);
    c->pos = sp->offset;
    return true;
}

/* ---- memories, tables, tags ------------------------------------------------ */

static void scan_limits(scan *s)
{
    const kt_module *m = s->m;
    uint32_t nimported = 0;
    for (uint32_t i = 0; i < m->nimports; i++)
        nimported += m->imports[i].kind == KT_EXT_MEMORY;
    for (uint32_t i = 0; i < m->nmemories; i++) {
        uint8_t fl = m->memories[i].flags;
        size_t at = m->sections[i < nimported ? KT_SEC_IMPORT : KT_SEC_MEMORY].offset;
        if (fl & KT_LIM_SHARED)
            note(s, KT_F_THREADS, KT_NO_FUNC, at, "a shared memory");
        if (fl & KT_LIM_64)
            note(s, KT_F_MEMORY64, KT_NO_FUNC, at, "a 64-bit memory");
        if (fl & KT_LIM_PAGESIZE)
            note(s, KT_F_CUSTOM_PAGES, KT_NO_FUNC, at, "a memory");
    }
    if (m->nmemories > 1)
        note(s, KT_F_MULTI_MEMORY, KT_NO_FUNC, m->sections[KT_SEC_MEMORY].offset,
             "the memory declarations");
    if (m->table64)
        note(s, KT_F_MEMORY64, KT_NO_FUNC, m->sections[KT_SEC_IMPORT].offset,
             "an imported 64-bit table");
    for (uint32_t i = 0; i < m->nimports; i++) {
        if (m->imports[i].kind == KT_EXT_TAG)
            note(s, KT_F_EXCEPTIONS, KT_NO_FUNC, m->sections[KT_SEC_IMPORT].offset,
                 "an imported tag");
    }
    if (m->sections[KT_SEC_TAG].offset != 0)
        note(s, KT_F_EXCEPTIONS, KT_NO_FUNC, m->sections[KT_SEC_TAG].offset, "the tag section");
}

/* ---- constant expressions -------------------------------------------------- */

static kt_feature const_op_feature(const kt_insn *in)
{
    switch (in->op) {
    case 0x41: case 0x42: case 0x43: case 0x44:     /* t.const */
    case 0x23: case 0xd0: case 0xd2:                /* global.get ref.null ref.func */
        return in->feature;
    case 0x6a: case 0x6b: case 0x6c:                /* i32.add sub mul */
    case 0x7c: case 0x7d: case 0x7e:                /* i64.add sub mul */
        return KT_F_EXTENDED_CONST;
    default:
        return in->feature;     /* v128.const: SIMD; GC ops: GC; others: wasm2c's to refuse */
    }
}

/* expr ::= instr* 0x0b, outside any function. */
KT_MUST_CHECK static kt_err scan_const_expr(scan *s, kt_cursor *c, const char *where)
{
    for (;;) {
        kt_insn in;
        kt_err e = kt_insn_read(c, &in);
        if (e != KT_OK)
            return malformed(s, e, c->pos, where);
        if (in.op == KT_OP_END)
            return KT_OK;
        note(s, const_op_feature(&in), KT_NO_FUNC, in.at, where);
        if (kt_cur_done(c))
            return malformed(s, KT_E_TRUNCATED, c->pos, where);
    }
}

KT_MUST_CHECK static kt_err read_count(scan *s, kt_cursor *c, const char *what, uint32_t *n)
{
    kt_err e = kt_leb_u32(c, n);
    if (e != KT_OK)
        return malformed(s, e, c->pos, what);
    if (*n > kt_cur_left(c))
        return malformed(s, KT_E_COUNT, c->pos, what);
    return KT_OK;
}

KT_MUST_CHECK static kt_err scan_valtype(scan *s, kt_cursor *c, uint32_t func, const char *where)
{
    size_t at = c->pos;
    kt_feature f = KT_F_NONE;
    kt_err e = kt_valtype_read(c, &f);
    if (e != KT_OK)
        return malformed(s, e, at, where);
    note(s, f, func, at, where);
    return KT_OK;
}

/* table ::= reftype limits | 0x40 0x00 reftype limits expr */
KT_MUST_CHECK static kt_err scan_tables(scan *s)
{
    kt_cursor c;
    uint32_t n;
    if (!section_cursor(s, KT_SEC_TABLE, &c))
        return KT_OK;
    kt_err e = read_count(s, &c, "table count", &n);
    for (uint32_t i = 0; e == KT_OK && i < n; i++) {
        bool with_init = kt_cur_left(&c) >= 2 && c.base[c.pos] == 0x40 && c.base[c.pos + 1] == 0;
        if (with_init) {
            note(s, KT_F_FUNCREFS, KT_NO_FUNC, c.pos, "a table with an initializer");
            c.pos += 2;
        }
        e = scan_valtype(s, &c, KT_NO_FUNC, "a table");
        uint8_t flags = 0;
        if (e == KT_OK)
            e = kt_cur_u8(&c, &flags);
        if (e == KT_OK && (flags & KT_LIM_64))
            note(s, KT_F_MEMORY64, KT_NO_FUNC, c.pos - 1, "a 64-bit table");
        uint64_t v;
        for (int k = 0; e == KT_OK && k < ((flags & KT_LIM_MAX) ? 2 : 1); k++)
            e = kt_leb_u64(&c, &v);
        if (e == KT_OK && with_init)
            e = scan_const_expr(s, &c, "a table initializer");
        if (e != KT_OK)
            return malformed(s, e, c.pos, "table section");
    }
    return e;
}

/* global ::= valtype mut expr */
KT_MUST_CHECK static kt_err scan_globals(scan *s)
{
    kt_cursor c;
    uint32_t n;
    if (!section_cursor(s, KT_SEC_GLOBAL, &c))
        return KT_OK;
    kt_err e = read_count(s, &c, "global count", &n);
    for (uint32_t i = 0; e == KT_OK && i < n; i++) {
        e = scan_valtype(s, &c, KT_NO_FUNC, "a global");
        if (e == KT_OK)
            e = kt_cur_skip(&c, 1);
        if (e == KT_OK)
            e = scan_const_expr(s, &c, "a global initializer");
    }
    return e == KT_OK ? e : malformed(s, e, c.pos, "global section");
}

/* vec(funcidx) or vec(expr), the tail of an element segment. */
KT_MUST_CHECK static kt_err scan_elem_items(scan *s, kt_cursor *c, bool exprs)
{
    uint32_t n, idx;
    kt_err e = read_count(s, c, "element count", &n);
    for (uint32_t i = 0; e == KT_OK && i < n; i++)
        e = exprs ? scan_const_expr(s, c, "an element expression") : kt_leb_u32(c, &idx);
    return e;
}

/* elemsec: flags 0..7 (bit 0 passive/declarative, bit 1 explicit table
 * index or declarative, bit 2 expressions instead of function indices). */
KT_MUST_CHECK static kt_err scan_elems(scan *s)
{
    kt_cursor c;
    uint32_t n;
    if (!section_cursor(s, KT_SEC_ELEMENT, &c))
        return KT_OK;
    kt_err e = read_count(s, &c, "element segment count", &n);
    for (uint32_t i = 0; e == KT_OK && i < n; i++) {
        uint32_t flags, table;
        size_t at = c.pos;
        e = kt_leb_u32(&c, &flags);
        if (e == KT_OK && flags > 7)
            return malformed(s, KT_E_BAD_INDEX, at, "element segment flags");
        bool active = (flags & 1) == 0;
        if (e == KT_OK && active && (flags & 2))
            e = kt_leb_u32(&c, &table);
        if (e == KT_OK && active)
            e = scan_const_expr(s, &c, "an element segment offset");
        if (e == KT_OK && (flags & 3) != 0) {   /* elemkind or reftype */
            if (flags & 4)
                e = scan_valtype(s, &c, KT_NO_FUNC, "an element segment");
            else
                e = kt_cur_skip(&c, 1);
        }
        if (e == KT_OK)
            e = scan_elem_items(s, &c, (flags & 4) != 0);
    }
    return e == KT_OK ? e : malformed(s, e, c.pos, "element section");
}

/* datasec: 0 expr bytes | 1 bytes | 2 memidx expr bytes */
KT_MUST_CHECK static kt_err scan_data(scan *s)
{
    kt_cursor c;
    uint32_t n;
    if (!section_cursor(s, KT_SEC_DATA, &c))
        return KT_OK;
    kt_err e = read_count(s, &c, "data segment count", &n);
    for (uint32_t i = 0; e == KT_OK && i < n; i++) {
        uint32_t flags, mem, size;
        size_t at = c.pos;
        e = kt_leb_u32(&c, &flags);
        if (e == KT_OK && flags > 2)
            return malformed(s, KT_E_BAD_INDEX, at, "data segment flags");
        if (e == KT_OK && flags == 2) {
            e = kt_leb_u32(&c, &mem);
            if (e == KT_OK && mem != 0)
                note(s, KT_F_MULTI_MEMORY, KT_NO_FUNC, at, "a data segment");
        }
        if (e == KT_OK && flags != 1)
            e = scan_const_expr(s, &c, "a data segment offset");
        if (e == KT_OK)
            e = kt_leb_u32(&c, &size);
        if (e == KT_OK)
            e = kt_cur_skip(&c, size);
    }
    return e == KT_OK ? e : malformed(s, e, c.pos, "data section");
}

/* ---- code ------------------------------------------------------------------ */

static bool type_has_v128(const kt_functype *t)
{
    for (uint32_t i = 0; i < t->nparams && i < KT_MAX_SIG; i++)
        if (t->params[i] == KT_V128)
            return true;
    for (uint32_t i = 0; i < t->nresults && i < KT_MAX_SIG; i++)
        if (t->results[i] == KT_V128)
            return true;
    return false;
}

/* code ::= size locals expr; locals ::= vec(count valtype). */
KT_MUST_CHECK static kt_err scan_body(scan *s, kt_cursor *body, uint32_t func)
{
    uint32_t nlocals;
    kt_err e = read_count(s, body, "local declarations", &nlocals);
    for (uint32_t i = 0; e == KT_OK && i < nlocals; i++) {
        uint32_t count;
        e = kt_leb_u32(body, &count);
        if (e == KT_OK)
            e = scan_valtype(s, body, func, "a local");
    }
    if (e != KT_OK)
        return malformed(s, e, body->pos, "local declarations");
    while (!kt_cur_done(body)) {
        kt_insn in;
        e = kt_insn_read(body, &in);
        if (e != KT_OK)
            return malformed(s, e, body->pos, "an instruction");
        note(s, in.feature, func, in.at, NULL);
        if (in.op == KT_OP_RETURN_CALL || in.op == KT_OP_RETURN_CALL_INDIRECT)
            s->f->ntail_calls++;
    }
    return KT_OK;
}

KT_MUST_CHECK static kt_err scan_code(scan *s)
{
    const kt_module *m = s->m;
    kt_cursor c;
    uint32_t n;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const kt_import *im = &m->imports[i];
        if (im->kind == KT_EXT_FUNC && im->type_index < m->ntypes &&
            type_has_v128(&m->types[im->type_index]))
            note(s, KT_F_SIMD, KT_NO_FUNC, m->sections[KT_SEC_IMPORT].offset,
                 "an imported function's signature");
    }
    if (!section_cursor(s, KT_SEC_CODE, &c))
        return KT_OK;
    kt_err e = read_count(s, &c, "function body count", &n);
    for (uint32_t i = 0; e == KT_OK && i < n; i++) {
        uint32_t size;
        kt_cursor body;
        size_t at = c.pos;
        e = kt_leb_u32(&c, &size);
        if (e == KT_OK)
            e = kt_cur_sub(&c, size, &body);
        if (e != KT_OK)
            return malformed(s, e, at, "a function body size");
        uint32_t func = m->nfunc_imports + i;
        if (i < m->nfuncs && m->func_types[i] < m->ntypes &&
            type_has_v128(&m->types[m->func_types[i]]))
            note(s, KT_F_SIMD, func, body.pos, NULL);
        e = scan_body(s, &body, func);
    }
    return e;
}

kt_err kt_scan_features(const kt_module *m, const uint8_t *data, size_t len, kt_features *out,
                        kt_diag *diag)
{
    memset(out, 0, sizeof *out);
    scan s = {m, data, len, out, diag};
    scan_limits(&s);
    kt_err e = scan_tables(&s);
    if (e == KT_OK)
        e = scan_globals(&s);
    if (e == KT_OK)
        e = scan_elems(&s);
    if (e == KT_OK)
        e = scan_data(&s);
    if (e == KT_OK)
        e = scan_code(&s);
    return e;
}

bool kt_features_refused(const kt_features *f)
{
    for (int i = 1; i < KT_F__COUNT; i++)
        if (f->use[i].used && !kt_feature_supported((kt_feature)i))
            return true;
    return false;
}

void kt_feature_problem(const kt_module *m, const kt_features *fs, kt_feature f, size_t base,
                        kt_sb *out)
{
    const kt_feature_use *u = &fs->use[f];
    kt_sb_addf(out, "uses %s ", kt_feature_name(f));
    if (u->func != KT_NO_FUNC) {
        const char *name = kt_module_func_name(m, u->func);
        kt_sb_add(out, "in function ");
        if (name != NULL) {
            kt_sb_add_quoted(out, name, 120);
            kt_sb_add(out, " ");
        }
        kt_sb_addf(out, "(#%u)", u->func);
    } else {
        kt_sb_addf(out, "in %s", u->where ? u->where : "the module");
    }
    kt_sb_addf(out, " at byte %zu, which wasm2c 1.0.32 cannot translate; %s",
               base + u->offset, kt_feature_fix(f));
}
