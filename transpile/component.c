/*
 * transpile/component.c - component walking, core-module roles and guest
 * selection; see component.h. All sizes come from the input and are checked
 * against the bytes left (cursor.h) before anything is read or kept.
 */
#include "component.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "leb128.h"
#include "provided.h"
#include "validate.h"
#include "world.h"

#define WORLD_NAME "keyvalue-handle-watch"

static const uint8_t core_preamble[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
static const uint8_t comp_preamble[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};

enum { SEC_CORE_MODULE = 1, SEC_COMPONENT = 4 };

const char *kt_role_name(kt_role r)
{
    switch (r) {
    case KT_ROLE_GUEST: return "guest";
    case KT_ROLE_SHIM: return "wit-component-shim-module";
    case KT_ROLE_FIXUP: return "wit-component-fixup";
    case KT_ROLE_START: return "start-shim-module";
    case KT_ROLE_ADAPTER: return "wasi-preview1-adapter";
    case KT_ROLE_OTHER: return "other";
    }
    return "other";
}

/* A handle-watch export `func` under any scheme: the name ends in
 * "|func" or "#func", mentions handle-watch, and is not a post-return. */
static bool export_is(const char *name, const char *func)
{
    size_t n = strlen(name), f = strlen(func);
    if (n <= f || strcmp(name + n - f, func) != 0)
        return false;
    char sep = name[n - f - 1];
    if (sep != '|' && sep != '#')
        return false;
    return strstr(name, "handle-watch") != NULL && strncmp(name, "cabi_post_", 10) != 0;
}

static bool is_void_void(const kt_module *m, uint32_t type_index)
{
    return type_index < m->ntypes && m->types[type_index].nparams == 0 &&
           m->types[type_index].nresults == 0;
}

/* wit-component's preview 1 adapter: it exports preview 1 functions
 * (fd_write, ...) and imports nothing but WASI 0.2 functions, the guest's
 * exports ("__main_module__") and memories/tables. */
static bool is_preview1_adapter(const kt_module *m)
{
    bool exports_p1 = false;
    kt_provider prov;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const kt_export *e = &m->exports[i];
        if (e->kind == KT_EXT_FUNC &&
            kt_provided_find("wasi_snapshot_preview1", e->name, &prov) != NULL)
            exports_p1 = true;
    }
    if (!exports_p1)
        return false;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const kt_import *im = &m->imports[i];
        if (im->kind == KT_EXT_FUNC && !kt_is_wasi_p2_module(im->module) &&
            !kt_import_from_guest(im))
            return false;
    }
    return true;
}

kt_role kt_classify_module(const kt_module *m)
{
    bool handler = false, memory = false, exports_table = false;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const kt_export *e = &m->exports[i];
        if (e->kind == KT_EXT_FUNC &&
            (export_is(e->name, "on-set") || export_is(e->name, "on-delete")))
            handler = true;
        if (e->kind == KT_EXT_MEMORY)
            memory = true;
        if (e->kind == KT_EXT_TABLE && strcmp(e->name, "$imports") == 0)
            exports_table = true;
    }
    if (handler && memory)
        return KT_ROLE_GUEST;
    if (m->nimports == 0 && exports_table)
        return KT_ROLE_SHIM;
    bool imports_table = false;
    for (uint32_t i = 0; i < m->nimports; i++)
        if (m->imports[i].kind == KT_EXT_TABLE && strcmp(m->imports[i].field, "$imports") == 0)
            imports_table = true;
    if (imports_table && m->nexports == 0)
        return KT_ROLE_FIXUP;
    /* No code, memory or exports of its own: all it can do is call its one
     * imported () -> () function from a start section. */
    if (m->nimports == 1 && m->imports[0].kind == KT_EXT_FUNC &&
        is_void_void(m, m->imports[0].type_index) && m->nfuncs == 0 && m->nmemories == 0 &&
        m->nexports == 0)
        return KT_ROLE_START;
    if (is_preview1_adapter(m))
        return KT_ROLE_ADAPTER;
    return KT_ROLE_OTHER;
}

bool kt_import_in_world(const kt_import *im)
{
    char iface[128];
    if (im->kind != KT_EXT_FUNC)
        return false;
    kt_iface_short(im->module, iface, sizeof iface);
    return kt_world_find(iface, im->field) >= 0;
}

bool kt_import_from_guest(const kt_import *im)
{
    return strcmp(im->module, "__main_module__") == 0;
}

/* An import nothing would provide: a function neither of the world nor one
 * of the guest's exports. Memories and tables an adapter imports are the
 * guest's (wit-component wires them), so they are not counted. */
static bool is_foreign(const kt_import *im)
{
    return im->kind == KT_EXT_FUNC && !kt_import_in_world(im) && !kt_import_from_guest(im);
}

void kt_input_info_fini(kt_input_info *info)
{
    free(info->mods);
    info->mods = NULL;
    info->nmods = 0;
    info->nguests = 0;
    info->guest = -1;
}

/* Parse and classify every module found. A core module input is the guest
 * whatever it exports; validation reports what it lacks. */
static kt_err classify_all(const uint8_t *data, kt_input_info *out, kt_diag *diag)
{
    for (uint32_t i = 0; i < out->nmods; i++) {
        kt_core_ref *ref = &out->mods[i];
        kt_module m;
        kt_diag d;
        memset(&d, 0, sizeof d);
        kt_err e = kt_read_module(data + ref->offset, ref->len, &m, &d);
        if (e != KT_OK) {
            if (!out->is_component)
                return kt_fail(diag, e, d.offset, d.section, d.detail);
            /* Offsets inside the module are relative to it: make them
             * absolute, and say which module and section. */
            char detail[sizeof d.detail];
            snprintf(detail, sizeof detail, "core module #%u (at byte %zu)%s%s%s: %s", i,
                     ref->offset, d.section ? ", " : "", d.section ? d.section : "",
                     d.section ? " section" : "", d.detail);
            return kt_fail(diag, e, ref->offset + d.offset, NULL, detail);
        }
        ref->role = out->is_component ? kt_classify_module(&m) : KT_ROLE_GUEST;
        ref->nimports = m.nimports;
        ref->nforeign = 0;
        for (uint32_t j = 0; j < m.nimports; j++)
            if (is_foreign(&m.imports[j]))
                ref->nforeign++;
        kt_module_fini(&m);
        if (ref->role == KT_ROLE_GUEST)
            out->nguests++;
        if (ref->role == KT_ROLE_GUEST && out->nguests == 1)
            out->guest = (int)i;
    }
    if (out->nguests != 1)
        out->guest = -1;
    return KT_OK;
}

/* Section by section; id-1 payloads are recorded as core modules. */
static kt_err walk_component(const uint8_t *data, size_t len, kt_input_info *out, kt_diag *diag)
{
    char detail[160];
    kt_cursor c;
    kt_cur_init(&c, data, len);
    c.pos = 8;
    while (!kt_cur_done(&c)) {
        size_t at = c.pos;
        uint8_t id;
        uint32_t size;
        kt_cursor sec;
        kt_err e = kt_cur_u8(&c, &id);
        if (e != KT_OK)
            return kt_fail(diag, e, at, "component", "section id");
        e = kt_leb_u32(&c, &size);
        if (e != KT_OK) {
            snprintf(detail, sizeof detail, "size of the section (id %u) starting at byte %zu",
                     id, at);
            return kt_fail(diag, e, at + 1, "component", detail);
        }
        if (kt_cur_sub(&c, size, &sec) != KT_OK) {
            snprintf(detail, sizeof detail, "section id %u of %u bytes runs past the end "
                     "(%zu bytes left)", id, size, kt_cur_left(&c));
            return kt_fail(diag, KT_E_TRUNCATED, at, "component", detail);
        }
        if (id == SEC_COMPONENT)
            out->nnested++;
        if (id != SEC_CORE_MODULE)
            continue;
        if (out->nmods == KT_MAX_CORE_MODULES) {
            snprintf(detail, sizeof detail, "more than %d core modules", KT_MAX_CORE_MODULES);
            return kt_fail(diag, KT_E_COUNT, at, "component", detail);
        }
        out->mods[out->nmods].offset = sec.pos;
        out->mods[out->nmods].len = size;
        out->nmods++;
    }
    return KT_OK;
}

kt_err kt_scan_input(const uint8_t *data, size_t len, kt_input_info *out, kt_diag *diag)
{
    memset(out, 0, sizeof *out);
    out->guest = -1;
    size_t head = len < 4 ? len : 4;
    if (head > 0 && memcmp(data, "\0asm", head) != 0) {
        char detail[96] = "the file starts with";
        for (size_t i = 0; i < head; i++)
            snprintf(detail + strlen(detail), sizeof detail - strlen(detail), " %02x", data[i]);
        snprintf(detail + strlen(detail), sizeof detail - strlen(detail),
                 ", not 00 61 73 6d (\\0asm)");
        return kt_fail(diag, KT_E_MAGIC, 0, NULL, detail);
    }
    if (len < 8)
        return kt_fail(diag, KT_E_TRUNCATED, len, NULL,
                       "the input ends inside the 8-byte preamble");
    bool core = memcmp(data, core_preamble, 8) == 0;
    if (!core && memcmp(data, comp_preamble, 8) != 0) {
        char detail[128];
        snprintf(detail, sizeof detail, "version/layer bytes %02x %02x %02x %02x; expected "
                 "01 00 00 00 (core module) or 0d 00 01 00 (component)",
                 data[4], data[5], data[6], data[7]);
        return kt_fail(diag, KT_E_VERSION, 4, NULL, detail);
    }
    out->is_component = !core;
    out->mods = calloc(core ? 1 : KT_MAX_CORE_MODULES, sizeof *out->mods);
    if (out->mods == NULL)
        return kt_fail(diag, KT_E_NOMEM, 0, NULL, "");
    kt_err e = KT_OK;
    if (core) {
        out->mods[0].offset = 0;
        out->mods[0].len = len;
        out->nmods = 1;
    } else {
        e = walk_component(data, len, out, diag);
    }
    if (e == KT_OK)
        e = classify_all(data, out, diag);
    if (e != KT_OK)
        kt_input_info_fini(out);
    return e;
}

/* ---- problems ----------------------------------------------------------- */

/* Text accumulator over out[0..cap): cuts what does not fit. */
typedef struct text {
    char *out;
    size_t cap, used;
} text;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void add(text *t, const char *fmt, ...)
{
    if (t->used + 1 >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->out + t->used, t->cap - t->used, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    t->used += (size_t)n < t->cap - t->used ? (size_t)n : t->cap - t->used - 1;
}

static void nested_note(text *t, const kt_input_info *info)
{
    if (info->nnested > 0)
        add(t, " (core modules inside its %u nested component%s are not searched)",
            info->nnested, info->nnested == 1 ? "" : "s");
}

static void guest_problem(const kt_input_info *info, text *t, size_t *at)
{
    *at = 0;
    if (info->nmods == 0) {
        add(t, "the component holds no core module");
        nested_note(t, info);
        return;
    }
    if (info->nguests == 0) {
        if (info->nmods == 1)
            add(t, "its only core module does not export");
        else
            add(t, "none of its %u core modules exports", info->nmods);
        add(t, " a memory and the handle-watch on-set/on-delete functions");
        nested_note(t, info);
        return;
    }
    add(t, "ambiguous guest: core modules");
    uint32_t seen = 0;
    for (uint32_t i = 0; i < info->nmods; i++) {
        if (info->mods[i].role != KT_ROLE_GUEST)
            continue;
        seen++;
        add(t, "%s #%u", seen == 1 ? "" : seen == info->nguests ? " and" : ",", i);
        if (seen == 2)
            *at = info->mods[i].offset;
    }
    add(t, " %s export a memory and handle-watch functions, and kvaot does not guess "
        "which one to use", info->nguests == 2 ? "both" : "all");
}

/* Some import nothing provides comes from a WASI interface. */
static bool looks_like_wasi(const kt_module *m)
{
    for (uint32_t i = 0; i < m->nimports; i++) {
        const kt_import *im = &m->imports[i];
        if (is_foreign(im) && (strncmp(im->module, "wasi:", 5) == 0 ||
                               strcmp(im->module, "wasi_snapshot_preview1") == 0))
            return true;
    }
    return false;
}

/* Names of the foreign imports as "MODULE FIELD, ..." while they fit in t
 * with the tail after them; returns how many went in (0 when not even the
 * first one fits). */
static uint32_t add_foreign_names(const kt_module *m, uint32_t nforeign, size_t tail_len, text *t)
{
    uint32_t shown = 0;
    for (uint32_t j = 0; j < m->nimports && shown < nforeign; j++) {
        if (!is_foreign(&m->imports[j]))
            continue;
        char more[40] = "";
        uint32_t left = nforeign - shown - 1;
        if (left > 0)
            snprintf(more, sizeof more, " and %u more", left);
        const char *sep = shown == 0 ? "" : ", ";
        size_t need = strlen(sep) + strlen(m->imports[j].module) + 1 + strlen(m->imports[j].field) +
                      strlen(more) + tail_len;
        if (t->used + need >= t->cap)
            break;
        add(t, "%s%s %s", sep, m->imports[j].module, m->imports[j].field);
        shown++;
    }
    return shown;
}

/* "core module #i is neither ...: it imports A, B and N more, which the
 * world does not provide"; when not even one name fits in t, the count
 * and a pointer to `kvaot inspect`, which lists them all. */
static void other_problem(const uint8_t *data, const kt_input_info *info, uint32_t i, text *t,
                          size_t *at)
{
    static const char tail[] = ", which the " WORLD_NAME " world does not provide";
    const kt_core_ref *ref = &info->mods[i];
    kt_module m;
    kt_diag d;
    memset(&d, 0, sizeof d);
    *at = ref->offset;
    if (kt_read_module(data + ref->offset, ref->len, &m, &d) != KT_OK) {
        add(t, "core module #%u is neither the guest nor a wit-component helper", i);
        return;
    }
    add(t, "core module #%u is neither the guest nor a wit-component helper%s: ", i,
        looks_like_wasi(&m) ? " (a WASI adapter?)" : "");
    if (ref->nforeign == 0) {
        add(t, "kvaot builds the guest module alone and cannot run a second one");
        kt_module_fini(&m);
        return;
    }
    add(t, "it imports ");
    uint32_t shown = add_foreign_names(&m, ref->nforeign, sizeof tail - 1, t);
    if (shown == 0)
        add(t, "%u function%s the " WORLD_NAME " world does not provide (`kvaot inspect` "
            "lists them)", ref->nforeign, ref->nforeign == 1 ? "" : "s");
    else if (shown < ref->nforeign)
        add(t, " and %u more%s", ref->nforeign - shown, tail);
    else
        add(t, "%s", tail);
    kt_module_fini(&m);
}

bool kt_component_problem(const uint8_t *data, const kt_input_info *info, uint32_t k,
                          char *out, size_t cap, size_t *at)
{
    text t = {out, cap, 0};
    uint32_t n = 0;
    if (cap > 0)
        out[0] = '\0';
    if (!info->is_component)
        return false;
    if (info->nmods == 0 || info->nguests != 1) {
        if (k == n) {
            guest_problem(info, &t, at);
            return true;
        }
        n++;
    }
    /* Without a guest, "other" modules are no further reason: the missing
     * guest says it all (inspect still lists their imports). */
    for (uint32_t i = 0; i < info->nmods && info->nguests > 0; i++) {
        if (info->mods[i].role != KT_ROLE_OTHER)
            continue;
        if (k == n) {
            other_problem(data, info, i, &t, at);
            return true;
        }
        n++;
    }
    return false;
}

kt_err kt_pick_core_module(const uint8_t *data, size_t len, const uint8_t **core,
                           size_t *core_len, kt_diag *diag)
{
    kt_input_info info;
    kt_err e = kt_scan_input(data, len, &info, diag);
    if (e != KT_OK)
        return e;
    char why[sizeof diag->detail];
    size_t at = 0;
    if (kt_component_problem(data, &info, 0, why, sizeof why, &at)) {
        e = kt_fail(diag, KT_E_NO_MODULE, at, "component", why);
        kt_input_info_fini(&info);
        return e;
    }
    *core = data + info.mods[info.guest].offset;
    *core_len = info.mods[info.guest].len;
    kt_input_info_fini(&info);
    return KT_OK;
}
