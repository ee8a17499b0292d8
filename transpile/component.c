/*
 * transpile/component.c - component walking and guest-module selection;
 * see component.h.
 */
#include "component.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "leb128.h"

#define KT_MAX_CORE_MODULES 64

static const uint8_t core_preamble[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
static const uint8_t comp_preamble[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};

const char *kt_role_name(kt_role r)
{
    switch (r) {
    case KT_ROLE_GUEST: return "guest";
    case KT_ROLE_SHIM: return "wit-component-shim-module";
    case KT_ROLE_FIXUP: return "wit-component-fixup";
    case KT_ROLE_OTHER: return "other";
    }
    return "other";
}

/* Last '|', '#' or '/'-separated segment of an export name. */
static bool export_is(const char *name, const char *func)
{
    size_t n = strlen(name), f = strlen(func);
    if (n < f || strcmp(name + n - f, func) != 0)
        return false;
    if (n == f)
        return false;
    char sep = name[n - f - 1];
    if (sep != '|' && sep != '#')
        return false;
    return strstr(name, "handle-watch") != NULL && strncmp(name, "cabi_post_", 10) != 0;
}

kt_role kt_classify_module(const kt_module *m)
{
    bool on_set = false, memory = false, imports_table = false;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const kt_export *e = &m->exports[i];
        if (e->kind == KT_EXT_FUNC && export_is(e->name, "on-set"))
            on_set = true;
        if (e->kind == KT_EXT_MEMORY)
            memory = true;
        if (e->kind == KT_EXT_TABLE && strcmp(e->name, "$imports") == 0)
            imports_table = true;
    }
    if (on_set && memory)
        return KT_ROLE_GUEST;
    if (m->nimports == 0 && imports_table)
        return KT_ROLE_SHIM;
    /* The fixup module fills the shim's table: it imports that table
     * ("$imports") and exports nothing. */
    bool imports_shim_table = false;
    for (uint32_t i = 0; i < m->nimports; i++)
        if (m->imports[i].kind == KT_EXT_TABLE && strcmp(m->imports[i].field, "$imports") == 0)
            imports_shim_table = true;
    if (imports_shim_table && m->nexports == 0)
        return KT_ROLE_FIXUP;
    return KT_ROLE_OTHER;
}

void kt_input_info_fini(kt_input_info *info)
{
    free(info->mods);
    info->mods = NULL;
    info->nmods = 0;
}

static kt_err classify_all(const uint8_t *data, kt_input_info *out, kt_diag *diag)
{
    out->guest = -1;
    for (uint32_t i = 0; i < out->nmods; i++) {
        kt_module m;
        kt_diag d;
        memset(&d, 0, sizeof d);
        kt_err e = kt_read_module(data + out->mods[i].offset, out->mods[i].len, &m, &d);
        if (e != KT_OK) {
            /* Offsets inside the module are relative to it: make them absolute. */
            char detail[sizeof d.detail];
            snprintf(detail, sizeof detail, "core module #%u: %s", i, d.detail);
            return kt_fail(diag, e, out->mods[i].offset + d.offset, d.section, detail);
        }
        out->mods[i].role = kt_classify_module(&m);
        kt_module_fini(&m);
        if (out->mods[i].role == KT_ROLE_GUEST && out->guest < 0)
            out->guest = (int)i;
    }
    return KT_OK;
}

kt_err kt_scan_input(const uint8_t *data, size_t len, kt_input_info *out, kt_diag *diag)
{
    memset(out, 0, sizeof *out);
    out->guest = -1;
    if (len < 8 || memcmp(data, "\0asm", 4) != 0)
        return kt_fail(diag, len < 4 ? KT_E_TRUNCATED : KT_E_MAGIC, 0, NULL,
                       "not a WebAssembly file");
    if (memcmp(data, core_preamble, 8) == 0) {
        out->mods = calloc(1, sizeof *out->mods);
        if (out->mods == NULL)
            return kt_fail(diag, KT_E_NOMEM, 0, NULL, "");
        out->mods[0].offset = 0;
        out->mods[0].len = len;
        out->nmods = 1;
        kt_err e = classify_all(data, out, diag);
        if (e != KT_OK)
            kt_input_info_fini(out);
        return e;
    }
    if (memcmp(data, comp_preamble, 8) != 0) {
        char detail[96];
        snprintf(detail, sizeof detail, "unknown version/layer %02x %02x %02x %02x",
                 data[4], data[5], data[6], data[7]);
        return kt_fail(diag, KT_E_VERSION, 4, NULL, detail);
    }
    out->is_component = true;
    out->mods = calloc(KT_MAX_CORE_MODULES, sizeof *out->mods);
    if (out->mods == NULL)
        return kt_fail(diag, KT_E_NOMEM, 0, NULL, "");
    kt_cursor c;
    kt_cur_init(&c, data, len);
    c.pos = 8;
    kt_err e = KT_OK;
    while (!kt_cur_done(&c)) {
        size_t at = c.pos;
        uint8_t id;
        uint32_t size;
        kt_cursor sec;
        if ((e = kt_cur_u8(&c, &id)) != KT_OK || (e = kt_leb_u32(&c, &size)) != KT_OK) {
            e = kt_fail(diag, e, at, "component", "section header");
            break;
        }
        if ((e = kt_cur_sub(&c, size, &sec)) != KT_OK) {
            char detail[96];
            snprintf(detail, sizeof detail, "section id %u of %u bytes runs past the end "
                     "(%zu bytes left)", id, size, kt_cur_left(&c));
            e = kt_fail(diag, e, at, "component", detail);
            break;
        }
        if (id != 1)
            continue;
        if (out->nmods == KT_MAX_CORE_MODULES) {
            e = kt_fail(diag, KT_E_COUNT, at, "component", "more than 64 core modules");
            break;
        }
        out->mods[out->nmods].offset = sec.pos;
        out->mods[out->nmods].len = size;
        out->nmods++;
    }
    if (e == KT_OK)
        e = classify_all(data, out, diag);
    if (e != KT_OK)
        kt_input_info_fini(out);
    return e;
}

kt_err kt_pick_core_module(const uint8_t *data, size_t len, const uint8_t **core,
                           size_t *core_len, kt_diag *diag)
{
    kt_input_info info;
    kt_err e = kt_scan_input(data, len, &info, diag);
    if (e != KT_OK)
        return e;
    if (!info.is_component) {
        *core = data;
        *core_len = len;
        kt_input_info_fini(&info);
        return KT_OK;
    }
    for (uint32_t i = 0; i < info.nmods; i++) {
        if (info.mods[i].role == KT_ROLE_OTHER) {
            char detail[160];
            snprintf(detail, sizeof detail, "core module #%u (%zu bytes) is neither the guest "
                     "nor a wit-component shim/fixup (a WASI adapter?); run `kvaot inspect` "
                     "for its imports", i, info.mods[i].len);
            e = kt_fail(diag, KT_E_NO_MODULE, info.mods[i].offset, "component", detail);
            kt_input_info_fini(&info);
            return e;
        }
    }
    if (info.guest < 0) {
        e = kt_fail(diag, KT_E_NO_MODULE, 0, "component",
                    "no core module exports handle-watch on-set and a memory");
        kt_input_info_fini(&info);
        return e;
    }
    *core = data + info.mods[info.guest].offset;
    *core_len = info.mods[info.guest].len;
    kt_input_info_fini(&info);
    return KT_OK;
}
