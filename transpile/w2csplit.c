/*
 * transpile/w2csplit.c - splitting wasm2c 1.0.32's guest.c; see w2csplit.h.
 *
 * wasm2c writes (c-writer.cc, WriteCSource) the source top (includes,
 * macros, inline helpers) ending with `static bool s_module_initialized =
 * false;`, then top-level items that start at column 0 and continue on
 * indented lines, a closing `}` or `};` at column 0 ending an item:
 *
 *   static u32 func_types[N];               shared: extern in the header
 *   static void init_func_types(void) {...} main
 *   #ifndef / #define / struct .. {..}; / #endif   tag types: header
 *   static u32 w2c_TAG;                     shared
 *   static T w2c_F(...);                    prototype: header, not static
 *   static void init_*(...) {...}           main
 *   static const u8 data_segment_data_X[] = {...};   data unit
 *   static const wasm_elem_segment_expr_t elem_segment_exprs_X[] = {...};   shared
 *   static T w2c_F(...) {...}               function unit, not static
 *   anything not static (exports, init, free)        main
 *
 * The file is read once, line by line; only the header (the source top and
 * one declaration per function and table) and the item at hand are held in
 * memory, so splitting needs about what the largest function does.
 */
#include "w2csplit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "linedirs.h"
#include "strbuf.h"
#include "symnames.h"

static const char TOP_END[] = "static bool s_module_initialized = false;";
static const char SPLIT_H[] = "guest-split.h";

/* One output unit being written. */
typedef struct unit_out {
    FILE *f;
    kt_unit u;
    uint64_t lines;         /* newlines written */
    XXH3_state_t *h;
} unit_out;

typedef struct splitter {
    const char *dir;
    const kt_split_opts *o;
    kt_split *res;
    kt_sb top, decls;       /* the header's two parts */
    unit_out main, fn, data;     /* fn and data: f == NULL while none is open */
    uint32_t nfn, ndata;
    char *why;
    size_t why_cap;
    bool failed;
} splitter;

static void fail(splitter *s, const char *fmt, const char *arg)
{
    if (s->failed)
        return;
    s->failed = true;
    snprintf(s->why, s->why_cap, fmt, arg);
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* ---- units ------------------------------------------------------------------ */

static int out_open(splitter *s, unit_out *o, kt_unit_kind kind, const char *fmt, uint32_t idx)
{
    memset(o, 0, sizeof *o);
    o->u.kind = kind;
    snprintf(o->u.name, sizeof o->u.name, fmt, idx);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", s->dir, o->u.name);
    o->f = fopen(path, "wb");
    o->h = XXH3_createState();
    if (o->f == NULL || o->h == NULL || XXH3_128bits_reset(o->h) != XXH_OK) {
        fail(s, "cannot write %s", o->u.name);
        if (o->f != NULL)
            fclose(o->f);
        XXH3_freeState(o->h);
        memset(o, 0, sizeof *o);
        return -1;
    }
    return 0;
}

static uint64_t newlines(const char *p, size_t n)
{
    uint64_t k = 0;
    for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))) != NULL; q++)
        k++;
    return k;
}

static void out_write(splitter *s, unit_out *o, const char *p, size_t n)
{
    if (s->failed || n == 0)
        return;
    if (fwrite(p, 1, n, o->f) != n)
        fail(s, "cannot write %s", o->u.name);
    XXH3_128bits_update(o->h, p, n);
    o->u.bytes += n;
    o->lines += newlines(p, n);
}

static void out_puts(splitter *s, unit_out *o, const char *p)
{
    out_write(s, o, p, strlen(p));
}

/* Close o and record it in the result: at units[slot], or appended when
 * slot is -1. */
static void out_close_at(splitter *s, unit_out *o, int slot)
{
    if (o->f == NULL)
        return;
    if (fclose(o->f) != 0)
        fail(s, "cannot write %s", o->u.name);
    o->f = NULL;
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(o->h));
    XXH3_freeState(o->h);
    o->h = NULL;
    memcpy(o->u.digest, c.digest, sizeof o->u.digest);
    kt_split *r = s->res;
    if (slot >= 0) {
        r->units[slot] = o->u;
        return;
    }
    if (r->nunits == r->cap) {
        uint32_t cap = r->cap * 2;
        kt_unit *p = realloc(r->units, cap * sizeof *p);
        if (p == NULL) {
            fail(s, "out of memory%s", "");
            return;
        }
        r->units = p;
        r->cap = cap;
    }
    r->units[r->nunits++] = o->u;
}

static void out_close(splitter *s, unit_out *o)
{
    out_close_at(s, o, -1);
}

static const char UNIT_TOP[] = "#include \"guest-split.h\"\n";

/* ---- items ------------------------------------------------------------------ */

/* The name a function item defines: the identifier before its first '('. */
static bool function_name(const char *item, char *name, size_t cap)
{
    const char *paren = strchr(item, '(');
    if (paren == NULL)
        return false;
    const char *e = paren, *b = paren;
    while (b > item && (b[-1] == '_' || (b[-1] >= '0' && b[-1] <= '9') ||
                        (b[-1] >= 'a' && b[-1] <= 'z') || (b[-1] >= 'A' && b[-1] <= 'Z')))
        b--;
    if (e - b < 5 || strncmp(b, "w2c_", 4) != 0 || (size_t)(e - b) >= cap)
        return false;
    memcpy(name, b, (size_t)(e - b));
    name[e - b] = '\0';
    return true;
}

/* Does a function unit end after a function of `bytes` named `name`? Past
 * half the target size, with a probability growing with the function's
 * size (so a unit ends after about unit_bytes on average), decided by the
 * name's hash, not by position: an edit elsewhere moves no boundary. */
static bool unit_ends(const splitter *s, const char *name, uint64_t bytes)
{
    uint64_t half = s->o->unit_bytes / 2, have = s->fn.u.bytes;
    if (have >= 2 * s->o->unit_bytes)
        return true;
    if (have < half)
        return false;
    if (bytes >= half)
        return true;
    uint64_t h = XXH3_64bits(name, strlen(name)) >> 11;     /* 53 bits */
    return (double)h < (double)bytes / (double)half * 9007199254740992.0;
}

/* A function of a --profile build with its #line directives, and one
 * after it giving the unit back its own numbering. */
static void write_function(splitter *s, unit_out *o, const char *def, size_t len)
{
    kt_sb sb;
    kt_sb_init(&sb);
    if (s->o->prof == NULL || !kt_line_directives(s->o->prof, def, len, &sb)) {
        kt_sb_fini(&sb);
        out_write(s, o, def, len);
        return;
    }
    if (sb.failed) {
        kt_sb_fini(&sb);
        fail(s, "out of memory%s", "");
        return;
    }
    out_write(s, o, sb.data, sb.len);
    kt_sb_fini(&sb);
    char restore[96];
    snprintf(restore, sizeof restore, "#line %llu \"%s\"", (unsigned long long)o->lines + 2,
             o->u.name);
    out_puts(s, o, restore);
}

static void put_function(splitter *s, const char *item, size_t n)
{
    char name[256];
    if (!function_name(item, name, sizeof name)) {
        fail(s, "a function without a w2c_ name: %.60s", item);
        return;
    }
    const char *def = item + 7;             /* without "static " */
    size_t len = n - 7;
    s->res->nfuncs++;
    if (len >= s->o->big_bytes) {
        out_close(s, &s->fn);
        unit_out big;
        if (out_open(s, &big, KT_UNIT_BIG, "guest-f%03u.c", s->nfn++) != 0)
            return;
        out_puts(s, &big, UNIT_TOP);
        write_function(s, &big, def, len);
        out_puts(s, &big, "\n");
        big.u.nfuncs = 1;
        out_close(s, &big);
        return;
    }
    if (s->fn.f == NULL) {
        if (out_open(s, &s->fn, KT_UNIT_FUNCS, "guest-f%03u.c", s->nfn++) != 0)
            return;
        out_puts(s, &s->fn, UNIT_TOP);
    }
    write_function(s, &s->fn, def, len);
    out_puts(s, &s->fn, "\n\n");
    s->fn.u.nfuncs++;
    if (unit_ends(s, name, len))
        out_close(s, &s->fn);
}

/* The next "0x" in [p, end), or NULL. A loop, not strstr or memmem: the
 * sanitizers' versions check the whole rest of the item on every call,
 * which made a megabytes-large segment take minutes. */
static const char *next_hex(const char *p, const char *end)
{
    for (; p + 1 < end; p++)
        if (p[0] == '0' && p[1] == 'x')
            return p;
    return NULL;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* `static const u8 NAME[] = {` + lines of `0xHH, ` + `};`: written as
 * `const u8 NAME[N] = "\xHH..."` (an array of exactly N bytes: C drops the
 * string's NUL when there is no room for it), its declaration extern. */
static void put_data(splitter *s, const char *item, size_t n)
{
    const char *name = item + strlen("static const u8 ");
    const char *br = strstr(name, "[] = {");
    if (br == NULL) {
        fail(s, "an unexpected data segment: %.60s", item);
        return;
    }
    kt_sb_addf(&s->decls, "extern const u8 %.*s[];\n", (int)(br - name), name);
    uint64_t count = 0;
    for (const char *p = br + 6; (p = next_hex(p, item + n)) != NULL; p += 4)
        count++;
    if (s->data.f != NULL && s->data.u.bytes >= s->o->unit_bytes)
        out_close(s, &s->data);
    if (s->data.f == NULL) {
        if (out_open(s, &s->data, KT_UNIT_DATA, "guest-d%03u.c", s->ndata++) != 0)
            return;
        out_puts(s, &s->data, UNIT_TOP);
    }
    char head[320];
    snprintf(head, sizeof head, "const u8 %.*s[%llu] =\n", (int)(br - name), name,
             (unsigned long long)count);
    out_puts(s, &s->data, head);
    char line[3 + 32 * 4 + 3];
    size_t k = 0, inrow = 0;
    for (const char *p = br + 6; (p = next_hex(p, item + n)) != NULL; p += 4) {
        if (inrow == 0) {
            line[0] = ' ';
            line[1] = ' ';
            line[2] = '"';
            k = 3;
        }
        if (!is_hex(p[2]) || !is_hex(p[3])) {
            fail(s, "a data segment byte that is not hex: %.60s", item);
            return;
        }
        line[k++] = '\\';
        line[k++] = 'x';
        line[k++] = p[2];
        line[k++] = p[3];
        if (++inrow == 32) {
            line[k++] = '"';
            line[k++] = '\n';
            out_write(s, &s->data, line, k);
            inrow = 0;
        }
    }
    if (inrow > 0) {
        line[k++] = '"';
        line[k++] = '\n';
        out_write(s, &s->data, line, k);
    }
    out_puts(s, &s->data, count == 0 ? "  \"\";\n\n" : "  ;\n\n");
    s->data.u.nfuncs++;
}

/* A `static` table or variable: an extern declaration in the header (the
 * first line up to " = {" or ";"), the definition in the main unit. */
static void put_shared(splitter *s, const char *item, size_t n)
{
    const char *def = item + 7;
    size_t first = strcspn(def, "\n");
    const char *eq = memchr(def, '=', first);
    size_t dl = eq ? (size_t)(eq - def) : first;
    while (dl > 0 && (def[dl - 1] == ' ' || def[dl - 1] == ';'))
        dl--;
    /* `T name[] = {` keeps its [] ; `u32 func_types[17]` its size */
    kt_sb_addf(&s->decls, "extern %.*s;\n", (int)dl, def);
    out_write(s, &s->main, def, n - 7);
    out_puts(s, &s->main, "\n\n");
}

static void put_item(splitter *s, const char *item, size_t n)
{
    while (n > 0 && item[n - 1] == '\n')
        n--;
    if (n == 0)
        return;
    bool has_brace = memchr(item, '{', n) != NULL;
    if (item[0] == '#' || starts(item, "struct ")) {
        kt_sb_addn(&s->decls, item, n);
        kt_sb_add(&s->decls, "\n");
    } else if (!starts(item, "static ")) {
        out_write(s, &s->main, item, n);
        out_puts(s, &s->main, starts(item, "/*") ? "\n" : "\n\n");   /* a comment stays on its item */
    } else if (!has_brace && ends(item, n, ");") && strstr(item, " w2c_") != NULL) {
        kt_sb_addn(&s->decls, item + 7, n - 7);     /* a prototype, not static */
        kt_sb_add(&s->decls, "\n");
    } else if (starts(item, "static u32 func_types[") ||
               (starts(item, "static u32 w2c_") && !has_brace && ends(item, n, ";") &&
                memchr(item, '(', n) == NULL) ||
               starts(item, "static const wasm_elem_segment_expr_t elem_segment_exprs_")) {
        put_shared(s, item, n);
    } else if (starts(item, "static const u8 data_segment_data_")) {
        put_data(s, item, n);
    } else if (starts(item, "static void init_") || starts(item, TOP_END)) {
        out_write(s, &s->main, item, n);
        out_puts(s, &s->main, "\n\n");
    } else if (has_brace && ends(item, n, "\n}")) {
        put_function(s, item, n);
    } else {
        fail(s, "an unexpected top-level item: %.60s", item);
    }
}

/* ---- the file ----------------------------------------------------------------- */

const char kt_top_overrides[] =
    "\n/* kvaot: wasm2c's popcounts are __builtin_popcount, which without a\n"
    " * POPCNT target is a call to libgcc's table walk (__popcountdi2); this\n"
    " * SWAR count is a dozen instructions, inline. */\n"
    "#ifndef __POPCNT__\n"
    "#undef I32_POPCNT\n"
    "#undef I64_POPCNT\n"
    "static inline u32 kvaot_popcnt32(u32 x) {\n"
    "  x = x - ((x >> 1) & 0x55555555u);\n"
    "  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);\n"
    "  return (((x + (x >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;\n"
    "}\n"
    "static inline u64 kvaot_popcnt64(u64 x) {\n"
    "  x = x - ((x >> 1) & 0x5555555555555555ull);\n"
    "  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);\n"
    "  return (((x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full) * 0x0101010101010101ull) >> 56;\n"
    "}\n"
    "#define I32_POPCNT(x) kvaot_popcnt32(x)\n"
    "#define I64_POPCNT(x) kvaot_popcnt64(x)\n"
    "#endif\n"
    "\n/* kvaot: a memory mapped from the runtime's memory image has its data\n"
    " * segments already (runtime/memory.c) */\n"
    "#if !WABT_BIG_ENDIAN\n"
    "bool kvrt_memory_from_image(const wasm_rt_memory_t *m);\n"
    "#undef LOAD_DATA\n"
    "#define LOAD_DATA(m, o, i, s)                   \\\n"
    "  do {                                          \\\n"
    "    if (!kvrt_memory_from_image(&(m))) {        \\\n"
    "      RANGE_CHECK((&m), o, s);                  \\\n"
    "      load_data(&(m.data[o]), i, s);            \\\n"
    "    }                                           \\\n"
    "  } while (0)\n"
    "#endif\n";

static int write_header(splitter *s)
{
    kt_sb h;
    kt_sb_init(&h);
    kt_sb_addn(&h, s->top.data ? s->top.data : "", s->top.len);
    kt_sb_add(&h, kt_top_overrides);
    kt_sb_add(&h, "\n/* kvaot: every function and shared table of the guest, linked across its\n"
                  " * translation units, none visible outside the executable */\n"
                  "#pragma GCC visibility push(hidden)\n");
    kt_sb_addn(&h, s->decls.data ? s->decls.data : "", s->decls.len);
    kt_sb_add(&h, "#pragma GCC visibility pop\n");
    int rc = h.failed ? -1 : 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", s->dir, SPLIT_H);
    FILE *f = rc == 0 ? fopen(path, "wb") : NULL;
    if (f == NULL || fwrite(h.data, 1, h.len, f) != h.len)
        rc = -1;
    if (f != NULL && fclose(f) != 0)
        rc = -1;
    if (rc == 0) {
        XXH128_canonical_t c;
        XXH128_canonicalFromHash(&c, XXH3_128bits(h.data, h.len));
        memcpy(s->res->header_digest, c.digest, 16);
        s->res->header_bytes = h.len;
    } else {
        fail(s, "cannot write %s", SPLIT_H);
    }
    kt_sb_fini(&h);
    return rc;
}

int kt_split_w2c(const char *dir, const kt_split_opts *o, kt_split *out, char *why, size_t cap)
{
    splitter s;
    memset(&s, 0, sizeof s);
    memset(out, 0, sizeof *out);
    s.dir = dir;
    s.o = o;
    s.res = out;
    s.why = why;
    s.why_cap = cap;
    kt_sb_init(&s.top);
    kt_sb_init(&s.decls);
    char path[4200];
    snprintf(path, sizeof path, "%s/guest.c", dir);
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        fail(&s, "cannot read guest.c: %s", strerror(errno));
        return -1;
    }
    /* units[0] is the main unit: added first, closed last */
    out_open(&s, &s.main, KT_UNIT_MAIN, "guest-main.c", 0);
    out_puts(&s, &s.main, UNIT_TOP);
    out->nunits = 1;
    out->cap = 32;
    out->units = calloc(out->cap, sizeof *out->units);
    if (out->units == NULL)
        fail(&s, "out of memory%s", "");

    kt_sb item;
    kt_sb_init(&item);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t n;
    bool in_top = true;
    while (!s.failed && (n = getline(&line, &lcap, in)) >= 0) {
        size_t len = (size_t)n;
        if (in_top) {
            if (len >= sizeof TOP_END - 1 && strncmp(line, TOP_END, sizeof TOP_END - 1) == 0) {
                in_top = false;
                put_item(&s, line, len);
            } else {
                kt_sb_addn(&s.top, line, len);
            }
            continue;
        }
        bool column0 = len > 0 && line[0] != ' ' && line[0] != '\t' && line[0] != '\n';
        bool closing = column0 && (starts(line, "}\n") || starts(line, "};\n") ||
                                   strcmp(line, "}") == 0 || strcmp(line, "};") == 0);
        if (column0 && !closing && item.len > 0) {
            put_item(&s, item.data, item.len);
            item.len = 0;
        }
        kt_sb_addn(&item, line, len);
        if (closing) {
            put_item(&s, item.data, item.len);
            item.len = 0;
        }
    }
    if (!s.failed && item.len > 0)
        put_item(&s, item.data, item.len);
    if (!s.failed && ferror(in))
        fail(&s, "cannot read guest.c%s", "");
    if (!s.failed && in_top)
        fail(&s, "no `%s` in guest.c", TOP_END);
    if (item.failed || s.top.failed || s.decls.failed)
        fail(&s, "out of memory%s", "");
    free(line);
    fclose(in);
    kt_sb_fini(&item);
    out_close(&s, &s.fn);
    out_close(&s, &s.data);
    if (out->units != NULL)
        out_close_at(&s, &s.main, 0);
    else if (s.main.f != NULL)
        fclose(s.main.f);
    if (!s.failed)
        write_header(&s);
    kt_sb_fini(&s.top);
    kt_sb_fini(&s.decls);
    return s.failed ? -1 : 0;
}

void kt_split_fini(kt_split *s)
{
    free(s->units);
    memset(s, 0, sizeof *s);
}

/* ---- one unit with lines (--no-split --profile) -------------------------------- */

/* Does this line open a guest function's definition? */
static bool opens_function(const char *line)
{
    char name[256];
    size_t len = strlen(line);
    return starts(line, "static ") && ends(line, len, ") {\n") &&
           function_name(line, name, sizeof name) && starts(name, KT_PLACEHOLDER_C);
}

int kt_w2c_add_lines(const char *dir, const struct kt_profile *prof, char *why, size_t cap)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/guest.c", dir);
    snprintf(tmp, sizeof tmp, "%s/guest.c.lines", dir);
    FILE *in = fopen(path, "rb"), *out = fopen(tmp, "wb");
    bool ok = in != NULL && out != NULL;
    kt_sb fn, done;
    kt_sb_init(&fn);
    kt_sb_init(&done);
    char *line = NULL;
    size_t lcap = 0;
    uint64_t lines = 0;         /* written to out */
    bool inside = false;
    while (ok && getline(&line, &lcap, in) >= 0) {
        if (!inside && !opens_function(line)) {
            ok = fputs(line, out) >= 0;
            lines++;
            continue;
        }
        inside = true;
        kt_sb_add(&fn, line);
        if (strcmp(line, "}\n") != 0)
            continue;
        inside = false;
        done.len = 0;
        if (kt_line_directives(prof, fn.data, fn.len, &done) && !done.failed) {
            lines += newlines(done.data, done.len);
            ok = fwrite(done.data, 1, done.len, out) == done.len &&
                 fprintf(out, "#line %llu \"guest.c\"\n", (unsigned long long)lines + 2) > 0;
            lines++;
        } else {
            ok = fwrite(fn.data, 1, fn.len, out) == fn.len;
            lines += newlines(fn.data, fn.len);
        }
        fn.len = 0;
    }
    ok = ok && !ferror(in) && !fn.failed && !done.failed && fn.len == 0;
    free(line);
    kt_sb_fini(&fn);
    kt_sb_fini(&done);
    if (in != NULL)
        fclose(in);
    if (out != NULL && fclose(out) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        snprintf(why, cap, "cannot give guest.c the guest's lines: %s", strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
