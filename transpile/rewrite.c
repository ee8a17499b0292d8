/*
 * transpile/rewrite.c - the module wasm2c is given; see rewrite.h. One walk
 * over the sections, copying each into a byte builder, with the start
 * section left out, the export section extended (or inserted where it
 * belongs) and, with tail calls, every code body re-encoded.
 */
#include "rewrite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "leb128.h"
#include "opcode.h"
#include "profile.h"
#include "strbuf.h"

static void put_leb(kt_sb *o, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        if (v != 0)
            b |= 0x80;
        kt_sb_addn(o, (const char *)&b, 1);
    } while (v != 0);
}

static void put_sleb(kt_sb *o, int64_t v)
{
    for (;;) {
        uint8_t b = v & 0x7f;
        v >>= 7;        /* arithmetic: gcc and clang shift signed values so */
        bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
        if (!done)
            b |= 0x80;
        kt_sb_addn(o, (const char *)&b, 1);
        if (done)
            return;
    }
}

static void put_bytes(kt_sb *o, const uint8_t *p, size_t n)
{
    kt_sb_addn(o, (const char *)p, n);
}

/* A section: id, size, contents. */
static void put_section(kt_sb *o, uint8_t id, const uint8_t *p, size_t n)
{
    put_bytes(o, &id, 1);
    put_leb(o, n);
    put_bytes(o, p, n);
}

static bool export_exists(const kt_module *m, const char *name)
{
    for (uint32_t i = 0; i < m->nexports; i++)
        if (strcmp(m->exports[i].name, name) == 0)
            return true;
    return false;
}

/* "kvaot_start", or with a number when the guest already exports that. */
static void pick_start_name(const kt_module *m, char *out, size_t cap)
{
    snprintf(out, cap, "kvaot_start");
    for (unsigned k = 2; export_exists(m, out); k++)
        snprintf(out, cap, "kvaot_start%u", k);
}

/* The export section with one more entry: the start function. */
static void put_export_section(kt_sb *o, const kt_module *m, const uint8_t *data,
                               const char *start_name)
{
    kt_sb body;
    kt_sb_init(&body);
    put_leb(&body, (uint64_t)m->nexports + 1);
    const kt_span *sp = &m->sections[KT_SEC_EXPORT];
    if (sp->offset != 0) {
        kt_cursor c;
        uint32_t n;
        kt_cur_init(&c, data, sp->offset + sp->len);
        c.pos = sp->offset;
        if (kt_leb_u32(&c, &n) == KT_OK)      /* read once already by the reader */
            put_bytes(&body, data + c.pos, kt_cur_left(&c));
    }
    size_t nlen = strlen(start_name);
    put_leb(&body, nlen);
    put_bytes(&body, (const uint8_t *)start_name, nlen);
    uint8_t kind = KT_EXT_FUNC;
    put_bytes(&body, &kind, 1);
    put_leb(&body, m->start_func);
    if (body.failed)
        o->failed = true;
    else
        put_section(o, KT_SEC_EXPORT, (const uint8_t *)body.data, body.len);
    kt_sb_fini(&body);
}

/* What re-encoding the code bodies adds: tail calls undone, and in a
 * --profile build the line marks (profile.h). */
typedef struct body_ctx {
    bool tail;
    kt_profile *prof;       /* NULL: no marks */
    size_t code_off;        /* the code section's contents: DWARF address 0 */
    size_t hint;            /* kt_lines_at's, across bodies */
    bool clash;             /* a guest i64.const has prof->magic in its high half */
    bool nomem;
} body_ctx;

enum { OP_DROP = 0x1a, OP_I64_CONST = 0x42 };

/* Before the instruction at `at`: a mark when its source line is not the
 * one marked last (*file, *line). */
static void put_mark(kt_sb *o, body_ctx *x, size_t at, uint32_t *file, uint32_t *line)
{
    const kt_line_row *row = kt_lines_at(&x->prof->lines, (uint32_t)(at - x->code_off), &x->hint);
    if (row == NULL || row->line == 0 || (row->file == *file && row->line == *line))
        return;
    int64_t id = kt_profile_mark(x->prof, row->file, row->line);
    if (id < 0) {
        x->nomem = true;
        return;
    }
    uint8_t op = OP_I64_CONST, drop = OP_DROP;
    put_bytes(o, &op, 1);
    put_sleb(o, (int64_t)((uint64_t)x->prof->magic << 32 | (uint64_t)id));
    put_bytes(o, &drop, 1);
    *file = row->file;
    *line = row->line;
}

/* Does the i64.const at p (its opcode) have the marks' magic? */
static bool clashes(const kt_cursor *body, size_t at, uint32_t magic)
{
    kt_cursor c = *body;
    int64_t v;
    c.pos = at + 1;
    return kt_leb_s64(&c, &v) == KT_OK && (uint32_t)((uint64_t)v >> 32) == magic;
}

/* One body re-encoded: return_call(_indirect) as call(_indirect) + return,
 * marks before instructions. */
static kt_err put_body(kt_sb *o, kt_cursor *body, body_ctx *x)
{
    size_t start = body->pos;
    uint32_t nlocals;
    kt_err e = kt_leb_u32(body, &nlocals);
    for (uint32_t i = 0; e == KT_OK && i < nlocals; i++) {
        uint32_t count;
        kt_feature f;
        e = kt_leb_u32(body, &count);
        if (e == KT_OK)
            e = kt_valtype_read(body, &f);
    }
    if (e != KT_OK)
        return e;
    put_bytes(o, body->base + start, body->pos - start);
    uint32_t file = KT_LINE_NONE, line = 0;
    if (x->prof != NULL)        /* the row at the body's start: the function's head */
        put_mark(o, x, start, &file, &line);
    while (!kt_cur_done(body)) {
        kt_insn in;
        e = kt_insn_read(body, &in);
        if (e != KT_OK)
            return e;
        const uint8_t *p = body->base + in.at;
        size_t n = body->pos - in.at;
        if (x->prof != NULL) {
            put_mark(o, x, in.at, &file, &line);
            if (in.op == OP_I64_CONST && clashes(body, in.at, x->prof->magic))
                x->clash = true;
        }
        if (x->tail && (in.op == KT_OP_RETURN_CALL || in.op == KT_OP_RETURN_CALL_INDIRECT)) {
            uint8_t call = in.op == KT_OP_RETURN_CALL ? KT_OP_CALL : KT_OP_CALL_INDIRECT;
            uint8_t ret = KT_OP_RETURN;
            put_bytes(o, &call, 1);
            put_bytes(o, p + 1, n - 1);
            put_bytes(o, &ret, 1);
        } else {
            put_bytes(o, p, n);
        }
    }
    return KT_OK;
}

static kt_err put_code_section(kt_sb *o, const kt_module *m, const uint8_t *data,
                               body_ctx *x, kt_diag *diag)
{
    const kt_span *sp = &m->sections[KT_SEC_CODE];
    kt_cursor c;
    uint32_t n;
    kt_sb sec;
    kt_sb_init(&sec);
    kt_cur_init(&c, data, sp->offset + sp->len);
    c.pos = sp->offset;
    kt_err e = kt_leb_u32(&c, &n);
    if (e == KT_OK)
        put_leb(&sec, n);
    for (uint32_t i = 0; e == KT_OK && i < n; i++) {
        uint32_t size;
        kt_cursor body;
        e = kt_leb_u32(&c, &size);
        if (e == KT_OK)
            e = kt_cur_sub(&c, size, &body);
        kt_sb one;
        kt_sb_init(&one);
        if (e == KT_OK)
            e = put_body(&one, &body, x);
        if (e == KT_OK) {
            put_leb(&sec, one.len);
            put_bytes(&sec, (const uint8_t *)one.data, one.len);
            if (one.failed)
                sec.failed = true;
        }
        kt_sb_fini(&one);
    }
    if (e != KT_OK)
        kt_fail(diag, e, c.pos, "code", "while re-encoding the code");
    else if (sec.failed || x->nomem)
        o->failed = true;
    else
        put_section(o, KT_SEC_CODE, (const uint8_t *)sec.data, sec.len);
    kt_sb_fini(&sec);
    return e;
}

/* Sections ranked in the order they must appear (reader.c's order): the
 * export section is rank 8; a missing one goes before the first section
 * ranked after it. */
static unsigned rank_of(uint8_t id)
{
    static const unsigned char rank[KT_SEC__COUNT] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};
    return id < KT_SEC__COUNT ? rank[id] : 99;
}

/* The name section of a --profile build: the placeholders (symnames.h)
 * as function names, nothing else. */
static void put_name_section(kt_sb *o, const kt_profile *prof)
{
    kt_sb names, body;
    kt_sb_init(&names);
    kt_sb_init(&body);
    const kt_symnames *s = &prof->names;
    put_leb(&names, s->n);
    for (uint32_t i = 0; i < s->n; i++) {
        size_t len = strlen(s->placeholder[i]);
        put_leb(&names, (uint64_t)s->first + i);
        put_leb(&names, len);
        put_bytes(&names, (const uint8_t *)s->placeholder[i], len);
    }
    put_leb(&body, 4);
    put_bytes(&body, (const uint8_t *)"name", 4);
    uint8_t sub = 1;                                /* function names */
    put_bytes(&body, &sub, 1);
    put_leb(&body, names.len);
    put_bytes(&body, (const uint8_t *)names.data, names.len);
    if (names.failed || body.failed)
        o->failed = true;
    else
        put_section(o, KT_SEC_CUSTOM, (const uint8_t *)body.data, body.len);
    kt_sb_fini(&names);
    kt_sb_fini(&body);
}

static bool is_name_section(const kt_cursor *sec)
{
    kt_cursor c = *sec;
    uint32_t len;
    const uint8_t *bytes;
    return kt_leb_u32(&c, &len) == KT_OK && kt_cur_bytes(&c, len, &bytes) == KT_OK &&
           len == 4 && memcmp(bytes, "name", 4) == 0;
}

/* One pass over the sections into o. */
static kt_err rewrite_once(const uint8_t *data, size_t len, const kt_module *m, body_ctx *x,
                           const char *start_export, kt_sb *o, kt_diag *diag)
{
    put_bytes(o, data, 8);
    bool exports_done = !m->has_start;
    kt_cursor c;
    kt_cur_init(&c, data, len);
    c.pos = 8;
    kt_err e = KT_OK;
    while (e == KT_OK && !kt_cur_done(&c)) {
        size_t at = c.pos;
        uint8_t id;
        uint32_t size;
        kt_cursor sec;
        e = kt_cur_u8(&c, &id);
        if (e == KT_OK)
            e = kt_leb_u32(&c, &size);
        if (e == KT_OK)
            e = kt_cur_sub(&c, size, &sec);
        if (e != KT_OK) {
            kt_fail(diag, e, at, NULL, "while rewriting the module");
            break;
        }
        if (!exports_done && id != KT_SEC_CUSTOM && rank_of(id) >= rank_of(KT_SEC_EXPORT)) {
            put_export_section(o, m, data, start_export);
            exports_done = true;
            if (id == KT_SEC_EXPORT)
                continue;
        }
        if (id == KT_SEC_START && m->has_start)
            continue;
        if (id == KT_SEC_CUSTOM && x->prof != NULL && is_name_section(&sec))
            continue;
        if (id == KT_SEC_CODE && (x->tail || x->prof != NULL)) {
            e = put_code_section(o, m, data, x, diag);
            continue;
        }
        put_bytes(o, data + at, c.pos - at);
    }
    if (e == KT_OK && !exports_done)
        put_export_section(o, m, data, start_export);
    if (e == KT_OK && x->prof != NULL)
        put_name_section(o, x->prof);
    if (e == KT_OK && o->failed)
        e = kt_fail(diag, KT_E_NOMEM, 0, NULL, "while rewriting the module");
    return e;
}

kt_err kt_rewrite_module(const uint8_t *data, size_t len, const kt_module *m,
                         const kt_features *f, kt_profile *prof, kt_rewritten *out,
                         kt_diag *diag)
{
    memset(out, 0, sizeof *out);
    body_ctx x = {f->ntail_calls > 0, prof, m->sections[KT_SEC_CODE].offset, 0, false, false};
    if (!m->has_start && !x.tail && prof == NULL)
        return KT_OK;
    if (m->has_start)
        pick_start_name(m, out->start_export, sizeof out->start_export);
    kt_sb o;
    kt_err e;
    for (;;) {
        kt_sb_init(&o);
        e = rewrite_once(data, len, m, &x, out->start_export, &o, diag);
        if (e != KT_OK || !x.clash)
            break;
        /* the guest has a constant like a mark: other marks */
        kt_sb_fini(&o);
        prof->nmarks = 0;
        prof->magic++;
        x.clash = false;
        x.hint = 0;
    }
    if (e != KT_OK) {
        kt_sb_fini(&o);
        out->start_export[0] = '\0';
        return e;
    }
    out->data = (uint8_t *)o.data;
    out->len = o.len;
    return KT_OK;
}

void kt_rewritten_fini(kt_rewritten *r)
{
    free(r->data);
    memset(r, 0, sizeof *r);
}
