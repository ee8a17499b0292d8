/*
 * transpile/linedirs.c - line marks to #line directives; see linedirs.h.
 */
#include "linedirs.h"

#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* `  w2c_j<N> = <decimal>ull;`, exactly as wasm2c 1.0.32 writes an
 * i64.const into its stack variable. */
bool kt_line_is_mark(const kt_profile *p, const char *line, size_t n, uint32_t *id)
{
    size_t i = 0;
    while (i < n && line[i] == ' ')
        i++;
    if (n - i < 5 || memcmp(line + i, "w2c_j", 5) != 0)
        return false;
    i += 5;
    size_t d = i;
    while (i < n && is_digit(line[i]))
        i++;
    if (i == d || n - i < 3 || memcmp(line + i, " = ", 3) != 0)
        return false;
    i += 3;
    uint64_t v = 0;
    d = i;
    while (i < n && is_digit(line[i]) && i - d < 20) {
        v = v * 10 + (uint64_t)(line[i] - '0');
        i++;
    }
    if (i == d || n - i != 4 || memcmp(line + i, "ull;", 4) != 0)
        return false;
    if ((uint32_t)(v >> 32) != p->magic || (uint32_t)v >= p->nmarks)
        return false;
    *id = (uint32_t)v;
    return true;
}

static void put_directive(const kt_profile *p, uint32_t id, kt_sb *out)
{
    const kt_line_mark *mk = &p->marks[id];
    kt_sb_addf(out, "#line %u %s\n", mk->line, p->cfiles[mk->file]);
}

bool kt_line_directives(const kt_profile *p, const char *fn, size_t n, kt_sb *out)
{
    const char *end = fn + n;
    uint32_t cur = 0;
    bool found = false;
    for (const char *l = fn; l < end && !found;) {
        const char *nl = memchr(l, '\n', (size_t)(end - l));
        const char *le = nl ? nl : end;
        found = kt_line_is_mark(p, l, (size_t)(le - l), &cur);
        l = nl ? nl + 1 : end;
    }
    if (!found)
        return false;
    for (const char *l = fn; l < end;) {
        const char *nl = memchr(l, '\n', (size_t)(end - l));
        const char *le = nl ? nl : end;
        uint32_t id;
        if (kt_line_is_mark(p, l, (size_t)(le - l), &id)) {
            cur = id;
        } else {
            put_directive(p, cur, out);
            kt_sb_addn(out, l, (size_t)(le - l));
            kt_sb_add(out, "\n");
        }
        l = nl ? nl + 1 : end;
    }
    return true;
}
