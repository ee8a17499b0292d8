/*
 * transpile/emit.c - glue generation; see emit.h. All repetition (one
 * struct and one forwarder per import) is built here; the template itself
 * has no loops or conditionals.
 */
#include "emit.h"

#include <stdlib.h>
#include <string.h>

#include "mangle.h"
#include "templates.h"
#include "world.h"

void kt_emit_fill(kt_sb *out, const char *tmpl, const char *const *names,
                  const char *const *values, size_t n)
{
    const char *p = tmpl;
    for (;;) {
        const char *open = strstr(p, "@@");
        if (open == NULL)
            break;
        const char *close = strstr(open + 2, "@@");
        if (close == NULL)
            break;
        kt_sb_addn(out, p, (size_t)(open - p));
        size_t nlen = (size_t)(close - open - 2);
        size_t i;
        for (i = 0; i < n; i++)
            if (strlen(names[i]) == nlen && memcmp(names[i], open + 2, nlen) == 0)
                break;
        if (i < n) {
            kt_sb_add(out, values[i]);
            p = close + 2;
        } else {
            kt_sb_addn(out, open, 2);
            p = open + 2;
        }
    }
    kt_sb_add(out, p);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct import module names, sorted like wasm2c sorts them (bytewise). */
static const char **sorted_modules(const kt_module *m, size_t *count)
{
    const char **mods = calloc(m->nimports ? m->nimports : 1, sizeof *mods);
    if (mods == NULL)
        return NULL;
    size_t n = 0;
    for (uint32_t i = 0; i < m->nimports; i++)
        mods[n++] = m->imports[i].module;
    qsort(mods, n, sizeof *mods, compare_names);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(mods[k - 1], mods[i]) != 0)
            mods[k++] = mods[i];
    *count = k;
    return mods;
}

/* C type of one signature letter of a world.h row. */
static const char *ctype(char c)
{
    switch (c) {
    case 'I': return "uint64_t";
    case 'F': return "double";
    case 'f': return "float";
    default: return "uint32_t";
    }
}

/* s as a C string literal: printable ASCII as is (but " and \), every
 * other byte as an octal escape. */
static void add_c_string(kt_sb *out, const char *s)
{
    kt_sb_add(out, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            kt_sb_addf(out, "\\%c", *p);
        else if (*p >= 0x20 && *p < 0x7f && *p != '?')
            kt_sb_addn(out, (const char *)p, 1);
        else
            kt_sb_addf(out, "\\%03o", *p);
    }
    kt_sb_add(out, "\"");
}

/* A --stub-imports import: the exact prototype wasm2c declared, and a body
 * that traps naming the import. */
static kt_err emit_stub(kt_sb *out, const kt_module *m, const kt_import *imp)
{
    const kt_functype *t = imp->type_index < m->ntypes ? &m->types[imp->type_index] : NULL;
    if (t == NULL || t->nparams > KT_MAX_SIG || t->nresults > KT_MAX_SIG)
        return KT_E_BAD_IMPORT;
    if (t->nresults == 0) {
        kt_sb_add(out, "void");
    } else if (t->nresults == 1) {
        const char *rt = kt_c_valtype(t->results[0]);
        if (rt == NULL)
            return KT_E_BAD_IMPORT;
        kt_sb_add(out, rt);
    } else {
        kt_mangle_multi(out, t->results, t->nresults);
    }
    kt_sb_add(out, " ");
    kt_mangle_import(out, imp->module, imp->field);
    kt_sb_add(out, "(struct ");
    kt_mangle_instance(out, imp->module);
    kt_sb_add(out, " *imp");
    for (uint32_t i = 0; i < t->nparams; i++) {
        const char *pt = kt_c_valtype(t->params[i]);
        if (pt == NULL)
            return KT_E_BAD_IMPORT;
        kt_sb_addf(out, ", %s a%u", pt, i);
    }
    kt_sb_add(out, ")\n{\n    kvrt_host_enter(imp->ctx);\n    kvrt_stub_trap(imp->ctx, ");
    add_c_string(out, imp->module);
    kt_sb_add(out, ", ");
    add_c_string(out, imp->field);
    kt_sb_add(out, ");\n}\n\n");
    return KT_OK;
}

/* static <ret> Z_mod_Z_field(struct Z_mod_instance_t *imp, a0, a1...) { ... }
 * Side-channel imports (WASI preview 1, toolchain functions) may be called
 * from inside the guest's realloc; the world's and WASI 0.2's may not
 * (kvrt.h). */
static void emit_forwarder(kt_sb *out, const kt_import *imp, const kt_import_bind *ib)
{
    const kt_world_func *wf = ib->fn;
    bool side = ib->prov == KT_PROV_WASI_P1 || ib->prov == KT_PROV_TOOLCHAIN;
    const char *ret = wf->results[0] ? ctype(wf->results[0]) : "void";
    kt_sb_addf(out, "%s ", ret);
    kt_mangle_import(out, imp->module, imp->field);
    kt_sb_add(out, "(struct ");
    kt_mangle_instance(out, imp->module);
    kt_sb_add(out, " *imp");
    for (size_t i = 0; wf->params[i]; i++)
        kt_sb_addf(out, ", %s a%zu", ctype(wf->params[i]), i);
    kt_sb_addf(out, ")\n{\n    %s(imp->ctx);\n    ", side ? "kvrt_host_enter_side" : "kvrt_host_enter");
    if (wf->results[0])
        kt_sb_addf(out, "%s r = ", ret);
    kt_sb_addf(out, "%s(imp->ctx", wf->runtime_fn);
    for (size_t i = 0; wf->params[i]; i++)
        kt_sb_addf(out, ", a%zu", i);
    kt_sb_add(out, ");\n    kvrt_host_leave(imp->ctx);\n");
    if (wf->results[0])
        kt_sb_add(out, "    return r;\n");
    kt_sb_addf(out, "}\n\n");
}

/* Whether import i repeats an earlier (module, field): wasm2c declares the
 * function once, so it is defined once. */
static bool seen_before(const kt_module *m, uint32_t i)
{
    for (uint32_t j = 0; j < i; j++)
        if (strcmp(m->imports[j].module, m->imports[i].module) == 0 &&
            strcmp(m->imports[j].field, m->imports[i].field) == 0)
            return true;
    return false;
}

/* A static wrapper for an optional no-argument export, or "NULL". */
static void emit_optional(kt_sb *funcs, kt_sb *ref, const char *fn, const char *export_name)
{
    if (export_name == NULL) {
        kt_sb_add(ref, "NULL");
        return;
    }
    kt_sb_addf(funcs, "static void %s(void *inst)\n{\n    ", fn);
    kt_mangle_export(funcs, KT_GUEST_MODNAME, export_name);
    kt_sb_add(funcs, "(&((kvg_instance *)inst)->guest);\n}\n\n");
    kt_sb_add(ref, fn);
}

kt_err kt_emit_glue(const kt_module *m, const kt_binding *b, const char *start_export,
                    kt_sb *out)
{
    enum { STRUCTS, FIELDS, FUNCS, INIT, ARGS, MEMORY, REALLOC, ON_SET, ON_DELETE,
           OPTIONAL, INITFN, SETPOST, DELPOST, STARTFN, NPARTS };
    static const char *const names[NPARTS] = {
        "IMPORT_STRUCTS", "IMPORT_FIELDS", "IMPORT_FUNCS", "IMPORT_INIT", "IMPORT_ARGS",
        "MEMORY_EXPORT", "REALLOC_EXPORT", "ON_SET_EXPORT", "ON_DELETE_EXPORT",
        "OPTIONAL_FUNCS", "INITIALIZE_FN", "ON_SET_POST_FN", "ON_DELETE_POST_FN", "START_FN",
    };
    kt_sb part[NPARTS];
    for (int i = 0; i < NPARTS; i++)
        kt_sb_init(&part[i]);
    kt_err err = KT_OK;
    size_t nmods = 0;
    const char **mods = sorted_modules(m, &nmods);
    if (mods == NULL) {
        err = KT_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < nmods; i++) {
        kt_sb_add(&part[STRUCTS], "struct ");
        kt_mangle_instance(&part[STRUCTS], mods[i]);
        kt_sb_add(&part[STRUCTS], " {\n    kvrt_ctx *ctx;\n};\n");
        kt_sb_add(&part[FIELDS], "    struct ");
        kt_mangle_instance(&part[FIELDS], mods[i]);
        kt_sb_addf(&part[FIELDS], " imp%zu;\n", i);
        kt_sb_addf(&part[INIT], "    g->imp%zu.ctx = ctx;\n", i);
        kt_sb_addf(&part[ARGS], ", &g->imp%zu", i);
    }
    for (uint32_t i = 0; i < m->nimports; i++) {
        const kt_import_bind *ib = &b->imports[i];
        if (seen_before(m, i))
            continue;
        if (ib->kind == KT_BIND_FUNC)
            emit_forwarder(&part[FUNCS], &m->imports[i], ib);
        else if (ib->kind == KT_BIND_STUB)
            err = emit_stub(&part[FUNCS], m, &m->imports[i]);
        else
            err = KT_E_BAD_IMPORT;
        if (err != KT_OK)
            goto done;
    }
    kt_mangle_export(&part[MEMORY], KT_GUEST_MODNAME, b->memory);
    kt_mangle_export(&part[REALLOC], KT_GUEST_MODNAME, b->realloc_fn);
    kt_mangle_export(&part[ON_SET], KT_GUEST_MODNAME, b->on_set);
    kt_mangle_export(&part[ON_DELETE], KT_GUEST_MODNAME, b->on_delete);
    emit_optional(&part[OPTIONAL], &part[INITFN], "kvg_initialize", b->initialize);
    emit_optional(&part[OPTIONAL], &part[SETPOST], "kvg_on_set_post", b->on_set_post);
    emit_optional(&part[OPTIONAL], &part[DELPOST], "kvg_on_delete_post", b->on_delete_post);
    emit_optional(&part[OPTIONAL], &part[STARTFN], "kvg_start", start_export);

    const char *values[NPARTS];
    for (int i = 0; i < NPARTS; i++) {
        if (part[i].failed) {
            err = KT_E_NOMEM;
            goto done;
        }
        values[i] = kt_sb_str(&part[i]);
    }
    kt_emit_fill(out, kvt_glue, names, values, NPARTS);
    if (out->failed)
        err = KT_E_NOMEM;
done:
    free(mods);
    for (int i = 0; i < NPARTS; i++)
        kt_sb_fini(&part[i]);
    return err;
}
