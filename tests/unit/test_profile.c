/*
 * tests/unit/test_profile.c - what a --profile build knows about a guest's
 * source: the DWARF line table reader (dwarf.c) on hand-assembled
 * .debug_line (versions 4 and 5), .debug_info and .debug_abbrev sections
 * (paths completed with DW_AT_comp_dir, sequences of dropped functions
 * left out, rows by address); readable names (symnames.c: Rust legacy and
 * v0, C++, export names, wasm-function[N], placeholders); line marks in
 * the module wasm2c is given (rewrite.c: where they go, the magic moved
 * off a guest constant, the name section replaced); and marks turned into
 * #line directives (linedirs.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf.h"
#include "featscan.h"
#include "linedirs.h"
#include "profile.h"
#include "rewrite.h"
#include "symnames.h"
#include "test_support_wat.h"

/* ---- a byte builder --------------------------------------------------------- */

typedef struct bytes {
    uint8_t b[4096];
    size_t n;
} bytes;

static void u8(bytes *o, unsigned v)
{
    cr_assert_lt(o->n, sizeof o->b);
    o->b[o->n++] = (uint8_t)v;
}

static void u16(bytes *o, unsigned v)
{
    u8(o, v & 0xff);
    u8(o, v >> 8);
}

static void u32(bytes *o, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        u8(o, (v >> (8 * i)) & 0xff);
}

static void uleb(bytes *o, uint64_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        u8(o, c | (v ? 0x80 : 0));
    } while (v);
}

static void sleb(bytes *o, int64_t v)
{
    for (;;) {
        uint8_t c = v & 0x7f;
        v >>= 7;
        bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
        u8(o, c | (done ? 0 : 0x80));
        if (done)
            return;
    }
}

static void str(bytes *o, const char *s)
{
    size_t n = strlen(s) + 1;
    cr_assert_leq(o->n + n, sizeof o->b);
    memcpy(o->b + o->n, s, n);
    o->n += n;
}

static void put(bytes *o, const bytes *src)
{
    cr_assert_leq(o->n + src->n, sizeof o->b);
    memcpy(o->b + o->n, src->b, src->n);
    o->n += src->n;
}

/* Patch a 32-bit length at `at` to cover what follows it up to the end. */
static void close_len(bytes *o, size_t at)
{
    uint32_t len = (uint32_t)(o->n - at - 4);
    memcpy(o->b + at, &len, 4);
}

/* ---- line programs ---------------------------------------------------------- */

static void set_address(bytes *o, uint32_t a)
{
    u8(o, 0);
    uleb(o, 5);
    u8(o, 2);
    u32(o, a);
}

static void end_sequence(bytes *o)
{
    u8(o, 0);
    uleb(o, 1);
    u8(o, 1);
}

static void std_header_tail(bytes *o)
{
    u8(o, 1);           /* minimum_instruction_length */
    u8(o, 1);           /* maximum_operations_per_instruction */
    u8(o, 1);           /* default_is_stmt */
    u8(o, 0xfb);        /* line_base -5 */
    u8(o, 14);          /* line_range */
    u8(o, 13);          /* opcode_base */
    static const uint8_t lengths[12] = {0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1};
    for (int i = 0; i < 12; i++)
        u8(o, lengths[i]);
}

/* A DWARF 4 unit: files 1 src/main.c, 2 /abs/inc/h.h, 3 top.c; a sequence
 * [5, 9) with rows 5 main.c:10, 7 main.c:12, 8 h.h:12 (special opcodes
 * and standard ones mixed) and, before it, a dropped function's sequence
 * at address 0. */
static void v4_unit(bytes *o)
{
    size_t at = o->n;
    u32(o, 0);
    u16(o, 4);
    size_t hat = o->n;
    u32(o, 0);
    std_header_tail(o);
    str(o, "src");
    str(o, "/abs/inc");
    u8(o, 0);
    str(o, "main.c"); uleb(o, 1); uleb(o, 0); uleb(o, 0);
    str(o, "h.h"); uleb(o, 2); uleb(o, 0); uleb(o, 0);
    str(o, "top.c"); uleb(o, 0); uleb(o, 0); uleb(o, 0);
    u8(o, 0);
    close_len(o, hat);
    /* a dropped function: its sequence at 0 */
    set_address(o, 0);
    u8(o, 3); sleb(o, 99);          /* line 100 */
    u8(o, 1);
    u8(o, 2); uleb(o, 3);
    end_sequence(o);
    /* the live one */
    set_address(o, 5);
    u8(o, 3); sleb(o, 9);           /* line 10 */
    u8(o, 1);                       /* row 5 main.c:10 */
    /* special opcode: address +2, line +2: (2 - (-5)) + 14 * 2 + 13 */
    u8(o, (2 + 5) + 14 * 2 + 13);   /* row 7 main.c:12 */
    u8(o, 4); uleb(o, 2);           /* file h.h */
    u8(o, 2); uleb(o, 1);
    u8(o, 5); uleb(o, 7);           /* set_column: skipped */
    u8(o, 1);                       /* row 8 h.h:12 */
    u8(o, 2); uleb(o, 1);
    end_sequence(o);                /* at 9 */
    close_len(o, at);
}

/* A DWARF 5 unit (no .debug_info unit names it): directories
 * /v5/dir, sub (line_strp); files a.c (dir 0), b.c (dir 1); one sequence
 * [1, 4): 1 b.c:3, 2 a.c:0 (no line), and, out of address order after the
 * v4 unit, 3 a.c:7. */
static void v5_unit(bytes *o, uint32_t dir0, uint32_t dir1)
{
    size_t at = o->n;
    u32(o, 0);
    u16(o, 5);
    u8(o, 4);           /* address_size */
    u8(o, 0);           /* segment_selector_size */
    size_t hat = o->n;
    u32(o, 0);
    std_header_tail(o);
    u8(o, 1);           /* directory formats: path as line_strp */
    uleb(o, 1); uleb(o, 0x1f);
    uleb(o, 2);
    u32(o, dir0);
    u32(o, dir1);
    u8(o, 2);           /* file formats: path string, directory index udata */
    uleb(o, 1); uleb(o, 0x08);
    uleb(o, 2); uleb(o, 0x0f);
    uleb(o, 2);
    str(o, "a.c"); uleb(o, 0);
    str(o, "b.c"); uleb(o, 1);
    close_len(o, hat);
    set_address(o, 1);
    u8(o, 4); uleb(o, 1);           /* b.c */
    u8(o, 3); sleb(o, 2);           /* line 3 */
    u8(o, 1);
    u8(o, 4); uleb(o, 0);           /* a.c */
    u8(o, 3); sleb(o, -3);          /* line 0 */
    u8(o, 2); uleb(o, 1);
    u8(o, 1);
    u8(o, 3); sleb(o, 7);
    u8(o, 2); uleb(o, 1);
    u8(o, 1);
    u8(o, 2); uleb(o, 1);
    end_sequence(o);
    close_len(o, at);
}

/* .debug_info: one DWARF 4 unit whose DIE gives stmt_list 0 (the v4
 * program) and comp_dir /home/u/proj (strp), after a name (string). */
static void info_and_abbrev(bytes *info, bytes *abbrev)
{
    uleb(abbrev, 1);
    uleb(abbrev, 0x11);             /* DW_TAG_compile_unit */
    u8(abbrev, 0);
    uleb(abbrev, 0x03); uleb(abbrev, 0x08);     /* name: string */
    uleb(abbrev, 0x13); uleb(abbrev, 0x05);     /* language: data2 */
    uleb(abbrev, 0x10); uleb(abbrev, 0x17);     /* stmt_list: sec_offset */
    uleb(abbrev, 0x1b); uleb(abbrev, 0x0e);     /* comp_dir: strp */
    uleb(abbrev, 0); uleb(abbrev, 0);
    uleb(abbrev, 0);
    size_t at = info->n;
    u32(info, 0);
    u16(info, 4);
    u32(info, 0);                   /* abbrev offset */
    u8(info, 4);
    uleb(info, 1);
    str(info, "main.c");
    u16(info, 0x1d);
    u32(info, 0);
    u32(info, 4);                   /* .debug_str offset 4 */
    u8(info, 0);
    close_len(info, at);
}

static void custom(bytes *o, const char *name, const bytes *body)
{
    u8(o, 0);
    uleb(o, 1 + strlen(name) + body->n);
    uleb(o, strlen(name));
    for (const char *p = name; *p; p++)
        u8(o, (uint8_t)*p);
    put(o, body);
}

/* The module of wat with the test's DWARF sections appended. */
static uint8_t *with_dwarf(const char *wat, size_t *len)
{
    size_t n;
    uint8_t *core = tw_assemble(wat, "", &n);
    static bytes line, info, abbrev, strs, line_strs, all;
    memset(&line, 0, sizeof line);
    memset(&info, 0, sizeof info);
    memset(&abbrev, 0, sizeof abbrev);
    memset(&strs, 0, sizeof strs);
    memset(&line_strs, 0, sizeof line_strs);
    memset(&all, 0, sizeof all);
    str(&strs, "xyz");
    str(&strs, "/home/u/proj");
    str(&line_strs, "/v5/dir");
    str(&line_strs, "sub");
    v4_unit(&line);
    v5_unit(&line, 0, 8);
    info_and_abbrev(&info, &abbrev);
    custom(&all, ".debug_info", &info);
    custom(&all, ".debug_abbrev", &abbrev);
    custom(&all, ".debug_line", &line);
    custom(&all, ".debug_str", &strs);
    custom(&all, ".debug_line_str", &line_strs);
    uint8_t *out = malloc(n + all.n);
    cr_assert_not_null(out);
    memcpy(out, core, n);
    memcpy(out + n, all.b, all.n);
    free(core);
    *len = n + all.n;
    return out;
}

/* Bodies of 3 + 4 bytes: the code section's contents are 01 | 08 | 00 41
 * 01 41 02 6a 0b: count at 0, size at 1, locals at 2, i32.const 1 at 3,
 * i32.const 2 at 5, i32.add at 7, end at 8. Code section 10 bytes long. */
#define ONE_FUNC "(module (func $add12 (export \"f\") (result i32) i32.const 1 i32.const 2 i32.add))"

static const char *file_of(const kt_lines *l, const kt_line_row *r)
{
    return r == NULL || r->file >= l->nfiles ? "(none)" : l->files[r->file];
}

Test(dwarf, v4_and_v5_line_tables)
{
    size_t len, hint = 0;
    uint8_t *wasm = with_dwarf(ONE_FUNC, &len);
    kt_module m;
    kt_diag d = {0};
    cr_assert_eq(kt_read_module(wasm, len, &m, &d), KT_OK, "%s", d.detail);
    cr_assert(m.has_dwarf);
    kt_lines l;
    cr_assert_eq(kt_lines_read(wasm, &m, &l), 0);
    /* files are interned as the rows need them */
    const kt_line_row *r;
    r = kt_lines_at(&l, 1, &hint);
    cr_assert_not_null(r);
    cr_expect_str_eq(file_of(&l, r), "/v5/dir/sub/b.c");
    cr_expect_eq(r->line, 3);
    r = kt_lines_at(&l, 2, &hint);
    cr_expect_str_eq(file_of(&l, r), "/v5/dir/a.c");
    cr_expect_eq(r->line, 0);
    r = kt_lines_at(&l, 3, &hint);
    cr_expect_eq(r->line, 7);
    cr_expect_null(kt_lines_at(&l, 4, &hint), "between the sequences: no row");
    r = kt_lines_at(&l, 5, &hint);
    cr_expect_str_eq(file_of(&l, r), "/home/u/proj/src/main.c");
    cr_expect_eq(r->line, 10);
    r = kt_lines_at(&l, 6, &hint);
    cr_expect_eq(r->line, 10);
    r = kt_lines_at(&l, 7, &hint);
    cr_expect_eq(r->line, 12);
    cr_expect_str_eq(file_of(&l, r), "/home/u/proj/src/main.c");
    r = kt_lines_at(&l, 8, &hint);
    cr_expect_str_eq(file_of(&l, r), "/abs/inc/h.h");
    cr_expect_eq(r->line, 12);
    cr_expect_null(kt_lines_at(&l, 9, &hint), "past the sequence's end");
    /* the dropped function's sequence at 0 is not there: nothing says line 100 */
    for (size_t i = 0; i < l.nrows; i++)
        cr_expect_neq(l.rows[i].line, 100);
    hint = 0;
    cr_expect_null(kt_lines_at(&l, 0, &hint));
    kt_lines_fini(&l);
    kt_module_fini(&m);
    free(wasm);
}

/* Every prefix of the DWARF sections' bytes: read without a crash (the
 * sanitizer pass watches), whatever is kept. */
Test(dwarf, truncated_sections_are_safe)
{
    size_t len;
    uint8_t *wasm = with_dwarf(ONE_FUNC, &len);
    kt_module m;
    kt_diag d = {0};
    cr_assert_eq(kt_read_module(wasm, len, &m, &d), KT_OK);
    kt_span full_line = m.debug_line, full_info = m.debug_info;
    for (size_t cut = 0; cut < full_line.len; cut++) {
        m.debug_line.len = cut;
        m.debug_info.len = cut < full_info.len ? cut : full_info.len;
        kt_lines l;
        cr_assert_eq(kt_lines_read(wasm, &m, &l), 0);
        kt_lines_fini(&l);
    }
    kt_module_fini(&m);
    free(wasm);
}

/* ---- names ------------------------------------------------------------------ */

Test(symnames, demangled_exported_and_numbered)
{
    kt_module m;
    tw_load("(module"
            " (import \"m\" \"f\" (func $imp))"
            " (func $_ZN8dlmalloc8dlmalloc17Dlmalloc$LT$A$GT$4free17hc162d4563cf6e25bE)"
            " (func $_RNvNtCs1234_7mycrate3foo3bar)"
            " (func $_Z3fooi)"
            " (func $plain_c)"
            " (func (export \"on-set\"))"
            " (func))", "--debug-names", &m);
    /* the last function has no name: wat2wasm --debug-names gives none */
    kt_symnames s;
    cr_assert_eq(kt_symnames_make(&m, &s), 0);
    cr_assert_eq(s.n, 6);
    cr_expect_eq(s.first, 1);
    cr_expect_str_eq(s.readable[0], "dlmalloc::dlmalloc::Dlmalloc<A>::free");
    cr_expect_str_eq(s.readable[1], "mycrate::foo::bar");
    cr_expect_str_eq(s.readable[2], "foo(int)");
    cr_expect_str_eq(s.readable[3], "plain_c");
    cr_expect_str_eq(s.readable[4], "on-set");
    cr_expect_str_eq(s.readable[5], "wasm-function[6]");
    for (uint32_t i = 0; i < s.n; i++) {
        char want[16];
        snprintf(want, sizeof want, "kvg%u_Z", i);
        cr_expect_eq(strncmp(s.placeholder[i], want, strlen(want)), 0, "%s", s.placeholder[i]);
        cr_expect_geq(strlen(s.placeholder[i]) + 4, strlen(s.readable[i]) + KT_RENAME_ROOM);
        char c[256];
        snprintf(c, sizeof c, "w2c_%s", s.placeholder[i]);
        cr_expect_eq(kt_symnames_match(&s, c, strlen(c)), i);
        cr_expect_eq(kt_symnames_match(&s, c, strlen(c) - 1), -1, "one Z short is not it");
    }
    cr_expect_eq(kt_symnames_match(&s, "w2c_kvg99_ZZZZZZZZZZ", 20), -1);
    cr_assert_eq(s.nwrappers, 1);
    cr_expect_str_eq(s.wrapper[0], "Z_kvgZ_onZ2Dset");
    cr_expect_str_eq(s.wrapper_readable[0], "on-set.export");
    cr_expect_eq(kt_symnames_match_wrapper(&s, "Z_kvgZ_onZ2Dset", 15), 0);
    kt_symnames_fini(&s);
    kt_module_fini(&m);
}

/* ---- marks in the module wasm2c is given -------------------------------------- */

typedef struct marked {
    uint8_t *wasm;
    size_t len;
    kt_module m;
    kt_features f;
    kt_profile p;
    kt_rewritten rw;
} marked;

static void mark_module(marked *c, uint8_t *wasm, size_t len)
{
    kt_diag d = {0};
    c->wasm = wasm;
    c->len = len;
    cr_assert_eq(kt_read_module(wasm, len, &c->m, &d), KT_OK, "%s", d.detail);
    cr_assert_eq(kt_scan_features(&c->m, wasm, len, &c->f, &d), KT_OK);
    cr_assert_eq(kt_profile_make(wasm, &c->m, &c->p), 0);
    cr_assert_eq(kt_rewrite_module(wasm, len, &c->m, &c->f, &c->p, &c->rw, &d), KT_OK,
                 "%s", d.detail);
    cr_assert_not_null(c->rw.data);
}

static void unmark(marked *c)
{
    kt_rewritten_fini(&c->rw);
    kt_profile_fini(&c->p);
    kt_module_fini(&c->m);
    free(c->wasm);
}

static size_t find(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return i;
    return (size_t)-1;
}

Test(rewrite_profile, marks_where_the_line_changes)
{
    marked c;
    size_t len;
    uint8_t *wasm = with_dwarf(ONE_FUNC, &len);
    mark_module(&c, wasm, len);
    /* rows: 5 main.c:10 .. but the function is at 2..9; the v5 unit says
     * 1 b.c:3, 2 a.c:0, 3 a.c:7; the v4 one 5 main.c:10, 7 main.c:12,
     * 8 h.h:12. Head (2): line 0, no mark; 3 (i32.const 1): a.c:7;
     * 5 (i32.const 2): main.c:10; 7 (add): main.c:12; 8 (end): h.h:12. */
    cr_assert_eq(c.p.nmarks, 4);
    cr_expect_eq(c.p.marks[0].line, 7);
    cr_expect_str_eq(c.p.lines.files[c.p.marks[0].file], "/v5/dir/a.c");
    cr_expect_eq(c.p.marks[1].line, 10);
    cr_expect_eq(c.p.marks[2].line, 12);
    cr_expect_str_eq(c.p.lines.files[c.p.marks[3].file], "/abs/inc/h.h");
    /* the body: each mark is i64.const (magic << 32 | id), drop, right
     * before its instruction */
    bytes want = {{0}, 0};
    u8(&want, 0);                   /* no locals */
    for (uint32_t id = 0; id < 4; id++) {
        u8(&want, 0x42);
        sleb(&want, (int64_t)((uint64_t)c.p.magic << 32 | id));
        u8(&want, 0x1a);
        static const uint8_t insn[4][2] = {{0x41, 1}, {0x41, 2}, {0x6a, 0}, {0x0b, 0}};
        u8(&want, insn[id][0]);
        if (insn[id][0] == 0x41)
            u8(&want, insn[id][1]);
    }
    cr_expect_neq(find(c.rw.data, c.rw.len, want.b, want.n), (size_t)-1,
                  "the marked body is in the rewritten module");
    /* the name section now holds the placeholder */
    kt_module out;
    kt_diag d = {0};
    cr_assert_eq(kt_read_module(c.rw.data, c.rw.len, &out, &d), KT_OK, "%s", d.detail);
    cr_expect_str_eq(kt_module_func_name(&out, 0), c.p.names.placeholder[0]);
    kt_module_fini(&out);
    unmark(&c);
}

/* A guest constant with the magic in its high half moves the marks' magic. */
Test(rewrite_profile, magic_moves_off_a_guest_constant)
{
    char wat[256];
    snprintf(wat, sizeof wat, "(module (func (result i64) i64.const 0x%08x00000001))",
             0x6b76616fu);
    marked c;
    size_t len;
    uint8_t *wasm = with_dwarf(wat, &len);
    mark_module(&c, wasm, len);
    cr_expect_neq(c.p.magic, 0x6b76616fu);
    cr_expect_gt(c.p.nmarks, 0);
    unmark(&c);
}

/* ---- #line directives ------------------------------------------------------------ */

Test(linedirs, marks_become_directives)
{
    kt_profile p;
    memset(&p, 0, sizeof p);
    p.magic = 0x6b76616fu;
    char *files[2] = {"\"/src/a.c\"", "\"/src/b\\\\.h\""};
    p.cfiles = files;
    kt_line_mark marks[2] = {{0, 10}, {1, 3}};
    p.marks = marks;
    p.nmarks = 2;
    char fn[512];
    unsigned long long m0 = (unsigned long long)p.magic << 32, m1 = m0 | 1;
    snprintf(fn, sizeof fn,
             "u32 w2c_kvg0_ZZ(void) {\n"
             "  u64 w2c_j0;\n"
             "  w2c_j0 = %lluull;\n"
             "  w2c_i0 = 1u;\n"
             "  w2c_j1 = %lluull;\n"
             "  w2c_i0 += w2c_i1;\n"
             "  w2c_j0 = 5ull;\n"
             "}", m0, m1);
    kt_sb out;
    kt_sb_init(&out);
    cr_assert(kt_line_directives(&p, fn, strlen(fn), &out));
    cr_expect_str_eq(kt_sb_str(&out),
                     "#line 10 \"/src/a.c\"\n"
                     "u32 w2c_kvg0_ZZ(void) {\n"
                     "#line 10 \"/src/a.c\"\n"
                     "  u64 w2c_j0;\n"
                     "#line 10 \"/src/a.c\"\n"
                     "  w2c_i0 = 1u;\n"
                     "#line 3 \"/src/b\\\\.h\"\n"
                     "  w2c_i0 += w2c_i1;\n"
                     "#line 3 \"/src/b\\\\.h\"\n"
                     "  w2c_j0 = 5ull;\n"
                     "#line 3 \"/src/b\\\\.h\"\n"
                     "}\n");
    kt_sb_fini(&out);
    uint32_t id;
    char line[64];
    snprintf(line, sizeof line, "  w2c_j3 = %lluull;", m0 | 2);
    cr_expect_not(kt_line_is_mark(&p, line, strlen(line), &id), "id past the marks");
    snprintf(line, sizeof line, "  w2c_j3 = %lluull;", (m0 + (1ull << 32)) | 1);
    cr_expect_not(kt_line_is_mark(&p, line, strlen(line), &id), "another magic");
    snprintf(line, sizeof line, "  w2c_j3 = %lluull; ", m1);
    cr_expect_not(kt_line_is_mark(&p, line, strlen(line), &id), "more on the line");
    snprintf(line, sizeof line, "w2c_j12 = %lluull;", m1);
    cr_expect(kt_line_is_mark(&p, line, strlen(line), &id));
    cr_expect_eq(id, 1);
    /* no mark: nothing appended */
    kt_sb_init(&out);
    cr_expect_not(kt_line_directives(&p, "u32 f(void) {\n}", 15, &out));
    cr_expect_eq(out.len, 0);
    kt_sb_fini(&out);
}
