/*
 * transpile/symnames.c - readable names and their placeholders; see
 * symnames.h.
 */
#include "symnames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "emit.h"
#include "mangle.h"
#include "strbuf.h"

/* The demangled form of a C++ or Rust symbol, malloc'd; NULL when name is
 * not one (a C name, say). */
static char *demangle(const char *name)
{
    if (!(name[0] == '_' && (name[1] == 'Z' || name[1] == 'R')))
        return NULL;
    return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}

/* One line, printable: no control characters in a symbol. */
static void make_printable(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
}

static const char *export_name(const kt_module *m, uint32_t index)
{
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == KT_EXT_FUNC && m->exports[i].index == index)
            return m->exports[i].name;
    return NULL;
}

static char *readable_name(const kt_module *m, uint32_t index)
{
    const char *name = kt_module_func_name(m, index);
    char *s = name != NULL ? demangle(name) : NULL;
    if (s == NULL && name == NULL)
        name = export_name(m, index);
    if (s == NULL && name != NULL)
        s = strdup(name);
    if (s == NULL && name == NULL) {
        char buf[40];
        snprintf(buf, sizeof buf, "wasm-function[%u]", index);
        s = strdup(buf);
    }
    if (s != NULL)
        make_printable(s);
    return s;
}

/* "kvg<i>_" and Zs, so that "w2c_" + it is KT_RENAME_ROOM longer than the
 * readable name. */
static char *placeholder(uint32_t i, size_t readable_len)
{
    char head[24];
    int n = snprintf(head, sizeof head, "kvg%u_", i);
    size_t want = readable_len + KT_RENAME_ROOM;      /* with "w2c_" */
    size_t len = want > 4 + (size_t)n ? want - 4 : (size_t)n + 1;
    char *s = malloc(len + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, head, (size_t)n);
    memset(s + n, 'Z', len - (size_t)n);
    s[len] = '\0';
    return s;
}

static int make_wrappers(const kt_module *m, kt_symnames *out)
{
    out->wrapper = calloc(m->nexports + 1, sizeof *out->wrapper);
    out->wrapper_readable = calloc(m->nexports + 1, sizeof *out->wrapper_readable);
    if (out->wrapper == NULL || out->wrapper_readable == NULL)
        return -1;
    for (uint32_t i = 0; i < m->nexports; i++) {
        if (m->exports[i].kind != KT_EXT_FUNC)
            continue;
        kt_sb sb;
        kt_sb_init(&sb);
        kt_mangle_export(&sb, KT_GUEST_MODNAME, m->exports[i].name);
        char *name = malloc(strlen(m->exports[i].name) + sizeof KT_EXPORT_SUFFIX);
        if (sb.failed || name == NULL) {
            kt_sb_fini(&sb);
            free(name);
            return -1;
        }
        sprintf(name, "%s%s", m->exports[i].name, KT_EXPORT_SUFFIX);
        make_printable(name);
        out->wrapper[out->nwrappers] = sb.data;
        out->wrapper_readable[out->nwrappers++] = name;
    }
    return 0;
}

int kt_symnames_make(const kt_module *m, kt_symnames *out)
{
    memset(out, 0, sizeof *out);
    out->first = m->nfunc_imports;
    out->n = m->nfuncs;
    out->readable = calloc(m->nfuncs + 1, sizeof *out->readable);
    out->placeholder = calloc(m->nfuncs + 1, sizeof *out->placeholder);
    if (out->readable == NULL || out->placeholder == NULL) {
        kt_symnames_fini(out);
        return -1;
    }
    if (make_wrappers(m, out) != 0) {
        kt_symnames_fini(out);
        return -1;
    }
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        out->readable[i] = readable_name(m, m->nfunc_imports + i);
        if (out->readable[i] != NULL)
            out->placeholder[i] = placeholder(i, strlen(out->readable[i]));
        if (out->placeholder[i] == NULL) {
            kt_symnames_fini(out);
            return -1;
        }
    }
    return 0;
}

void kt_symnames_fini(kt_symnames *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->readable != NULL)
            free(s->readable[i]);
        if (s->placeholder != NULL)
            free(s->placeholder[i]);
    }
    for (uint32_t k = 0; k < s->nwrappers; k++) {
        free(s->wrapper[k]);
        free(s->wrapper_readable[k]);
    }
    free(s->readable);
    free(s->placeholder);
    free(s->wrapper);
    free(s->wrapper_readable);
    memset(s, 0, sizeof *s);
}

int64_t kt_symnames_match(const kt_symnames *s, const char *p, size_t len)
{
    size_t k = strlen(KT_PLACEHOLDER_C);
    if (len < k + 2 || memcmp(p, KT_PLACEHOLDER_C, k) != 0)
        return -1;
    uint64_t i = 0;
    size_t first_digit = k;
    while (k < len && p[k] >= '0' && p[k] <= '9' && i < s->n) {
        i = i * 10 + (uint64_t)(p[k] - '0');
        k++;
    }
    if (k == first_digit || i >= s->n)
        return -1;
    const char *want = s->placeholder[i];
    if (len - 4 != strlen(want) || memcmp(p + 4, want, len - 4) != 0)
        return -1;
    return (int64_t)i;
}

int64_t kt_symnames_match_wrapper(const kt_symnames *s, const char *p, size_t len)
{
    for (uint32_t k = 0; k < s->nwrappers; k++)
        if (strlen(s->wrapper[k]) == len && memcmp(s->wrapper[k], p, len) == 0)
            return k;
    return -1;
}
