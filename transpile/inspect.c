/*
 * transpile/inspect.c - `kvaot inspect`: what the input is, the core modules
 * found (index, size, role), the guest's imports and exports matched against
 * the world, and every problem. Exit 0 when it would build, 1 otherwise.
 * --json prints the same as one JSON object.
 */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "module.h"
#include "strbuf.h"
#include "validate.h"
#include "world.h"

static const char *scheme_name(kt_scheme s)
{
    switch (s) {
    case KT_SCHEME_CM32P2: return "cm32p2 (current wit-component)";
    case KT_SCHEME_LEGACY: return "legacy wit-component";
    case KT_SCHEME_2023: return "2023 bindings";
    case KT_SCHEME_UNKNOWN: break;
    }
    return "unknown";
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

static void sig_of(const kt_functype *t, char *out, size_t cap)
{
    char params[KT_MAX_SIG + 1], results[KT_MAX_SIG + 1];
    uint32_t i;
    for (i = 0; i < t->nparams && i < KT_MAX_SIG; i++)
        params[i] = t->params[i] == KT_I64 ? 'I' : t->params[i] == KT_I32 ? 'i' : '?';
    params[i] = '\0';
    for (i = 0; i < t->nresults && i < KT_MAX_SIG; i++)
        results[i] = t->results[i] == KT_I64 ? 'I' : t->results[i] == KT_I32 ? 'i' : '?';
    results[i] = '\0';
    kt_world_sig_text(params, results, out, cap);
}

static const char *kind_name(uint8_t k)
{
    static const char *const names[] = {"func", "table", "memory", "global", "tag"};
    return k < 5 ? names[k] : "?";
}

int kt_inspect(const char *input, bool json)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (kt_read_file(input, &data, &len) != 0) {
        fprintf(stderr, "kvaot: %s: cannot read: %s\n", input, strerror(errno));
        return KT_EXIT_USAGE;
    }
    kt_sb o;
    kt_sb_init(&o);
    kt_diag diag;
    memset(&diag, 0, sizeof diag);
    kt_input_info info;
    int status = KT_EXIT_REJECTED;
    kt_err e = kt_scan_input(data, len, &info, &diag);
    if (e != KT_OK) {
        char msg[400];
        snprintf(msg, sizeof msg, "byte %zu%s%s: %s%s%s", diag.offset,
                 diag.section ? " in " : "", diag.section ? diag.section : "",
                 kt_strerror(diag.err), diag.detail[0] ? ": " : "", diag.detail);
        if (json) {
            kt_sb_add(&o, "{\"file\":");
            json_str(&o, input);
            kt_sb_add(&o, ",\"ok\":false,\"problems\":[");
            json_str(&o, msg);
            kt_sb_add(&o, "]}\n");
        } else {
            kt_sb_addf(&o, "%s: unreadable: %s\n", input, msg);
        }
        fputs(kt_sb_str(&o), stdout);
        kt_sb_fini(&o);
        free(data);
        return KT_EXIT_REJECTED;
    }
    kt_module m;
    kt_binding b;
    memset(&m, 0, sizeof m);
    memset(&b, 0, sizeof b);
    bool have = false, ok = false;
    char extra[400] = "";
    if (info.guest >= 0) {
        kt_core_ref *g = &info.mods[info.guest];
        if (kt_read_module(data + g->offset, g->len, &m, &diag) == KT_OK) {
            have = true;
            ok = kt_validate(&m, &b);
        }
    } else if (!info.is_component) {
        if (kt_read_module(data, len, &m, &diag) == KT_OK) {
            have = true;
            ok = kt_validate(&m, &b);
        }
    } else {
        snprintf(extra, sizeof extra, "no core module exports handle-watch on-set and a memory");
    }
    for (uint32_t i = 0; i < info.nmods && ok; i++)
        if (info.mods[i].role == KT_ROLE_OTHER) {
            snprintf(extra, sizeof extra, "core module #%u is neither the guest nor a "
                     "wit-component shim/fixup; its imports are not provided by the world", i);
            ok = false;
        }

    if (json) {
        kt_sb_add(&o, "{\"file\":");
        json_str(&o, input);
        kt_sb_addf(&o, ",\"kind\":\"%s\",\"modules\":[", info.is_component ? "component" : "core module");
        for (uint32_t i = 0; i < info.nmods; i++)
            kt_sb_addf(&o, "%s{\"index\":%u,\"offset\":%zu,\"size\":%zu,\"role\":\"%s\"}",
                       i ? "," : "", i, info.mods[i].offset, info.mods[i].len,
                       kt_role_name(info.mods[i].role));
        kt_sb_add(&o, "]");
        if (have) {
            kt_sb_addf(&o, ",\"scheme\":\"%s\",\"imports\":[", scheme_name(b.scheme));
            for (uint32_t i = 0; i < m.nimports; i++) {
                const kt_import *im = &m.imports[i];
                char sig[128] = "";
                const kt_functype *t = im->kind == KT_EXT_FUNC ? kt_module_functype(&m, i) : NULL;
                if (t)
                    sig_of(t, sig, sizeof sig);
                kt_sb_add(&o, i ? ",{\"module\":" : "{\"module\":");
                json_str(&o, im->module);
                kt_sb_add(&o, ",\"name\":");
                json_str(&o, im->field);
                kt_sb_addf(&o, ",\"kind\":\"%s\",\"signature\":", kind_name(im->kind));
                json_str(&o, sig);
                kt_sb_addf(&o, ",\"world\":");
                if (b.import_world && b.import_world[i] >= 0) {
                    const kt_world_func *w = &kt_world_imports[b.import_world[i]];
                    kt_sb_addf(&o, "\"%s.%s\"}", w->iface, w->name);
                } else {
                    kt_sb_add(&o, "null}");
                }
            }
            kt_sb_add(&o, "],\"exports\":[");
            for (uint32_t i = 0; i < m.nexports; i++) {
                kt_sb_add(&o, i ? ",{\"name\":" : "{\"name\":");
                json_str(&o, m.exports[i].name);
                kt_sb_addf(&o, ",\"kind\":\"%s\"}", kind_name(m.exports[i].kind));
            }
            kt_sb_add(&o, "]");
        }
        kt_sb_addf(&o, ",\"ok\":%s,\"problems\":[", ok ? "true" : "false");
        bool first = true;
        for (uint32_t i = 0; have && i < b.nproblems; i++, first = false) {
            if (!first)
                kt_sb_add(&o, ",");
            json_str(&o, b.problems[i].text);
        }
        if (!have && diag.err != KT_OK) {
            char msg[300];
            snprintf(msg, sizeof msg, "%s: %s", kt_strerror(diag.err), diag.detail);
            if (!first)
                kt_sb_add(&o, ",");
            json_str(&o, msg);
            first = false;
        }
        if (extra[0]) {
            if (!first)
                kt_sb_add(&o, ",");
            json_str(&o, extra);
        }
        kt_sb_add(&o, "]}\n");
    } else {
        kt_sb_addf(&o, "%s: %s, %zu bytes\n", input,
                   info.is_component ? "component" : "core module", len);
        kt_sb_addf(&o, "core modules: %u\n", info.nmods);
        for (uint32_t i = 0; i < info.nmods; i++)
            kt_sb_addf(&o, "  #%u  offset %zu  %zu bytes  %s%s\n", i, info.mods[i].offset,
                       info.mods[i].len, kt_role_name(info.mods[i].role),
                       (int)i == info.guest ? " (used)" : "");
        if (have) {
            kt_sb_addf(&o, "naming scheme: %s\n", scheme_name(b.scheme));
            kt_sb_addf(&o, "imports: %u\n", m.nimports);
            for (uint32_t i = 0; i < m.nimports; i++) {
                const kt_import *im = &m.imports[i];
                char sig[128] = "";
                const kt_functype *t = im->kind == KT_EXT_FUNC ? kt_module_functype(&m, i) : NULL;
                if (t)
                    sig_of(t, sig, sizeof sig);
                bool matched = b.import_world && b.import_world[i] >= 0;
                kt_sb_addf(&o, "  %-4s \"%s\" \"%s\" %s%s%s\n", matched ? "ok" : "BAD",
                           im->module, im->field, t ? sig : kind_name(im->kind),
                           matched ? "  = " : "",
                           matched ? kt_world_imports[b.import_world[i]].runtime_fn : "");
            }
            kt_sb_addf(&o, "exports: %u\n", m.nexports);
            for (uint32_t i = 0; i < m.nexports; i++) {
                const kt_export *ex = &m.exports[i];
                const char *role = ex->name == b.on_set ? "on-set"
                    : ex->name == b.on_delete ? "on-delete"
                    : ex->name == b.on_set_post ? "on-set post-return"
                    : ex->name == b.on_delete_post ? "on-delete post-return"
                    : ex->name == b.realloc_fn ? "realloc"
                    : ex->name == b.memory ? "memory"
                    : ex->name == b.initialize ? "initialize" : "(unused)";
                char sig[128] = "";
                const kt_functype *t = ex->kind == KT_EXT_FUNC ? kt_module_functype(&m, ex->index) : NULL;
                if (t)
                    sig_of(t, sig, sizeof sig);
                kt_sb_addf(&o, "  \"%s\" %s %s  %s\n", ex->name, kind_name(ex->kind), sig, role);
            }
        } else if (diag.err != KT_OK) {
            kt_sb_addf(&o, "guest module unreadable: byte %zu: %s: %s\n", diag.offset,
                       kt_strerror(diag.err), diag.detail);
        }
        uint32_t np = (have ? b.nproblems : 0) + (extra[0] ? 1 : 0) + (!have && diag.err ? 1 : 0);
        if (np == 0 && ok) {
            kt_sb_add(&o, "problems: none: this guest builds\n");
        } else {
            kt_sb_addf(&o, "problems: %u\n", np);
            for (uint32_t i = 0; have && i < b.nproblems; i++)
                kt_sb_addf(&o, "  %s\n", b.problems[i].text);
            if (extra[0])
                kt_sb_addf(&o, "  %s\n", extra);
        }
    }
    fputs(kt_sb_str(&o), stdout);
    status = ok ? KT_EXIT_OK : KT_EXIT_REJECTED;
    kt_sb_fini(&o);
    if (have) {
        kt_binding_fini(&b);
        kt_module_fini(&m);
    }
    kt_input_info_fini(&info);
    free(data);
    return status;
}
