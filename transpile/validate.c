/*
 * transpile/validate.c - the world check (SPEC §1 step 2, §2): every import
 * a world function with its exact core signature, the handle-watch exports,
 * realloc and memory present with theirs. Collects every problem as one line
 * of text rather than stopping at the first, so a user sees all at once.
 * Three naming schemes are accepted, mixed too (see validate.h); interfaces
 * are matched by their last path segment, ignoring package and @version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "validate.h"
#include "world.h"

#define WORLD_NAME "keyvalue-handle-watch"
#define NAME_SHOWN 100   /* bytes of a wasm name quoted in a problem line */
/* At most one problem per import and export plus a few: far below this. */
#define MAX_PROBLEMS (1u << 20)

/* What an export can be to us. */
typedef enum role {
    ROLE_ON_SET, ROLE_ON_DELETE, ROLE_ON_SET_POST, ROLE_ON_DELETE_POST,
    ROLE_REALLOC, ROLE_MEMORY, ROLE_INITIALIZE, ROLE__COUNT, ROLE_NONE = ROLE__COUNT
} role;

typedef struct role_spec {
    const char *what;       /* shown in problem lines */
    const char *names;      /* shown when missing */
    bool required;
    bool is_memory;         /* else a function with params/results */
    const char *params, *results;
} role_spec;

static const role_spec roles[ROLE__COUNT] = {
    [ROLE_ON_SET] = { "on-set",
        "wasi:keyvalue/handle-watch#on-set or cm32p2|wasi:keyvalue/handle-watch|on-set",
        true, false, "iiii", "" },
    [ROLE_ON_DELETE] = { "on-delete",
        "wasi:keyvalue/handle-watch#on-delete or cm32p2|wasi:keyvalue/handle-watch|on-delete",
        true, false, "iii", "" },
    /* The canonical ABI post-return of a function without results takes no
     * parameters. */
    [ROLE_ON_SET_POST] = { "post-return of on-set", NULL, false, false, "", "" },
    [ROLE_ON_DELETE_POST] = { "post-return of on-delete", NULL, false, false, "", "" },
    [ROLE_REALLOC] = { "realloc", "cabi_realloc or cm32p2_realloc", true, false, "iiii", "i" },
    [ROLE_MEMORY] = { "memory", "memory or cm32p2_memory", true, true, NULL, NULL },
    [ROLE_INITIALIZE] = { "initialize", NULL, false, false, "", "" },
};

typedef struct vctx {
    const kt_module *m;
    const kt_validate_opts *opts;
    kt_binding *b;
    uint32_t nforeign;      /* function imports nobody provides */
} vctx;

/* ---- problem lines ---------------------------------------------------- */

typedef struct line {
    char text[sizeof ((kt_problem *)0)->text];
    size_t used;
} line;

static void put(line *l, const char *s)
{
    size_t n = strlen(s);
    size_t room = sizeof l->text - 1 - l->used;
    if (n > room)
        n = room;
    memcpy(l->text + l->used, s, n);
    l->used += n;
    l->text[l->used] = '\0';
}

/* "name" with '"', '\' and control bytes escaped, so the line stays one
 * line; long names are cut at a UTF-8 boundary and marked with "...". */
static void put_quoted(line *l, const char *name)
{
    kt_sb q;
    kt_sb_init(&q);
    kt_sb_add_quoted(&q, name, NAME_SHOWN);
    put(l, q.failed ? "\"?\"" : kt_sb_str(&q));
    kt_sb_fini(&q);
}

static const char *valtype_name(uint8_t t)
{
    switch (t) {
    case KT_I32: return "i32";
    case KT_I64: return "i64";
    case KT_F32: return "f32";
    case KT_F64: return "f64";
    case KT_V128: return "v128";
    case KT_FUNCREF: return "funcref";
    case KT_EXTERNREF: return "externref";
    default: return "?";
    }
}

static void put_types(line *l, const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n && i < KT_MAX_SIG; i++) {
        if (i > 0)
            put(l, ", ");
        put(l, valtype_name(types[i]));
    }
    if (n > KT_MAX_SIG)
        put(l, ", ...");
}

static void put_functype(line *l, const kt_functype *t)
{
    put(l, "(");
    put_types(l, t->params, t->nparams);
    put(l, ") -> (");
    put_types(l, t->results, t->nresults);
    put(l, ")");
}

static void put_sig(line *l, const char *params, const char *results)
{
    char text[sizeof l->text];
    kt_world_sig_text(params, results, text, sizeof text);
    put(l, text);
}

static const char *kind_name(uint8_t kind)
{
    switch (kind) {
    case KT_EXT_FUNC: return "function";
    case KT_EXT_TABLE: return "table";
    case KT_EXT_MEMORY: return "memory";
    case KT_EXT_GLOBAL: return "global";
    case KT_EXT_TAG: return "tag";
    default: return "unknown";
    }
}

static void add_text(kt_binding *b, const char *text)
{
    if (b->problems_full)
        return;
    if (b->nproblems == b->problems_cap) {
        uint32_t ncap = b->problems_cap == 0 ? 16 : b->problems_cap * 2;
        kt_problem *p = NULL;
        if (ncap > b->problems_cap && ncap <= MAX_PROBLEMS)
            p = realloc(b->problems, (size_t)ncap * sizeof *p);
        if (p == NULL) {
            /* Keep what we have; the last slot says the list is incomplete. */
            b->problems_full = true;
            if (b->nproblems > 0)
                strcpy(b->problems[b->nproblems - 1].text,
                       "out of memory: further problems not listed");
            return;
        }
        b->problems = p;
        b->problems_cap = ncap;
    }
    snprintf(b->problems[b->nproblems].text, sizeof b->problems[0].text, "%s", text);
    b->nproblems++;
}

static void add_problem(vctx *v, const line *l)
{
    add_text(v->b, l->text);
}

void kt_binding_add_problem(kt_binding *b, const char *text)
{
    add_text(b, text);
}

/* ---- names -------------------------------------------------------------- */

/* The interface short name inside s[0..n): after the last '|', before the
 * first '@', after the last '/' (or ':' when there is no '/'). */
static void short_span(const char *s, size_t n, size_t *start, size_t *len)
{
    size_t b = 0, e = n;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '|')
            b = i + 1;
    }
    for (size_t i = b; i < e; i++) {
        if (s[i] == '@') {
            e = i;
            break;
        }
    }
    size_t slash = SIZE_MAX, colon = SIZE_MAX;
    for (size_t i = b; i < e; i++) {
        if (s[i] == '/')
            slash = i;
        else if (s[i] == ':')
            colon = i;
    }
    if (slash != SIZE_MAX)
        b = slash + 1;
    else if (colon != SIZE_MAX)
        b = colon + 1;
    *start = b;
    *len = e - b;
}

const char *kt_iface_short(const char *module, char *out, size_t cap)
{
    size_t start, n;
    if (cap == 0)
        return out;
    short_span(module, strlen(module), &start, &n);
    if (n > cap - 1)
        n = cap - 1;
    memcpy(out, module + start, n);
    out[n] = '\0';
    return out;
}

static bool span_is(const char *s, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(s, want, n) == 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static kt_scheme module_scheme(const char *module)
{
    if (has_prefix(module, "cm32p2|"))
        return KT_SCHEME_CM32P2;
    if (strchr(module, ':') != NULL || strchr(module, '/') != NULL)
        return KT_SCHEME_LEGACY;
    return KT_SCHEME_2023;
}

/* on-set / on-delete (or their post-returns) of an interface whose short
 * name is handle-watch:
 *   cm32p2|<pkg/>handle-watch<@v>|on-set[_post]
 *   [cabi_post_]<pkg/>handle-watch<@v>#on-set      (legacy; 2023 without pkg) */
static role classify_handler(const char *name, kt_scheme *scheme)
{
    const char *iface, *fn;
    size_t iface_len, fn_len;
    bool post = false;

    if (has_prefix(name, "cm32p2|")) {
        const char *rest = name + strlen("cm32p2|");
        const char *bar = strrchr(rest, '|');
        if (bar == NULL)
            return ROLE_NONE;
        iface = rest;
        iface_len = (size_t)(bar - rest);
        fn = bar + 1;
        fn_len = strlen(fn);
        if (fn_len >= 5 && strcmp(fn + fn_len - 5, "_post") == 0) {
            post = true;
            fn_len -= 5;
        }
        *scheme = KT_SCHEME_CM32P2;
    } else {
        const char *rest = name;
        if (has_prefix(rest, "cabi_post_")) {
            post = true;
            rest += strlen("cabi_post_");
        }
        const char *hash = strrchr(rest, '#');
        if (hash == NULL)
            return ROLE_NONE;
        iface = rest;
        iface_len = (size_t)(hash - rest);
        fn = hash + 1;
        fn_len = strlen(fn);
        *scheme = KT_SCHEME_2023;
        if (memchr(iface, ':', iface_len) != NULL || memchr(iface, '/', iface_len) != NULL)
            *scheme = KT_SCHEME_LEGACY;
    }

    size_t s, n;
    short_span(iface, iface_len, &s, &n);
    if (!span_is(iface + s, n, "handle-watch"))
        return ROLE_NONE;
    if (span_is(fn, fn_len, "on-set"))
        return post ? ROLE_ON_SET_POST : ROLE_ON_SET;
    if (span_is(fn, fn_len, "on-delete"))
        return post ? ROLE_ON_DELETE_POST : ROLE_ON_DELETE;
    return ROLE_NONE;
}

static role classify_export(const char *name, kt_scheme *scheme)
{
    *scheme = KT_SCHEME_UNKNOWN;
    if (strcmp(name, "memory") == 0)
        return ROLE_MEMORY;
    if (strcmp(name, "cm32p2_memory") == 0)
        return ROLE_MEMORY;
    if (strcmp(name, "cabi_realloc") == 0)
        return ROLE_REALLOC;
    if (strcmp(name, "cm32p2_realloc") == 0)
        return ROLE_REALLOC;
    if (strcmp(name, "_initialize") == 0)
        return ROLE_INITIALIZE;
    if (strcmp(name, "cm32p2_initialize") == 0)
        return ROLE_INITIALIZE;
    return classify_handler(name, scheme);
}

/* ---- checks ------------------------------------------------------------- */

/* The value type of one signature letter of world.h. */
static uint8_t letter_type(char c)
{
    switch (c) {
    case 'I': return KT_I64;
    case 'f': return KT_F32;
    case 'F': return KT_F64;
    default: return KT_I32;
    }
}

static bool sig_matches(const kt_functype *t, const char *params, const char *results)
{
    size_t np = strlen(params), nr = strlen(results);
    if (t->nparams != np || t->nresults != nr || np > KT_MAX_SIG || nr > KT_MAX_SIG)
        return false;
    for (size_t i = 0; i < np; i++) {
        if (t->params[i] != letter_type(params[i]))
            return false;
    }
    for (size_t i = 0; i < nr; i++) {
        if (t->results[i] != letter_type(results[i]))
            return false;
    }
    return true;
}

static void import_head(line *l, const kt_import *imp)
{
    put(l, "import ");
    put_quoted(l, imp->module);
    put(l, " ");
    put_quoted(l, imp->field);
    put(l, ": ");
}

/* The row that provides a function import (the world first, then WASI
 * and the toolchain functions), or NULL. A WASI 0.2 module is never
 * matched against the world, whose interfaces share short names with
 * WASI's (streams). */
static const kt_world_func *provider_of(const kt_import *imp, kt_provider *prov)
{
    char iface[64];
    if (!kt_is_wasi_p2_module(imp->module)) {
        kt_iface_short(imp->module, iface, sizeof iface);
        int row = kt_world_find(iface, imp->field);
        if (row >= 0) {
            *prov = KT_PROV_WORLD;
            return &kt_world_imports[row];
        }
    }
    return kt_provided_find(imp->module, imp->field, prov);
}

/* An import nobody provides: a stub with --stub-imports, else a problem
 * saying what it is. */
static void unprovided_import(vctx *v, const kt_import *imp, kt_import_bind *out)
{
    line l = { .used = 0 };
    out->origin = kt_import_origin(imp->module);
    v->nforeign++;
    if (v->opts->stub_imports) {
        out->kind = KT_BIND_STUB;
        v->b->nstubs++;
        return;
    }
    out->kind = KT_BIND_UNPROVIDED;
    import_head(&l, imp);
    put(&l, kt_origin_phrase(out->origin));
    add_problem(v, &l);
}

/* Binds import imp into *out, or adds a problem about it. */
static void check_import(vctx *v, const kt_import *imp, kt_import_bind *out)
{
    const kt_module *m = v->m;
    line l = { .used = 0 };

    memset(out, 0, sizeof *out);
    import_head(&l, imp);
    if (imp->kind != KT_EXT_FUNC) {
        put(&l, kind_name(imp->kind));
        put(&l, " imports are not provided (only functions are), also not with --stub-imports");
        add_problem(v, &l);
        return;
    }
    kt_provider prov = KT_PROV_WORLD;
    const kt_world_func *w = provider_of(imp, &prov);
    if (w == NULL) {
        unprovided_import(v, imp, out);
        return;
    }
    const kt_functype *t = imp->type_index < m->ntypes ? &m->types[imp->type_index] : NULL;
    if (t != NULL && sig_matches(t, w->params, w->results)) {
        out->kind = KT_BIND_FUNC;
        out->prov = prov;
        out->fn = w;
        return;
    }
    put(&l, "expected ");
    put_sig(&l, w->params, w->results);
    if (t != NULL) {
        put(&l, ", found ");
        put_functype(&l, t);
    } else {
        put(&l, ", found an invalid type index");
    }
    if (prov != KT_PROV_WORLD) {
        put(&l, " (the ");
        put(&l, kt_provider_name(prov));
        put(&l, " signature)");
    }
    add_problem(v, &l);
}

/* True when export ex has the kind and signature its role needs. */
static bool check_export(vctx *v, const kt_export *ex, role r)
{
    const role_spec *spec = &roles[r];
    const kt_functype *t = NULL;
    line l = { .used = 0 };

    if (spec->is_memory && ex->kind == KT_EXT_MEMORY)
        return true;
    if (ex->kind == KT_EXT_FUNC)
        t = kt_module_functype(v->m, ex->index);
    if (!spec->is_memory && t != NULL && sig_matches(t, spec->params, spec->results))
        return true;
    put(&l, "export ");
    put_quoted(&l, ex->name);
    put(&l, " (");
    put(&l, spec->what);
    put(&l, "): expected ");
    if (spec->is_memory)
        put(&l, "a memory");
    else
        put_sig(&l, spec->params, spec->results);
    put(&l, ", found ");
    if (ex->kind != KT_EXT_FUNC) {
        put(&l, "a ");
        put(&l, kind_name(ex->kind));
    } else if (t == NULL) {
        put(&l, "a function with an invalid index");
    } else if (spec->is_memory) {
        put(&l, "a function ");
        put_functype(&l, t);
    } else {
        put_functype(&l, t);
    }
    add_problem(v, &l);
    return false;
}

static const char **role_slot(kt_binding *b, role r)
{
    switch (r) {
    case ROLE_ON_SET: return &b->on_set;
    case ROLE_ON_DELETE: return &b->on_delete;
    case ROLE_ON_SET_POST: return &b->on_set_post;
    case ROLE_ON_DELETE_POST: return &b->on_delete_post;
    case ROLE_REALLOC: return &b->realloc_fn;
    case ROLE_MEMORY: return &b->memory;
    case ROLE_INITIALIZE: return &b->initialize;
    default: return NULL;
    }
}

static void check_imports(vctx *v, kt_scheme *first_scheme)
{
    const kt_module *m = v->m;
    kt_binding *b = v->b;

    if (m->nimports > 0) {
        b->imports = calloc(m->nimports, sizeof *b->imports);
        if (b->imports == NULL) {
            add_text(b, "out of memory while binding imports");
            return;
        }
    }
    for (uint32_t i = 0; i < m->nimports; i++) {
        check_import(v, &m->imports[i], &b->imports[i]);
        if (b->imports[i].kind == KT_BIND_FUNC && b->imports[i].prov == KT_PROV_WORLD &&
            *first_scheme == KT_SCHEME_UNKNOWN)
            *first_scheme = module_scheme(m->imports[i].module);
    }
    if (v->nforeign > 0 && !v->opts->stub_imports) {
        char text[sizeof b->problems[0].text];
        if (v->nforeign == 1)
            snprintf(text, sizeof text, "kvaot build --stub-imports builds the import above "
                     "that nothing provides as a function that traps when called (\"guest "
                     "called MODULE NAME, which this executable does not provide\"): use it "
                     "when the guest never calls it");
        else
            snprintf(text, sizeof text, "kvaot build --stub-imports builds the %u imports "
                     "above that nothing provides as functions that trap when called (\"guest "
                     "called MODULE NAME, which this executable does not provide\"): use it "
                     "when the guest never calls them", v->nforeign);
        add_text(b, text);
    }
}

/* --map-export ROLE=NAME roles, by their role here. */
static role mapped_role(kt_export_role r)
{
    switch (r) {
    case KT_ROLE_ON_SET: return ROLE_ON_SET;
    case KT_ROLE_ON_DELETE: return ROLE_ON_DELETE;
    case KT_ROLE_REALLOC: return ROLE_REALLOC;
    case KT_ROLE_MEMORY: return ROLE_MEMORY;
    case KT_ROLE_INITIALIZE: return ROLE_INITIALIZE;
    case KT_EXPORT_ROLES: break;
    }
    return ROLE_NONE;
}

static const char *const export_role_names[KT_EXPORT_ROLES] = {
    [KT_ROLE_ON_SET] = "on-set", [KT_ROLE_ON_DELETE] = "on-delete",
    [KT_ROLE_REALLOC] = "realloc", [KT_ROLE_MEMORY] = "memory",
    [KT_ROLE_INITIALIZE] = "initialize",
};

int kt_export_role_parse(const char *name)
{
    for (int r = 0; r < KT_EXPORT_ROLES; r++)
        if (strcmp(name, export_role_names[r]) == 0)
            return r;
    return -1;
}

const char *kt_export_role_name(kt_export_role r)
{
    return (unsigned)r < KT_EXPORT_ROLES ? export_role_names[r] : "?";
}

/* The export named by --map-export for role r, or NULL. */
static const char *map_for(const vctx *v, role r)
{
    for (int k = 0; k < KT_EXPORT_ROLES; k++)
        if (mapped_role((kt_export_role)k) == r)
            return v->opts->map[k];
    return NULL;
}

static bool is_bound(const kt_binding *b, const char *name)
{
    for (int r = 0; r < ROLE__COUNT; r++) {
        const char *const *slot = role_slot((kt_binding *)b, (role)r);
        if (*slot == name)
            return true;
    }
    return false;
}

/* Lower-case letters and digits of s, for loose name comparison. */
static void squash(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        char ch = *s;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
            out[n++] = ch;
    }
    out[n] = '\0';
}

/* An unbound export that could serve role r: the right kind and
 * signature, and preferably a name that says so (onSet, on_set, ...). */
static const kt_export *candidate_for(const vctx *v, role r)
{
    static const char *const words[ROLE__COUNT] = {
        [ROLE_ON_SET] = "set", [ROLE_ON_DELETE] = "delete", [ROLE_REALLOC] = "alloc",
        [ROLE_MEMORY] = "mem", [ROLE_INITIALIZE] = "init",
    };
    const role_spec *spec = &roles[r];
    const kt_export *any = NULL;
    for (uint32_t i = 0; i < v->m->nexports; i++) {
        const kt_export *ex = &v->m->exports[i];
        if (is_bound(v->b, ex->name))
            continue;
        if (spec->is_memory ? ex->kind != KT_EXT_MEMORY : ex->kind != KT_EXT_FUNC)
            continue;
        const kt_functype *t = spec->is_memory ? NULL : kt_module_functype(v->m, ex->index);
        if (!spec->is_memory && (t == NULL || !sig_matches(t, spec->params, spec->results)))
            continue;
        char sq[64];
        squash(ex->name, sq, sizeof sq);
        if (words[r] != NULL && strstr(sq, words[r]) != NULL)
            return ex;
        if (any == NULL)
            any = ex;
    }
    return any;
}

static bool exports_named(const kt_module *m, const char *name)
{
    for (uint32_t i = 0; i < m->nexports; i++)
        if (strcmp(m->exports[i].name, name) == 0)
            return true;
    return false;
}

/* A required role nothing serves: the problem, with a hint when another
 * export could serve it, or when the module is a command (`_start`). */
static void missing_export(vctx *v, role r)
{
    const role_spec *spec = &roles[r];
    line l = { .used = 0 };
    put(&l, "missing export ");
    put(&l, spec->what);
    put(&l, " (");
    put(&l, spec->names);
    put(&l, "): expected ");
    if (spec->is_memory)
        put(&l, "a memory");
    else
        put_sig(&l, spec->params, spec->results);
    const kt_export *c = candidate_for(v, r);
    if (c != NULL) {
        put(&l, "; the guest exports ");
        put_quoted(&l, c->name);
        put(&l, spec->is_memory ? ", a memory" : " with that signature");
        put(&l, ": build with --map-export ");
        put(&l, spec->what);
        put(&l, "=");
        put(&l, c->name);
    } else if ((r == ROLE_ON_SET || r == ROLE_ON_DELETE) && exports_named(v->m, "_start")) {
        put(&l, "; the guest is a command module (it exports _start): build it as a "
                "reactor or library (clang -mexec-model=reactor, rustc --crate-type cdylib)");
    }
    add_problem(v, &l);
}

/* Bind role r to the export --map-export names. */
static void bind_mapped(vctx *v, role r, const char *name, bool *seen)
{
    const kt_module *m = v->m;
    seen[r] = true;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const kt_export *ex = &m->exports[i];
        if (strcmp(ex->name, name) != 0)
            continue;
        if (check_export(v, ex, r))
            *role_slot(v->b, r) = ex->name;
        return;
    }
    line l = { .used = 0 };
    put(&l, "--map-export ");
    put(&l, roles[r].what);
    put(&l, "=");
    put(&l, name);
    put(&l, ": the guest has no export ");
    put_quoted(&l, name);
    add_problem(v, &l);
}

static void check_exports(vctx *v)
{
    const kt_module *m = v->m;
    kt_binding *b = v->b;
    bool seen[ROLE__COUNT] = { false };

    for (int r = 0; r < ROLE__COUNT; r++) {
        const char *name = map_for(v, (role)r);
        if (name != NULL)
            bind_mapped(v, (role)r, name, seen);
    }
    for (uint32_t i = 0; i < m->nexports; i++) {
        const kt_export *ex = &m->exports[i];
        kt_scheme scheme;
        role r = classify_export(ex->name, &scheme);
        if (r == ROLE_NONE || map_for(v, r) != NULL)
            continue;
        seen[r] = true;
        if (!check_export(v, ex, r))
            continue;
        const char **slot = role_slot(b, r);
        if (*slot != NULL)
            continue;   /* the same role exported twice: the first one binds */
        *slot = ex->name;
        if (r == ROLE_ON_SET)
            b->scheme = scheme;
    }
    /* A memory exported under a name of its own still serves. */
    if (!seen[ROLE_MEMORY]) {
        for (uint32_t i = 0; i < m->nexports; i++) {
            if (m->exports[i].kind == KT_EXT_MEMORY) {
                b->memory = m->exports[i].name;
                seen[ROLE_MEMORY] = true;
                break;
            }
        }
    }
    for (int r = 0; r < ROLE__COUNT; r++) {
        if (roles[r].required && !seen[r])
            missing_export(v, (role)r);
    }
}

bool kt_validate_with(const kt_module *m, const kt_validate_opts *opts, kt_binding *out)
{
    vctx v = { .m = m, .opts = opts, .b = out, .nforeign = 0 };
    kt_scheme import_scheme = KT_SCHEME_UNKNOWN;

    memset(out, 0, sizeof *out);
    check_imports(&v, &import_scheme);
    check_exports(&v);
    if (out->scheme == KT_SCHEME_UNKNOWN)
        out->scheme = import_scheme;
    return out->nproblems == 0 && !out->problems_full;
}

bool kt_validate(const kt_module *m, kt_binding *out)
{
    static const kt_validate_opts defaults;
    return kt_validate_with(m, &defaults, out);
}

void kt_binding_fini(kt_binding *b)
{
    if (b == NULL)
        return;
    free(b->imports);
    free(b->problems);
    memset(b, 0, sizeof *b);
}
