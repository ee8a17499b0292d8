/*
 * transpile/strbuf.c - string builder; see strbuf.h.
 */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kt_sb_init(kt_sb *sb)
{
    sb->data = NULL;
    sb->len = sb->cap = 0;
    sb->failed = false;
}

void kt_sb_fini(kt_sb *sb)
{
    free(sb->data);
    kt_sb_init(sb);
}

static bool grow(kt_sb *sb, size_t extra)
{
    if (sb->failed)
        return false;
    if (sb->len + extra + 1 <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *p = realloc(sb->data, cap);
    if (p == NULL) {
        sb->failed = true;
        return false;
    }
    sb->data = p;
    sb->cap = cap;
    return true;
}

void kt_sb_addn(kt_sb *sb, const char *s, size_t n)
{
    if (!grow(sb, n))
        return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void kt_sb_add(kt_sb *sb, const char *s)
{
    kt_sb_addn(sb, s, strlen(s));
}

void kt_sb_addf(kt_sb *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

const char *kt_sb_str(const kt_sb *sb)
{
    return sb->data ? sb->data : "";
}

void kt_sb_add_quoted(kt_sb *sb, const char *s, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);
    bool cut = false;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        cut = true;
    }
    kt_sb_add(sb, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            char esc[3] = {'\\', (char)ch, '\0'};
            kt_sb_add(sb, esc);
        } else if (ch < 0x20 || ch == 0x7f) {
            char esc[5] = {'\\', 'x', hex[ch >> 4], hex[ch & 15], '\0'};
            kt_sb_add(sb, esc);
        } else {
            kt_sb_addn(sb, s + i, 1);
        }
    }
    kt_sb_add(sb, cut ? "...\"" : "\"");
}
