/*
 * tests/unit/test_component.c - transpile/component.c on components built
 * here byte by byte (preamble, custom and other sections, id-1 sections
 * holding small core modules): the guest picked by its exports, every prefix
 * of a component (an error unless the cut falls on a section boundary, never
 * a crash or an overread: run under ASan), sizes past the end, non-minimal
 * and over-long LEB128 sizes, wrong preambles, and the components kvaot
 * must refuse (no core module, no guest, two guests, an adapter-like
 * module), each with the byte offset and a message that says why.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "diag.h"

/* ---- a small byte builder ---------------------------------------------- */

typedef struct bytes {
    uint8_t d[8192];
    size_t n;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
    cr_assert(n <= sizeof b->d - b->n, "builder overflow");
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put_u8(bytes *b, uint8_t v)
{
    put(b, &v, 1);
}

/* Minimal unsigned LEB128. */
static void put_leb(bytes *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put_u8(b, v ? byte | 0x80 : byte);
    } while (v);
}

/* Always 5 bytes: non-minimal unless v needs them. */
static void put_leb5(bytes *b, uint32_t v)
{
    for (int i = 0; i < 4; i++, v >>= 7)
        put_u8(b, (uint8_t)((v & 0x7f) | 0x80));
    put_u8(b, (uint8_t)(v & 0x7f));
}

static void put_name(bytes *b, const char *s)
{
    put_leb(b, (uint32_t)strlen(s));
    put(b, s, strlen(s));
}

static void put_section(bytes *b, uint8_t id, const bytes *payload, bool wide)
{
    put_u8(b, id);
    if (wide)
        put_leb5(b, (uint32_t)payload->n);
    else
        put_leb(b, (uint32_t)payload->n);
    put(b, payload->d, payload->n);
}

static const uint8_t core_pre[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
static const uint8_t comp_pre[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};

/* ---- core modules ------------------------------------------------------- */

/* Function types used below: 0 (i32 x4)->(), 1 (i32 x3)->(),
 * 2 (i32 x4)->(i32), 3 ()->(), 4 (i32)->(). */
static void put_types(bytes *m)
{
    bytes s = {.n = 0};
    put_leb(&s, 5);
    put(&s, "\x60\x04\x7f\x7f\x7f\x7f\x00", 7);
    put(&s, "\x60\x03\x7f\x7f\x7f\x00", 6);
    put(&s, "\x60\x04\x7f\x7f\x7f\x7f\x01\x7f", 8);
    put(&s, "\x60\x00\x00", 3);
    put(&s, "\x60\x01\x7f\x00", 4);
    put_section(m, 1, &s, false);
}

/* A guest: three functions (on-set, on-delete, realloc), one memory, and
 * the exports under the given names (legacy or cm32p2 scheme). */
static void guest_module(bytes *m, const char *on_set, const char *on_delete,
                         const char *memory, const char *realloc_name)
{
    bytes s;
    m->n = 0;
    put(m, core_pre, 8);
    put_types(m);
    s.n = 0;                                    /* function */
    put(&s, "\x03\x00\x01\x02", 4);
    put_section(m, 3, &s, false);
    s.n = 0;                                    /* memory: min 1 */
    put(&s, "\x01\x00\x01", 3);
    put_section(m, 5, &s, false);
    s.n = 0;                                    /* export */
    put_leb(&s, 4);
    put_name(&s, memory);
    put(&s, "\x02\x00", 2);
    put_name(&s, realloc_name);
    put(&s, "\x00\x02", 2);
    put_name(&s, on_set);
    put(&s, "\x00\x00", 2);
    put_name(&s, on_delete);
    put(&s, "\x00\x01", 2);
    put_section(m, 7, &s, false);
    s.n = 0;                                    /* code: end, end, i32.const 0 end */
    put(&s, "\x03\x02\x00\x0b\x02\x00\x0b\x04\x00\x41\x00\x0b", 12);
    put_section(m, 10, &s, false);
}

static void legacy_guest(bytes *m)
{
    guest_module(m, "wasi:keyvalue/handle-watch#on-set", "wasi:keyvalue/handle-watch#on-delete",
                 "memory", "cabi_realloc");
}

/* wit-component-shim-module: no imports, a table exported as "$imports". */
static void shim_module(bytes *m)
{
    bytes s;
    m->n = 0;
    put(m, core_pre, 8);
    put_types(m);
    s.n = 0;
    put(&s, "\x01\x03", 2);                     /* one function of type 3 */
    put_section(m, 3, &s, false);
    s.n = 0;
    put(&s, "\x01\x70\x00\x01", 4);             /* table funcref min 1 */
    put_section(m, 4, &s, false);
    s.n = 0;
    put_leb(&s, 2);
    put_name(&s, "0");
    put(&s, "\x00\x00", 2);
    put_name(&s, "$imports");
    put(&s, "\x01\x00", 2);
    put_section(m, 7, &s, false);
    s.n = 0;
    put(&s, "\x01\x02\x00\x0b", 4);
    put_section(m, 10, &s, false);
}

/* wit-component-fixup: imports the shim's table, exports nothing. */
static void fixup_module(bytes *m)
{
    bytes s;
    m->n = 0;
    put(m, core_pre, 8);
    put_types(m);
    s.n = 0;
    put_leb(&s, 2);
    put_name(&s, "");
    put_name(&s, "0");
    put(&s, "\x00\x03", 2);                     /* func type 3 */
    put_name(&s, "");
    put_name(&s, "$imports");
    put(&s, "\x01\x70\x00\x01", 4);             /* table funcref min 1 */
    put_section(m, 2, &s, false);
}

/* start-shim-module: imports one ()->() function and calls it at start. */
static void start_module(bytes *m)
{
    bytes s;
    m->n = 0;
    put(m, core_pre, 8);
    put_types(m);
    s.n = 0;
    put_leb(&s, 1);
    put_name(&s, "");
    put_name(&s, "");
    put(&s, "\x00\x03", 2);
    put_section(m, 2, &s, false);
    s.n = 0;
    put_u8(&s, 0);
    put_section(m, 8, &s, false);
}

/* Like a WASI adapter: imports WASI functions, the guest's realloc
 * (__main_module__) and memory (env), and one world function; re-exports
 * an import. nwasi > 1 adds more (long) WASI imports. */
static void adapter_module(bytes *m, uint32_t nwasi)
{
    static const char *const wasi[] = {
        "wasi:cli/environment@0.2.0|get-environment",
        "wasi:io/streams@0.2.0|[method]output-stream.blocking-write-and-flush",
        "wasi:filesystem/types@0.2.0|[method]descriptor.append-via-stream",
        "wasi:cli/stdout@0.2.0|get-stdout",
    };
    bytes s;
    m->n = 0;
    put(m, core_pre, 8);
    put_types(m);
    s.n = 0;
    put_leb(&s, 3 + nwasi);
    put_name(&s, "env");
    put_name(&s, "memory");
    put(&s, "\x02\x00\x01", 3);                 /* memory min 1 */
    put_name(&s, "__main_module__");
    put_name(&s, "cabi_realloc");
    put(&s, "\x00\x02", 2);
    put_name(&s, "wasi:keyvalue/readwrite");   /* a world function */
    put_name(&s, "get");
    put(&s, "\x00\x00", 2);
    for (uint32_t i = 0; i < nwasi; i++) {
        char module[128];
        const char *w = wasi[i % 4];
        const char *bar = strchr(w, '|');
        snprintf(module, sizeof module, "%.*s", (int)(bar - w), w);
        put_name(&s, module);
        put_name(&s, bar + 1);
        put(&s, "\x00\x04", 2);
    }
    put_section(m, 2, &s, false);
    s.n = 0;
    put_leb(&s, 1);
    put_name(&s, "environ_get");
    put(&s, "\x00\x00", 2);
    put_section(m, 7, &s, false);
}

/* ---- components ----------------------------------------------------------- */

/* Preamble, a custom section and a type section (contents never parsed). */
static void comp_begin(bytes *c, bool wide)
{
    bytes s = {.n = 0};
    c->n = 0;
    put(c, comp_pre, 8);
    put_name(&s, "component-type:keyvalue-handle-watch");
    put(&s, "\x00\x01\x02\x03", 4);
    put_section(c, 0, &s, wide);
    s.n = 0;
    put(&s, "\x01\x40\x00\x01\x00", 5);
    put_section(c, 7, &s, wide);
}

static void comp_module(bytes *c, const bytes *m, bool wide)
{
    put_section(c, 1, m, wide);
}

/* Core instance and export sections, again only walked over. */
static void comp_end(bytes *c, bool wide)
{
    bytes s = {.n = 0};
    put(&s, "\x01\x00\x00\x00", 4);
    put_section(c, 2, &s, wide);
    s.n = 0;
    put(&s, "\x01\x00\x02on-set\x01\x00", 10);
    put_section(c, 11, &s, wide);
}

/* guest + shim + fixup, as wit-component makes it. */
static void standard_component(bytes *c, bool wide)
{
    bytes m;
    comp_begin(c, wide);
    legacy_guest(&m);
    comp_module(c, &m, wide);
    shim_module(&m);
    comp_module(c, &m, wide);
    fixup_module(&m);
    comp_module(c, &m, wide);
    comp_end(c, wide);
}

/* Exactly-sized heap copy, so ASan sees any read past the end. */
static uint8_t *heap_copy(const uint8_t *p, size_t n)
{
    uint8_t *h = malloc(n > 0 ? n : 1);
    cr_assert_not_null(h);
    memcpy(h, p, n);
    return h;
}

typedef struct picked {
    kt_err err;
    kt_diag diag;
    size_t offset, len;   /* of the core module, within the input */
} picked;

static picked pick(const uint8_t *p, size_t n)
{
    picked r;
    memset(&r, 0, sizeof r);
    uint8_t *h = heap_copy(p, n);
    const uint8_t *core = NULL;
    size_t core_len = 0;
    r.err = kt_pick_core_module(h, n, &core, &core_len, &r.diag);
    if (r.err == KT_OK) {
        cr_assert(core >= h && core_len <= n && (size_t)(core - h) <= n - core_len,
                  "core module outside the input");
        r.offset = (size_t)(core - h);
        r.len = core_len;
    }
    free(h);
    return r;
}

static kt_err scan(const bytes *c, kt_input_info *info, kt_diag *d)
{
    memset(d, 0, sizeof *d);
    return kt_scan_input(c->d, c->n, info, d);
}

/* ---- the happy paths ------------------------------------------------------ */

Test(component, standard_component_picks_guest)
{
    bytes c, g;
    standard_component(&c, false);
    legacy_guest(&g);
    kt_input_info info;
    kt_diag d;
    cr_assert_eq(scan(&c, &info, &d), KT_OK, "%s", d.detail);
    cr_expect(info.is_component);
    cr_assert_eq(info.nmods, 3);
    cr_expect_eq(info.mods[0].role, KT_ROLE_GUEST);
    cr_expect_eq(info.mods[1].role, KT_ROLE_SHIM);
    cr_expect_eq(info.mods[2].role, KT_ROLE_FIXUP);
    cr_expect_eq(info.guest, 0);
    cr_expect_eq(info.nguests, 1);
    cr_expect_eq(info.mods[0].len, g.n);
    cr_expect_eq(memcmp(c.d + info.mods[0].offset, g.d, g.n), 0);
    char text[200];
    size_t at;
    cr_expect_not(kt_component_problem(c.d, &info, 0, text, sizeof text, &at));
    kt_input_info_fini(&info);

    picked p = pick(c.d, c.n);
    cr_assert_eq(p.err, KT_OK, "%s", p.diag.detail);
    cr_expect_eq(p.len, g.n);
    cr_expect_eq(memcmp(c.d + p.offset, g.d, g.n), 0);
}

Test(component, guest_found_by_exports_not_position)
{
    bytes c, m, g;
    comp_begin(&c, false);
    shim_module(&m);
    comp_module(&c, &m, false);
    fixup_module(&m);
    comp_module(&c, &m, false);
    start_module(&m);
    comp_module(&c, &m, false);
    guest_module(&g, "cm32p2|wasi:keyvalue/handle-watch|on-set",
                 "cm32p2|wasi:keyvalue/handle-watch|on-delete", "cm32p2_memory", "cm32p2_realloc");
    comp_module(&c, &g, false);
    comp_end(&c, false);

    kt_input_info info;
    kt_diag d;
    cr_assert_eq(scan(&c, &info, &d), KT_OK, "%s", d.detail);
    cr_assert_eq(info.nmods, 4);
    cr_expect_eq(info.mods[2].role, KT_ROLE_START);
    cr_expect_eq(info.mods[3].role, KT_ROLE_GUEST);
    cr_expect_eq(info.guest, 3);
    kt_input_info_fini(&info);

    picked p = pick(c.d, c.n);
    cr_assert_eq(p.err, KT_OK, "%s", p.diag.detail);
    cr_expect_eq(p.len, g.n);
    cr_expect_eq(memcmp(c.d + p.offset, g.d, g.n), 0);
}

Test(component, core_module_is_the_guest_as_is)
{
    bytes g;
    legacy_guest(&g);
    picked p = pick(g.d, g.n);
    cr_assert_eq(p.err, KT_OK, "%s", p.diag.detail);
    cr_expect_eq(p.offset, 0);
    cr_expect_eq(p.len, g.n);

    /* Even one that exports nothing: validation says what is missing. */
    picked q = pick(core_pre, 8);
    cr_expect_eq(q.err, KT_OK, "%s", q.diag.detail);
    cr_expect_eq(q.len, 8);

    kt_input_info info;
    kt_diag d;
    cr_assert_eq(scan(&g, &info, &d), KT_OK);
    cr_expect_not(info.is_component);
    cr_expect_eq(info.nmods, 1);
    cr_expect_eq(info.mods[0].role, KT_ROLE_GUEST);
    kt_input_info_fini(&info);
}

Test(component, non_minimal_leb_sizes_accepted)
{
    bytes c, g;
    standard_component(&c, true);   /* every section size as 5 LEB bytes */
    legacy_guest(&g);
    picked p = pick(c.d, c.n);
    cr_assert_eq(p.err, KT_OK, "%s", p.diag.detail);
    cr_expect_eq(p.len, g.n);
    cr_expect_eq(memcmp(c.d + p.offset, g.d, g.n), 0);

    /* The one from the brief: 0x85 0x80 0x80 0x80 0x00 = 5. */
    bytes d2 = {.n = 0};
    put(&d2, comp_pre, 8);
    put(&d2, "\x00\x85\x80\x80\x80\x00\x04name", 11);
    put_u8(&d2, 1);
    put_leb5(&d2, (uint32_t)g.n);
    put(&d2, g.d, g.n);
    picked q = pick(d2.d, d2.n);
    cr_assert_eq(q.err, KT_OK, "%s", q.diag.detail);
    cr_expect_eq(q.offset, 8 + 11 + 6);
}

/* ---- malformed input ------------------------------------------------------ */

/* Every prefix: exactly the cuts on a section boundary scan cleanly, and
 * pick succeeds exactly from the end of the guest's section on. */
Test(component, every_prefix_errors_cleanly)
{
    bytes c, m;
    size_t bounds[16], nb = 0, guest_end;
    comp_begin(&c, false);
    /* comp_begin wrote the preamble, a custom section (1-byte size at
     * offset 9) and a type section. */
    bounds[nb++] = 8;
    bounds[nb++] = 8 + 2 + c.d[9];
    bounds[nb++] = c.n;
    legacy_guest(&m);
    comp_module(&c, &m, false);
    guest_end = c.n;
    bounds[nb++] = c.n;
    shim_module(&m);
    comp_module(&c, &m, false);
    bounds[nb++] = c.n;
    fixup_module(&m);
    comp_module(&c, &m, false);
    bounds[nb++] = c.n;
    comp_end(&c, false);
    bounds[nb++] = c.n - 12;                    /* comp_end's last section: 12 bytes */
    bounds[nb++] = c.n;

    for (size_t k = 0; k < c.n; k++) {
        bool boundary = false;
        for (size_t i = 0; i < nb; i++)
            boundary = boundary || bounds[i] == k;
        uint8_t *h = heap_copy(c.d, k);
        kt_input_info info;
        kt_diag d;
        memset(&d, 0, sizeof d);
        kt_err e = kt_scan_input(k ? h : NULL, k, &info, &d);
        if (e == KT_OK)
            kt_input_info_fini(&info);
        if (boundary) {
            cr_expect_eq(e, KT_OK, "prefix %zu: %s", k, d.detail);
        } else {
            cr_expect_neq(e, KT_OK, "prefix %zu accepted", k);
            cr_expect_eq(d.err, e, "prefix %zu: diag not filled", k);
            cr_expect_leq(d.offset, k, "prefix %zu: offset %zu past the end", k, d.offset);
            cr_expect_neq(d.detail[0], '\0', "prefix %zu: no detail", k);
        }
        picked p = pick(h, k);
        if (boundary && k >= guest_end)
            cr_expect_eq(p.err, KT_OK, "prefix %zu: %s", k, p.diag.detail);
        else if (boundary)
            cr_expect_eq(p.err, KT_E_NO_MODULE, "prefix %zu: err %d", k, (int)p.err);
        else
            cr_expect_neq(p.err, KT_OK, "prefix %zu picked", k);
        free(h);
    }
}

/* Every byte replaced by a few values: an error or a clean scan, never a
 * crash, an overread (ASan) or an offset outside the input. */
Test(component, corrupted_bytes_never_crash)
{
    static const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    bytes c, m;
    standard_component(&c, false);
    start_module(&m);
    comp_module(&c, &m, false);
    adapter_module(&m, 2);
    comp_module(&c, &m, false);
    for (size_t k = 0; k < c.n; k++) {
        for (size_t v = 0; v < sizeof values; v++) {
            uint8_t *h = heap_copy(c.d, c.n);
            h[k] = values[v];
            kt_input_info info;
            kt_diag d;
            memset(&d, 0, sizeof d);
            kt_err e = kt_scan_input(h, c.n, &info, &d);
            if (e == KT_OK) {
                char text[200];
                size_t at = 0;
                for (uint32_t i = 0; kt_component_problem(h, &info, i, text, sizeof text, &at); i++)
                    cr_expect_leq(at, c.n, "byte %zu = %02x: problem offset %zu", k, values[v], at);
                kt_input_info_fini(&info);
            } else {
                cr_expect_leq(d.offset, c.n, "byte %zu = %02x: offset %zu", k, values[v], d.offset);
            }
            picked p = pick(h, c.n);
            if (p.err != KT_OK)
                cr_expect_neq(p.diag.detail[0], '\0', "byte %zu = %02x: no detail", k, values[v]);
            free(h);
        }
    }
}

Test(component, section_size_past_the_end)
{
    bytes c, g;
    comp_begin(&c, false);
    size_t at = c.n;
    legacy_guest(&g);
    put_u8(&c, 1);
    put_leb(&c, (uint32_t)g.n + 1);             /* one byte too many */
    put(&c, g.d, g.n);
    picked p = pick(c.d, c.n);
    cr_expect_eq(p.err, KT_E_TRUNCATED);
    cr_expect_eq(p.diag.offset, at);
    cr_expect_str_eq(p.diag.section, "component");
    cr_expect(strstr(p.diag.detail, "runs past the end") != NULL, "%s", p.diag.detail);
    cr_expect(strstr(p.diag.detail, "section id 1") != NULL, "%s", p.diag.detail);

    /* The largest u32 size. */
    bytes c2;
    comp_begin(&c2, false);
    at = c2.n;
    put(&c2, "\x07\xff\xff\xff\xff\x0f\x00\x00", 8);
    p = pick(c2.d, c2.n);
    cr_expect_eq(p.err, KT_E_TRUNCATED);
    cr_expect_eq(p.diag.offset, at);
    cr_expect(strstr(p.diag.detail, "4294967295 bytes") != NULL, "%s", p.diag.detail);
    cr_expect(strstr(p.diag.detail, "(2 bytes left)") != NULL, "%s", p.diag.detail);
}

Test(component, over_long_leb_size_rejected)
{
    static const struct {
        const char *what;
        uint8_t size[6];
        size_t n;
        kt_err err;
    } cases[] = {
        {"6-byte LEB", {0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 6, KT_E_LEB},
        {"6-byte LEB of 5", {0x85, 0x80, 0x80, 0x80, 0x80, 0x00}, 6, KT_E_LEB},
        {"bits past 32", {0xff, 0xff, 0xff, 0xff, 0x1f}, 5, KT_E_LEB},
        {"cut inside the LEB", {0x80, 0x80}, 2, KT_E_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bytes c;
        comp_begin(&c, false);
        size_t at = c.n;
        put_u8(&c, 0);
        put(&c, cases[i].size, cases[i].n);
        picked p = pick(c.d, c.n);
        cr_expect_eq(p.err, cases[i].err, "%s: err %d", cases[i].what, (int)p.err);
        cr_expect_eq(p.diag.offset, at + 1, "%s: offset %zu", cases[i].what, p.diag.offset);
        cr_expect(strstr(p.diag.detail, "size of the section") != NULL, "%s: %s",
                  cases[i].what, p.diag.detail);
    }
}

Test(component, wrong_preambles)
{
    static const struct {
        const char *what;
        uint8_t bytes[8];
        size_t n;
        kt_err err;
        size_t offset;
    } cases[] = {
        {"component layer 2", {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x02, 0x00}, 8, KT_E_VERSION, 4},
        {"component version 0c", {0x00, 0x61, 0x73, 0x6d, 0x0c, 0x00, 0x01, 0x00}, 8,
         KT_E_VERSION, 4},
        {"core version 2", {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00}, 8, KT_E_VERSION, 4},
        {"bad magic", {0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00}, 8, KT_E_MAGIC, 0},
        {"text, not wasm", {'(', 'm', 'o', 'd', 'u', 'l', 'e', ')'}, 8, KT_E_MAGIC, 0},
        {"empty file", {0}, 0, KT_E_TRUNCATED, 0},
        {"half the magic", {0x00, 0x61}, 2, KT_E_TRUNCATED, 2},
        {"short non-wasm", {'h', 'i'}, 2, KT_E_MAGIC, 0},
        {"magic only", {0x00, 0x61, 0x73, 0x6d}, 4, KT_E_TRUNCATED, 4},
        {"cut in the version", {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01}, 7, KT_E_TRUNCATED, 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        picked p = pick(cases[i].bytes, cases[i].n);
        cr_expect_eq(p.err, cases[i].err, "%s: err %d", cases[i].what, (int)p.err);
        cr_expect_eq(p.diag.offset, cases[i].offset, "%s: offset %zu", cases[i].what,
                     p.diag.offset);
        cr_expect_neq(p.diag.detail[0], '\0', "%s: no detail", cases[i].what);
    }
    picked t = pick((const uint8_t *)"(module)", 8);
    cr_expect_str_eq(t.diag.detail, "the file starts with 28 6d 6f 64, not 00 61 73 6d (\\0asm)");
    picked p = pick(cases[0].bytes, 8);
    cr_expect(strstr(p.diag.detail, "0d 00 02 00") != NULL, "%s", p.diag.detail);
}

Test(component, malformed_core_module_inside)
{
    bytes c, g;
    comp_begin(&c, false);
    legacy_guest(&g);
    g.d[9] = 0x7f;                              /* the type section's size, now too big */
    put_u8(&c, 1);
    put_leb(&c, (uint32_t)g.n);
    size_t mod_at = c.n;
    put(&c, g.d, g.n);
    picked p = pick(c.d, c.n);
    cr_expect_neq(p.err, KT_OK);
    cr_expect_geq(p.diag.offset, mod_at, "offset %zu is not absolute", p.diag.offset);
    cr_expect_lt(p.diag.offset, c.n);
    char want[64];
    snprintf(want, sizeof want, "core module #0 (at byte %zu), type section: ", mod_at);
    cr_expect(strncmp(p.diag.detail, want, strlen(want)) == 0, "%s", p.diag.detail);
    cr_expect_null(p.diag.section);

    /* A component inside an id-1 section is not a core module. */
    bytes c2, inner;
    comp_begin(&inner, false);
    comp_begin(&c2, false);
    comp_module(&c2, &inner, false);
    p = pick(c2.d, c2.n);
    cr_expect_eq(p.err, KT_E_VERSION);
}

/* ---- components kvaot refuses --------------------------------------------- */

Test(component, empty_component)
{
    bytes c = {.n = 0};
    put(&c, comp_pre, 8);
    kt_input_info info;
    kt_diag d;
    cr_assert_eq(scan(&c, &info, &d), KT_OK);
    cr_expect(info.is_component);
    cr_expect_eq(info.nmods, 0);
    cr_expect_eq(info.guest, -1);
    kt_input_info_fini(&info);

    picked p = pick(c.d, c.n);
    cr_expect_eq(p.err, KT_E_NO_MODULE);
    cr_expect_str_eq(p.diag.detail, "the component holds no core module");

    /* Only custom/type sections and a nested component: said so. */
    bytes c2, inner, m;
    comp_begin(&inner, false);
    legacy_guest(&m);
    comp_module(&inner, &m, false);
    comp_begin(&c2, false);
    put_section(&c2, 4, &inner, false);
    p = pick(c2.d, c2.n);
    cr_expect_eq(p.err, KT_E_NO_MODULE);
    cr_expect(strstr(p.diag.detail, "no core module") != NULL, "%s", p.diag.detail);
    cr_expect(strstr(p.diag.detail, "1 nested component are not searched") != NULL, "%s",
              p.diag.detail);
}

Test(component, no_guest)
{
    bytes c, m;
    comp_begin(&c, false);
    shim_module(&m);
    comp_module(&c, &m, false);
    fixup_module(&m);
    comp_module(&c, &m, false);
    /* exports on-set but no memory: not a guest */
    m.n = 0;
    put(&m, core_pre, 8);
    put_types(&m);
    {
        bytes s = {.n = 0};
        put(&s, "\x01\x00", 2);
        put_section(&m, 3, &s, false);
        s.n = 0;
        put_leb(&s, 1);
        put_name(&s, "wasi:keyvalue/handle-watch#on-set");
        put(&s, "\x00\x00", 2);
        put_section(&m, 7, &s, false);
        s.n = 0;
        put(&s, "\x01\x02\x00\x0b", 4);
        put_section(&m, 10, &s, false);
    }
    comp_module(&c, &m, false);
    picked p = pick(c.d, c.n);
    cr_expect_eq(p.err, KT_E_NO_MODULE);
    cr_expect_str_eq(p.diag.detail, "none of its 3 core modules exports a memory and the "
                     "handle-watch on-set/on-delete functions");
    cr_expect_str_eq(p.diag.section, "component");
    cr_expect_eq(p.diag.offset, 0);

    /* That module alone: "its only core module", and no second problem
     * about it being "other". */
    bytes c1;
    comp_begin(&c1, false);
    comp_module(&c1, &m, false);
    kt_input_info info;
    kt_diag d;
    cr_assert_eq(scan(&c1, &info, &d), KT_OK);
    cr_expect_eq(info.mods[0].role, KT_ROLE_OTHER);
    char text[200];
    size_t at;
    cr_assert(kt_component_problem(c1.d, &info, 0, text, sizeof text, &at));
    cr_expect_str_eq(text, "its only core module does not export a memory and the "
                     "handle-watch on-set/on-delete functions");
    cr_expect_not(kt_component_problem(c1.d, &info, 1, text, sizeof text, &at));
    kt_input_info_fini(&info);
}

Test(component, two_guests_are_ambiguous)
{
    bytes c, m;
    comp_begin(&c, false);
    legacy_guest(&m);
    comp_module(&c, &m, false);
    shim_module(&m);
    comp_module(&c, &m, false);
    size_t second = c.n;
    guest_module(&m, "cm32p2|wasi:keyvalue/handle-watch|on-set",
                 "cm32p2|wasi:keyvalue/handle-watch|on-delete", "cm32p2_memory", "cm32p2_realloc");
    comp_module(&c, &m, false);
    comp_end(&c, false);

    kt_input_info info;
    kt_diag d;
    cr_assert_eq(scan(&c, &info, &d), KT_OK);
    cr_expect_eq(info.nguests, 2);
    cr_expect_eq(info.guest, -1);
    kt_input_info_fini(&info);

    picked p = pick(c.d, c.n);
    cr_expect_eq(p.err, KT_E_NO_MODULE);
    cr_expect_str_eq(p.diag.detail, "ambiguous guest: core modules #0 and #2 both export a "
                     "memory and handle-watch functions, and kvaot does not guess which one "
                     "to use");
    /* The offset of the second guest's payload (after id and 1-byte... size). */
    cr_expect_gt(p.diag.offset, second);
    cr_expect_lt(p.diag.offset, second + 4);
}

Test(component, adapter_module_named_by_its_imports)
{
    bytes c, m;
    standard_component(&c, false);
    size_t at = c.n;
    adapter_module(&m, 1);
    comp_module(&c, &m, false);

    kt_input_info info;
    kt_diag d;
    cr_assert_eq(scan(&c, &info, &d), KT_OK);
    cr_assert_eq(info.nmods, 4);
    cr_expect_eq(info.mods[3].role, KT_ROLE_OTHER);
    cr_expect_eq(info.mods[3].nimports, 4);
    cr_expect_eq(info.mods[3].nforeign, 1);     /* not env memory, __main_module__, get */
    cr_expect_eq(info.guest, 0);
    char text[384];
    size_t off = 0;
    cr_assert(kt_component_problem(c.d, &info, 0, text, sizeof text, &off));
    cr_expect_str_eq(text, "core module #3 is neither the guest nor a wit-component helper "
                     "(a WASI adapter?): it imports wasi:cli/environment@0.2.0 get-environment, "
                     "which the keyvalue-handle-watch world does not provide");
    cr_expect_eq(off, info.mods[3].offset);
    char none[64];
    cr_expect_not(kt_component_problem(c.d, &info, 1, none, sizeof none, &off));
    kt_input_info_fini(&info);

    picked p = pick(c.d, c.n);
    cr_expect_eq(p.err, KT_E_NO_MODULE);
    cr_expect_str_eq(p.diag.detail, text);
    cr_expect_gt(p.diag.offset, at);
}

Test(component, many_adapter_imports_fit_the_message)
{
    bytes c, m;
    standard_component(&c, false);
    adapter_module(&m, 9);
    comp_module(&c, &m, false);

    kt_input_info info;
    kt_diag d;
    cr_assert_eq(scan(&c, &info, &d), KT_OK);
    cr_expect_eq(info.mods[3].nforeign, 9);
    char text[384];
    size_t off;
    cr_assert(kt_component_problem(c.d, &info, 0, text, sizeof text, &off));
    cr_expect(strstr(text, "it imports wasi:cli/environment@0.2.0 get-environment, wasi:io/"
                     "streams@0.2.0 [method]output-stream.blocking-write-and-flush") != NULL,
              "%s", text);
    cr_expect(strstr(text, " more, which the keyvalue-handle-watch world does not provide") != NULL,
              "%s", text);
    cr_expect_lt(strlen(text), sizeof text - 1, "cut: %s", text);
    kt_input_info_fini(&info);

    /* The 200-byte diag of `kvaot build`: not even one name fits with the
     * rest, so the count and a pointer to inspect. */
    picked p = pick(c.d, c.n);
    cr_expect_eq(p.err, KT_E_NO_MODULE);
    cr_expect_str_eq(p.diag.detail, "core module #3 is neither the guest nor a wit-component "
                     "helper (a WASI adapter?): it imports 9 functions the keyvalue-handle-watch "
                     "world does not provide (`kvaot inspect` lists them)");

    /* Tiny buffers: cut, still terminated. */
    cr_assert_eq(scan(&c, &info, &d), KT_OK);
    char tiny[8];
    cr_assert(kt_component_problem(c.d, &info, 0, tiny, sizeof tiny, &off));
    cr_expect_str_eq(tiny, "core mo");
    kt_input_info_fini(&info);
}

Test(component, other_module_with_world_imports_only)
{
    bytes c, m, s;
    standard_component(&c, false);
    m.n = 0;
    put(&m, core_pre, 8);
    put_types(&m);
    s.n = 0;
    put_leb(&s, 1);
    put_name(&s, "wasi:keyvalue/readwrite");
    put_name(&s, "get");
    put(&s, "\x00\x00", 2);
    put_section(&m, 2, &s, false);
    comp_module(&c, &m, false);
    picked p = pick(c.d, c.n);
    cr_expect_eq(p.err, KT_E_NO_MODULE);
    cr_expect_str_eq(p.diag.detail, "core module #3 is neither the guest nor a wit-component "
                     "helper: kvaot builds the guest module alone and cannot run a second one");
}

Test(component, too_many_core_modules)
{
    bytes c = {.n = 0};
    put(&c, comp_pre, 8);
    bytes empty = {.n = 0};
    put(&empty, core_pre, 8);
    for (int i = 0; i < KT_MAX_CORE_MODULES; i++)
        comp_module(&c, &empty, false);
    kt_input_info info;
    kt_diag d;
    cr_assert_eq(scan(&c, &info, &d), KT_OK);
    cr_expect_eq(info.nmods, KT_MAX_CORE_MODULES);
    kt_input_info_fini(&info);
    size_t at = c.n;
    comp_module(&c, &empty, false);
    picked p = pick(c.d, c.n);
    cr_expect_eq(p.err, KT_E_COUNT);
    cr_expect_eq(p.diag.offset, at);
    cr_expect_str_eq(p.diag.detail, "more than 64 core modules");
}

Test(component, role_names)
{
    cr_expect_str_eq(kt_role_name(KT_ROLE_GUEST), "guest");
    cr_expect_str_eq(kt_role_name(KT_ROLE_SHIM), "wit-component-shim-module");
    cr_expect_str_eq(kt_role_name(KT_ROLE_FIXUP), "wit-component-fixup");
    cr_expect_str_eq(kt_role_name(KT_ROLE_START), "start-shim-module");
    cr_expect_str_eq(kt_role_name(KT_ROLE_OTHER), "other");
}
