/*
 * transpile/profile.c - the source facts of a `--profile` build; see
 * profile.h.
 */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* path as a C string literal: quotes, backslashes and bytes outside
 * printable ASCII escaped (octal, three digits, so no digit can follow
 * into the escape). */
static char *c_literal(const char *path)
{
    kt_sb sb;
    kt_sb_init(&sb);
    kt_sb_add(&sb, "\"");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p == '"' || *p == '\\')
            kt_sb_addf(&sb, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            kt_sb_addf(&sb, "\\%03o", *p);
        else
            kt_sb_addn(&sb, (const char *)p, 1);
    }
    kt_sb_add(&sb, "\"");
    if (sb.failed) {
        kt_sb_fini(&sb);
        return NULL;
    }
    return sb.data;         /* ownership moves to the caller */
}

int kt_profile_make(const uint8_t *data, const kt_module *m, kt_profile *out)
{
    memset(out, 0, sizeof *out);
    out->magic = 0x6b76616fu;       /* "kvao"; rewrite.c moves it off the guest's */
    if (kt_symnames_make(m, &out->names) != 0 || kt_lines_read(data, m, &out->lines) != 0)
        goto nomem;
    out->cfiles = calloc(out->lines.nfiles + 1, sizeof *out->cfiles);
    if (out->cfiles == NULL)
        goto nomem;
    for (uint32_t i = 0; i < out->lines.nfiles; i++)
        if ((out->cfiles[i] = c_literal(out->lines.files[i])) == NULL)
            goto nomem;
    return 0;
nomem:
    kt_profile_fini(out);
    return -1;
}

void kt_profile_fini(kt_profile *p)
{
    if (p->cfiles != NULL)
        for (uint32_t i = 0; i < p->lines.nfiles; i++)
            free(p->cfiles[i]);
    free(p->cfiles);
    kt_lines_fini(&p->lines);
    kt_symnames_fini(&p->names);
    free(p->marks);
    memset(p, 0, sizeof *p);
}

int64_t kt_profile_mark(kt_profile *p, uint32_t file, uint32_t line)
{
    if (p->nmarks == p->cap) {
        uint32_t cap = p->cap ? 2 * p->cap : 1024;
        kt_line_mark *grown = realloc(p->marks, (size_t)cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        p->marks = grown;
        p->cap = cap;
    }
    p->marks[p->nmarks] = (kt_line_mark){file, line};
    return p->nmarks++;
}
