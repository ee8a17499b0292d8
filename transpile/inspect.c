/*
 * transpile/inspect.c - `kvaot inspect GUEST.wasm [--json]` (SPEC §6): what
 * the input is, the core modules found (index, offset, size, role, and for
 * a module kvaot cannot use, its imports), the guest's imports and exports
 * matched against the world, and every problem: the component-level ones
 * (component.h: no guest, two guests, other modules) first, then the
 * validation ones (validate.h). Exit 0 when `kvaot build` would accept the
 * guest, 1 otherwise (also for an unreadable file, reported with the byte
 * offset), 2 when the file cannot be read at all.
 *
 * Names are printed between double quotes with `"`, `\` and bytes below
 * 0x20 or 0x7f escaped as \" \\ \xHH, so each item stays on one line.
 *
 * --json prints one object on one line:
 *   {"file":F,"kind":"component"|"core module","size":N,
 *    "modules":[{"index":I,"offset":O,"size":S,"role":R,"used":B
 *                [,"imports":[IMPORT...]]   (role "other" only)}...],
 *    "guest":I|null,
 *    ["scheme":"cm32p2"|"legacy"|"2023"|"unknown",
 *     "imports":[IMPORT...],"exports":[EXPORT...],]   (one guest only)
 *    "ok":B,"problems":[TEXT...]}
 *   IMPORT = {"module":M,"name":N,"kind":K,"signature":S|null,"world":"iface.func"|null}
 *   EXPORT = {"name":N,"kind":K,"signature":S|null,"use":U|null,"ok":B}
 *   U: "on-set", "on-delete", "on-set post-return", "on-delete post-return",
 *      "realloc", "memory", "initialize"; "ok" is false when a problem is
 *   about this export (a handler, realloc or memory of the wrong kind or
 *   signature); an import is fine when its "world" is not null.
 * An unreadable input gives
 *   {"file":F,"size":N,"ok":false,"error":{"offset":O,"section":S|null,
 *    "message":TEXT},"problems":[TEXT]}.
 */
#include "driver.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "component.h"
#include "dwarf.h"
#include "module.h"
#include "strbuf.h"
#include "validate.h"
#include "world.h"

/* Everything inspect found, printed as text or JSON. */
typedef struct report {
    const char *input;
    const uint8_t *data;
    size_t len;
    kt_input_info info;
    const kt_validate_opts *opts;
    kt_guest_check g;       /* the guest, when have */
    bool have;
    char check_error[400];  /* the guest module could not be checked: why */
    kt_problem *comp;       /* component-level problems */
    uint32_t ncomp;
    bool ok;
} report;

static const char *scheme_text(kt_scheme s)
{
    switch (s) {
    case KT_SCHEME_CM32P2: return "cm32p2 (current wit-component)";
    case KT_SCHEME_LEGACY: return "legacy wit-component";
    case KT_SCHEME_2023: return "2023 bindings";
    case KT_SCHEME_UNKNOWN: break;
    }
    return "unknown";
}

static const char *scheme_token(kt_scheme s)
{
    switch (s) {
    case KT_SCHEME_CM32P2: return "cm32p2";
    case KT_SCHEME_LEGACY: return "legacy";
    case KT_SCHEME_2023: return "2023";
    case KT_SCHEME_UNKNOWN: break;
    }
    return "unknown";
}

static const char *kind_name(uint8_t k)
{
    static const char *const names[] = {"func", "table", "memory", "global", "tag"};
    return k < 5 ? names[k] : "?";
}

static void json_str(kt_sb *o, const char *s)
{
    kt_sb_add(o, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            kt_sb_addf(o, "\\%c", *p);
        else if (*p < 0x20)
            kt_sb_addf(o, "\\u%04x", *p);
        else
            kt_sb_addn(o, (const char *)p, 1);
    }
    kt_sb_add(o, "\"");
}

/* "name" with ", \ and control bytes escaped. */
static void text_str(kt_sb *o, const char *s)
{
    kt_sb_add_quoted(o, s, SIZE_MAX);
}

/* The signature letter (world.h) of a value type. */
static char type_letter(uint8_t t)
{
    switch (t) {
    case KT_I32: return 'i';
    case KT_I64: return 'I';
    case KT_F32: return 'f';
    case KT_F64: return 'F';
    case KT_V128: return 'v';
    case KT_FUNCREF: return 'r';
    case KT_EXTERNREF: return 'e';
    default: return '?';
    }
}

static void sig_of(const kt_functype *t, char *out, size_t cap)
{
    char params[KT_MAX_SIG + 1], results[KT_MAX_SIG + 1];
    uint32_t i;
    for (i = 0; i < t->nparams && i < KT_MAX_SIG; i++)
        params[i] = type_letter(t->params[i]);
    params[i] = '\0';
    for (i = 0; i < t->nresults && i < KT_MAX_SIG; i++)
        results[i] = type_letter(t->results[i]);
    results[i] = '\0';
    kt_world_sig_text(params, results, out, cap);
}

/* Signature text of a function import, "" for other kinds or a bad type. */
static void import_sig(const kt_module *m, const kt_import *im, char *out, size_t cap)
{
    out[0] = '\0';
    if (im->kind == KT_EXT_FUNC && im->type_index < m->ntypes)
        sig_of(&m->types[im->type_index], out, cap);
}

static void export_sig(const kt_module *m, const kt_export *ex, char *out, size_t cap)
{
    out[0] = '\0';
    const kt_functype *t = ex->kind == KT_EXT_FUNC ? kt_module_functype(m, ex->index) : NULL;
    if (t != NULL)
        sig_of(t, out, cap);
}

static const char *export_use(const kt_binding *b, const kt_export *ex)
{
    if (ex->name == b->on_set) return "on-set";
    if (ex->name == b->on_delete) return "on-delete";
    if (ex->name == b->on_set_post) return "on-set post-return";
    if (ex->name == b->on_delete_post) return "on-delete post-return";
    if (ex->name == b->realloc_fn) return "realloc";
    if (ex->name == b->memory) return "memory";
    if (ex->name == b->initialize) return "initialize";
    return NULL;
}

/* True when a validation problem is about export `name`: validate.c words
 * those `export "NAME" (role): ...`, NAME escaped as text_str does (a name
 * too long to be shown whole there is not matched). */
static bool export_has_problem(const kt_binding *b, const char *name)
{
    kt_sb want;
    kt_sb_init(&want);
    kt_sb_add(&want, "export ");
    text_str(&want, name);
    kt_sb_add(&want, " (");
    bool found = false;
    const char *w = kt_sb_str(&want);
    for (uint32_t i = 0; !want.failed && i < b->nproblems && !found; i++)
        found = strncmp(b->problems[i].text, w, strlen(w)) == 0;
    kt_sb_fini(&want);
    return found;
}

/* The world row an import binds to, or NULL (also for WASI and stubs). */
static const kt_world_func *import_world(const kt_binding *b, uint32_t i)
{
    if (b->imports == NULL || b->imports[i].kind != KT_BIND_FUNC ||
        b->imports[i].prov != KT_PROV_WORLD)
        return NULL;
    return b->imports[i].fn;
}

/* What provides import i: "world", "wasi-preview1", "wasi-0.2",
 * "toolchain", "stub" (built as a trapping stub, or would be with
 * --stub-imports), or NULL (a problem). */
static const char *import_provider(const kt_binding *b, uint32_t i)
{
    if (b->imports == NULL)
        return NULL;
    const kt_import_bind *ib = &b->imports[i];
    if (ib->kind == KT_BIND_STUB || ib->kind == KT_BIND_UNPROVIDED)
        return "stub";
    if (ib->kind != KT_BIND_FUNC)
        return NULL;
    switch (ib->prov) {
    case KT_PROV_WORLD: return "world";
    case KT_PROV_WASI_P1: return "wasi-preview1";
    case KT_PROV_WASI_P2: return "wasi-0.2";
    case KT_PROV_TOOLCHAIN: return "toolchain";
    }
    return NULL;
}

static const char *role_note(const report *r, uint32_t i)
{
    switch (r->info.mods[i].role) {
    case KT_ROLE_GUEST:
        return (int)i == r->info.guest ? " (used)" : " (not used: more than one guest)";
    case KT_ROLE_SHIM:
    case KT_ROLE_FIXUP:
        return " (wit-component wiring, not needed)";
    case KT_ROLE_START:
        return " (calls the guest's initialize, which kvaot does itself)";
    case KT_ROLE_ADAPTER:
        return " (not needed: kvaot provides WASI preview 1 itself)";
    case KT_ROLE_OTHER:
        return r->info.mods[i].nimports > 0 ? " (not usable; its imports:)" : " (not usable)";
    }
    return "";
}

/* ---- gathering ------------------------------------------------------------ */

static void gather(report *r)
{
    if (r->info.guest >= 0) {
        const kt_core_ref *c = &r->info.mods[r->info.guest];
        kt_diag d;
        memset(&d, 0, sizeof d);
        if (kt_check_guest(r->data + c->offset, c->len, c->offset, r->opts, &r->g, &d) == KT_OK)
            r->have = true;
        else
            snprintf(r->check_error, sizeof r->check_error, "byte %zu: %s%s%s", d.offset,
                     kt_strerror(d.err), d.detail[0] ? ": " : "", d.detail);
    }
    r->comp = calloc((size_t)r->info.nmods + 2, sizeof *r->comp);
    for (uint32_t k = 0; r->comp != NULL && k <= r->info.nmods; k++) {
        size_t at;
        char *text = r->comp[k].text;
        if (!kt_component_problem(r->data, &r->info, k, text, sizeof r->comp[k].text, &at))
            break;
        r->ncomp++;
    }
    if (r->comp != NULL && r->check_error[0])
        snprintf(r->comp[r->ncomp++].text, sizeof r->comp[0].text, "%s", r->check_error);
    r->ok = r->have && r->g.b.nproblems == 0 && !r->g.b.problems_full && r->ncomp == 0 &&
            r->comp != NULL;
}

/* ---- text ----------------------------------------------------------------- */

static void text_other_imports(const report *r, uint32_t i, kt_sb *o)
{
    kt_module m;
    kt_diag d;
    memset(&d, 0, sizeof d);
    if (kt_read_module(r->data + r->info.mods[i].offset, r->info.mods[i].len, &m, &d) != KT_OK)
        return;
    for (uint32_t j = 0; j < m.nimports; j++) {
        const kt_import *im = &m.imports[j];
        char sig[128];
        import_sig(&m, im, sig, sizeof sig);
        kt_sb_add(o, "        ");
        text_str(o, im->module);
        kt_sb_add(o, " ");
        text_str(o, im->field);
        const char *note = kt_import_in_world(im) ? "  a function of the world"
            : kt_import_from_guest(im) ? "  the guest's export"
            : im->kind == KT_EXT_FUNC ? "  not in the world" : "";
        kt_sb_addf(o, " %s%s\n", sig[0] ? sig : kind_name(im->kind), note);
    }
    kt_module_fini(&m);
}

/* start function, core features, names and DWARF. */
/* What a --profile build gets from the guest (README "Profiling a
 * guest"): how many defined functions the name section names, and the
 * DWARF line table's size. */
typedef struct debug_facts {
    uint32_t named;
    size_t rows;
    uint32_t files;
} debug_facts;

static debug_facts facts_of(const report *r)
{
    const kt_module *m = &r->g.m;
    debug_facts f = {0, 0, 0};
    for (uint32_t i = 0; i < m->nfuncs; i++)
        f.named += kt_module_func_name(m, m->nfunc_imports + i) != NULL;
    kt_lines l;
    if (m->has_dwarf && kt_lines_read(r->data + r->info.mods[r->info.guest].offset, m, &l) == 0) {
        f.rows = l.nrows;
        f.files = l.nfiles;
        kt_lines_fini(&l);
    }
    return f;
}

static void text_module_facts(const report *r, kt_sb *o)
{
    const kt_module *m = &r->g.m;
    if (m->has_start) {
        const char *name = kt_module_func_name(m, m->start_func);
        kt_sb_addf(o, "start function: #%u", m->start_func);
        if (name != NULL) {
            kt_sb_add(o, " ");
            text_str(o, name);
        }
        kt_sb_add(o, " (run after instantiation, before initialize)\n");
    }
    kt_sb_add(o, "core features:");
    bool any = false;
    for (int f = 1; f < KT_F__COUNT; f++) {
        if (!r->g.features.use[f].used)
            continue;
        kt_sb_addf(o, "%s %s", any ? "," : "", kt_feature_name((kt_feature)f));
        if (f == KT_F_TAIL_CALL)
            kt_sb_add(o, " (rewritten as call + return)");
        else if (kt_feature_supported((kt_feature)f))
            kt_sb_add(o, " (enabled in wasm2c)");
        else
            kt_sb_add(o, " (refused)");
        any = true;
    }
    kt_sb_add(o, any ? "\n" : " none beyond the wasm2c 1.0.32 defaults\n");
    debug_facts f = facts_of(r);
    kt_sb_addf(o, "debug info: name section %s", m->has_names ? "yes" : "no");
    if (m->has_names)
        kt_sb_addf(o, " (%u of %u functions named)", f.named, m->nfuncs);
    kt_sb_addf(o, ", DWARF %s", m->has_dwarf ? "yes" : "no");
    if (m->has_dwarf && f.files > 0)
        kt_sb_addf(o, " (line table: %zu rows, %u source files)", f.rows, f.files);
    else if (m->has_dwarf)
        kt_sb_add(o, " (no line table: --profile builds show no guest source lines)");
    kt_sb_add(o, "\n");
}

static void text_guest(const report *r, kt_sb *o)
{
    const kt_module *m = &r->g.m;
    kt_sb_addf(o, "naming scheme: %s\n", r->g.b.scheme == KT_SCHEME_UNKNOWN
               ? "unknown (no usable on-set export or world import to tell)"
               : scheme_text(r->g.b.scheme));
    kt_sb_addf(o, "imports: %u\n", m->nimports);
    for (uint32_t i = 0; i < m->nimports; i++) {
        const kt_import *im = &m->imports[i];
        const kt_world_func *w = import_world(&r->g.b, i);
        char sig[128];
        import_sig(m, im, sig, sizeof sig);
        const char *prov = import_provider(&r->g.b, i);
        const kt_import_bind *ib = r->g.b.imports ? &r->g.b.imports[i] : NULL;
        kt_sb_addf(o, "  %-4s ", prov == NULL ? "BAD" : strcmp(prov, "stub") == 0 ? "stub" : "ok");
        text_str(o, im->module);
        kt_sb_add(o, " ");
        text_str(o, im->field);
        kt_sb_addf(o, " %s", sig[0] ? sig : kind_name(im->kind));
        if (w != NULL)
            kt_sb_addf(o, "  = %s.%s", w->iface, w->name);
        else if (ib != NULL && ib->kind == KT_BIND_FUNC && ib->prov == KT_PROV_WASI_P1)
            kt_sb_addf(o, "  = %s %s", kt_provider_name(ib->prov), ib->fn->name);
        else if (ib != NULL && ib->kind == KT_BIND_FUNC)
            kt_sb_addf(o, "  = %s %s.%s", kt_provider_name(ib->prov), ib->fn->iface,
                       ib->fn->name);
        else if (ib != NULL && (ib->kind == KT_BIND_STUB || ib->kind == KT_BIND_UNPROVIDED))
            kt_sb_addf(o, "  (%s; traps when called)", kt_origin_phrase(ib->origin));
        kt_sb_add(o, "\n");
    }
    kt_sb_addf(o, "exports: %u\n", m->nexports);
    for (uint32_t i = 0; i < m->nexports; i++) {
        const kt_export *ex = &m->exports[i];
        const char *use = export_use(&r->g.b, ex);
        char sig[128];
        export_sig(m, ex, sig, sizeof sig);
        kt_sb_add(o, "  ");
        text_str(o, ex->name);
        kt_sb_addf(o, " %s%s%s", kind_name(ex->kind), sig[0] ? " " : "", sig);
        if (use != NULL)
            kt_sb_addf(o, "  = %s\n", use);
        else if (export_has_problem(&r->g.b, ex->name))
            kt_sb_add(o, "  BAD (see problems)\n");
        else
            kt_sb_add(o, "  (not used)\n");
    }
    text_module_facts(r, o);
}

static void print_text(const report *r, kt_sb *o)
{
    kt_sb_addf(o, "%s: %s, %zu bytes\n", r->input,
               r->info.is_component ? "component" : "core module", r->len);
    kt_sb_addf(o, "core modules: %u\n", r->info.nmods);
    for (uint32_t i = 0; i < r->info.nmods; i++) {
        const kt_core_ref *c = &r->info.mods[i];
        kt_sb_addf(o, "  #%u  offset %zu  %zu bytes  %s%s\n", i, c->offset, c->len,
                   kt_role_name(c->role), role_note(r, i));
        if (c->role == KT_ROLE_OTHER)
            text_other_imports(r, i, o);
    }
    if (r->have)
        text_guest(r, o);
    uint32_t np = r->ncomp + (r->have ? r->g.b.nproblems : 0);
    if (r->ok) {
        kt_sb_add(o, "problems: none (kvaot build accepts this guest)\n");
        return;
    }
    kt_sb_addf(o, "problems: %u\n", np);
    for (uint32_t i = 0; i < r->ncomp; i++)
        kt_sb_addf(o, "  %s\n", r->comp[i].text);
    for (uint32_t i = 0; r->have && i < r->g.b.nproblems; i++)
        kt_sb_addf(o, "  %s\n", r->g.b.problems[i].text);
}

/* ---- JSON ----------------------------------------------------------------- */

static void json_import(kt_sb *o, const kt_module *m, const kt_import *im, const kt_world_func *w,
                        const char *provider, const kt_world_func *fn)
{
    char sig[128];
    import_sig(m, im, sig, sizeof sig);
    kt_sb_add(o, "{\"module\":");
    json_str(o, im->module);
    kt_sb_add(o, ",\"name\":");
    json_str(o, im->field);
    kt_sb_addf(o, ",\"kind\":\"%s\",\"signature\":", kind_name(im->kind));
    if (sig[0])
        json_str(o, sig);
    else
        kt_sb_add(o, "null");
    if (w != NULL)
        kt_sb_addf(o, ",\"world\":\"%s.%s\"", w->iface, w->name);
    else
        kt_sb_add(o, ",\"world\":null");
    kt_sb_add(o, ",\"provider\":");
    if (provider != NULL)
        json_str(o, provider);
    else
        kt_sb_add(o, "null");
    kt_sb_add(o, ",\"function\":");
    if (fn != NULL)
        json_str(o, fn->name);
    else
        kt_sb_add(o, "null");
    kt_sb_add(o, "}");
}

static void json_other_imports(const report *r, uint32_t i, kt_sb *o)
{
    kt_module m;
    kt_diag d;
    memset(&d, 0, sizeof d);
    kt_sb_add(o, ",\"imports\":[");
    if (kt_read_module(r->data + r->info.mods[i].offset, r->info.mods[i].len, &m, &d) == KT_OK) {
        for (uint32_t j = 0; j < m.nimports; j++) {
            const kt_import *im = &m.imports[j];
            char iface[128];
            int row = -1;
            if (im->kind == KT_EXT_FUNC)
                row = kt_world_find(kt_iface_short(im->module, iface, sizeof iface), im->field);
            if (j > 0)
                kt_sb_add(o, ",");
            const kt_world_func *w = row >= 0 ? &kt_world_imports[row] : NULL;
            json_import(o, &m, im, w, w ? "world" : NULL, w);
        }
        kt_module_fini(&m);
    }
    kt_sb_add(o, "]");
}

static void json_guest(const report *r, kt_sb *o)
{
    const kt_module *m = &r->g.m;
    kt_sb_addf(o, ",\"scheme\":\"%s\",\"imports\":[", scheme_token(r->g.b.scheme));
    for (uint32_t i = 0; i < m->nimports; i++) {
        if (i > 0)
            kt_sb_add(o, ",");
        const kt_import_bind *ib = r->g.b.imports ? &r->g.b.imports[i] : NULL;
        json_import(o, m, &m->imports[i], import_world(&r->g.b, i), import_provider(&r->g.b, i),
                    ib && ib->kind == KT_BIND_FUNC ? ib->fn : NULL);
    }
    kt_sb_add(o, "],\"exports\":[");
    for (uint32_t i = 0; i < m->nexports; i++) {
        const kt_export *ex = &m->exports[i];
        const char *use = export_use(&r->g.b, ex);
        char sig[128];
        export_sig(m, ex, sig, sizeof sig);
        kt_sb_add(o, i > 0 ? ",{\"name\":" : "{\"name\":");
        json_str(o, ex->name);
        kt_sb_addf(o, ",\"kind\":\"%s\",\"signature\":", kind_name(ex->kind));
        if (sig[0])
            json_str(o, sig);
        else
            kt_sb_add(o, "null");
        kt_sb_add(o, ",\"use\":");
        if (use != NULL)
            json_str(o, use);
        else
            kt_sb_add(o, "null");
        kt_sb_addf(o, ",\"ok\":%s}", export_has_problem(&r->g.b, ex->name) ? "false" : "true");
    }
    kt_sb_add(o, "]");
    const kt_module *gm = &r->g.m;
    if (gm->has_start)
        kt_sb_addf(o, ",\"start\":%u", gm->start_func);
    else
        kt_sb_add(o, ",\"start\":null");
    kt_sb_add(o, ",\"features\":[");
    bool first = true;
    for (int f = 1; f < KT_F__COUNT; f++) {
        const kt_feature_use *u = &r->g.features.use[f];
        if (!u->used)
            continue;
        kt_sb_add(o, first ? "{\"name\":" : ",{\"name\":");
        json_str(o, kt_feature_name((kt_feature)f));
        kt_sb_addf(o, ",\"supported\":%s,\"function\":",
                   kt_feature_supported((kt_feature)f) ? "true" : "false");
        if (u->func != KT_NO_FUNC)
            kt_sb_addf(o, "%u", u->func);
        else
            kt_sb_add(o, "null");
        kt_sb_addf(o, ",\"offset\":%zu}", r->info.mods[r->info.guest].offset + u->offset);
        first = false;
    }
    debug_facts df = facts_of(r);
    kt_sb_addf(o, "],\"names\":%s,\"named_functions\":%u,\"dwarf\":%s,\"line_rows\":%zu,"
               "\"source_files\":%u", gm->has_names ? "true" : "false", df.named,
               gm->has_dwarf ? "true" : "false", df.rows, df.files);
}

static void print_json(const report *r, kt_sb *o)
{
    kt_sb_add(o, "{\"file\":");
    json_str(o, r->input);
    kt_sb_addf(o, ",\"kind\":\"%s\",\"size\":%zu,\"modules\":[",
               r->info.is_component ? "component" : "core module", r->len);
    for (uint32_t i = 0; i < r->info.nmods; i++) {
        const kt_core_ref *c = &r->info.mods[i];
        kt_sb_addf(o, "%s{\"index\":%u,\"offset\":%zu,\"size\":%zu,\"role\":\"%s\",\"used\":%s",
                   i ? "," : "", i, c->offset, c->len, kt_role_name(c->role),
                   (int)i == r->info.guest ? "true" : "false");
        if (c->role == KT_ROLE_OTHER)
            json_other_imports(r, i, o);
        kt_sb_add(o, "}");
    }
    kt_sb_add(o, "],\"guest\":");
    if (r->info.guest >= 0)
        kt_sb_addf(o, "%d", r->info.guest);
    else
        kt_sb_add(o, "null");
    if (r->have)
        json_guest(r, o);
    kt_sb_addf(o, ",\"ok\":%s,\"problems\":[", r->ok ? "true" : "false");
    bool first = true;
    for (uint32_t i = 0; i < r->ncomp; i++, first = false) {
        kt_sb_add(o, first ? "" : ",");
        json_str(o, r->comp[i].text);
    }
    for (uint32_t i = 0; r->have && i < r->g.b.nproblems; i++, first = false) {
        kt_sb_add(o, first ? "" : ",");
        json_str(o, r->g.b.problems[i].text);
    }
    kt_sb_add(o, "]}\n");
}

/* ---- unreadable input ------------------------------------------------------- */

static void print_unreadable(const char *input, size_t len, const kt_diag *d, bool json, kt_sb *o)
{
    char msg[400];
    snprintf(msg, sizeof msg, "byte %zu%s%s: %s%s%s", d->offset, d->section ? " in " : "",
             d->section ? d->section : "", kt_strerror(d->err), d->detail[0] ? ": " : "",
             d->detail);
    if (!json) {
        kt_sb_addf(o, "%s: unreadable (%zu bytes): %s\n", input, len, msg);
        return;
    }
    kt_sb_add(o, "{\"file\":");
    json_str(o, input);
    kt_sb_addf(o, ",\"size\":%zu,\"ok\":false,\"error\":{\"offset\":%zu,\"section\":", len,
               d->offset);
    if (d->section != NULL)
        json_str(o, d->section);
    else
        kt_sb_add(o, "null");
    kt_sb_add(o, ",\"message\":");
    json_str(o, msg);
    kt_sb_add(o, "},\"problems\":[");
    json_str(o, msg);
    kt_sb_add(o, "]}\n");
}

int kt_inspect(const char *input, bool json, const kt_validate_opts *opts)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (kt_read_file(input, &data, &len) != 0) {
        fprintf(stderr, "kvaot: %s: cannot read: %s\n", input, strerror(errno));
        return KT_EXIT_USAGE;
    }
    report r;
    memset(&r, 0, sizeof r);
    r.input = input;
    r.opts = opts;
    r.data = data;
    r.len = len;
    kt_sb o;
    kt_sb_init(&o);
    kt_diag diag;
    memset(&diag, 0, sizeof diag);
    int status = KT_EXIT_REJECTED;
    if (kt_scan_input(data, len, &r.info, &diag) != KT_OK) {
        print_unreadable(input, len, &diag, json, &o);
    } else {
        gather(&r);
        if (json)
            print_json(&r, &o);
        else
            print_text(&r, &o);
        status = r.ok ? KT_EXIT_OK : KT_EXIT_REJECTED;
    }
    if (o.failed) {
        fprintf(stderr, "kvaot: %s: out of memory\n", input);
        status = KT_EXIT_REJECTED;
    } else {
        fputs(kt_sb_str(&o), stdout);
    }
    kt_sb_fini(&o);
    if (r.have)
        kt_guest_check_fini(&r.g);
    free(r.comp);
    kt_input_info_fini(&r.info);
    free(data);
    return status;
}
