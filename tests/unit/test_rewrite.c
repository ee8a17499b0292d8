/*
 * tests/unit/test_rewrite.c - the module wasm2c is given (rewrite.c): the
 * start section becomes an export under a name no export has, tail calls
 * become call + return, and everything else is the same bytes; each
 * rewritten module is checked with wabt's wasm-validate and read back.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "featscan.h"
#include "opcode.h"
#include "rewrite.h"
#include "test_support_wat.h"

#define HANDLERS \
    "  (memory (export \"memory\") 1)\n" \
    "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n" \
    "  (func (export \"wasi:keyvalue/handle-watch#on-set\") (param i32 i32 i32 i32))\n" \
    "  (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i32 i32))\n"

typedef struct rewritten_case {
    uint8_t *orig;
    size_t orig_len;
    kt_module m;
    kt_features f;
    kt_rewritten rw;
    kt_module out;      /* the rewritten module, read back */
} rewritten_case;

/* wasm-validate (with flags) accepts bytes. */
static bool validates(const uint8_t *bytes, size_t len, const char *flags)
{
    char path[] = "/tmp/kvaot-rewrite-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, bytes, len), (ssize_t)len);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "wasm-validate %s '%s' >/dev/null 2>&1", flags, path);
    int rc = system(cmd);
    unlink(path);
    return rc == 0;
}

static void rewrite(rewritten_case *c, const char *wat, const char *flags)
{
    kt_diag d = { 0 };
    c->orig = tw_assemble(wat, flags, &c->orig_len);
    cr_assert_eq(kt_read_module(c->orig, c->orig_len, &c->m, &d), KT_OK);
    cr_assert_eq(kt_scan_features(&c->m, c->orig, c->orig_len, &c->f, &d), KT_OK);
    cr_assert_eq(kt_rewrite_module(c->orig, c->orig_len, &c->m, &c->f, NULL, &c->rw, &d), KT_OK,
                 "%s", d.detail);
    memset(&c->out, 0, sizeof c->out);
    if (c->rw.data != NULL)
        cr_assert_eq(kt_read_module(c->rw.data, c->rw.len, &c->out, &d), KT_OK,
                     "rewritten: %s at %zu", d.detail, d.offset);
}

static void finish(rewritten_case *c)
{
    kt_module_fini(&c->m);
    kt_module_fini(&c->out);
    kt_rewritten_fini(&c->rw);
    free(c->orig);
}

static int export_index(const kt_module *m, const char *name)
{
    for (uint32_t i = 0; i < m->nexports; i++)
        if (strcmp(m->exports[i].name, name) == 0)
            return (int)m->exports[i].index;
    return -1;
}

Test(rewrite, plain_module_is_left_alone)
{
    rewritten_case c;
    rewrite(&c, "(module " HANDLERS ")", "");
    cr_expect_null(c.rw.data);
    cr_expect_str_eq(c.rw.start_export, "");
    finish(&c);
}

Test(rewrite, start_becomes_an_export)
{
    rewritten_case c;
    rewrite(&c, "(module " HANDLERS " (func $s (nop)) (start $s))", "");
    cr_assert_not_null(c.rw.data);
    cr_expect_str_eq(c.rw.start_export, "kvaot_start");
    cr_expect_not(c.out.has_start);
    cr_expect_eq(c.out.nexports, c.m.nexports + 1);
    cr_expect_eq(export_index(&c.out, "kvaot_start"), 3);
    cr_expect_eq(export_index(&c.out, "wasi:keyvalue/handle-watch#on-set"), 1);
    cr_expect(validates(c.rw.data, c.rw.len, ""));
    finish(&c);
}

Test(rewrite, start_export_name_is_unique)
{
    rewritten_case c;
    rewrite(&c, "(module " HANDLERS " (func $s (nop)) (start $s)"
                " (func (export \"kvaot_start\")) (func (export \"kvaot_start2\")))", "");
    cr_expect_str_eq(c.rw.start_export, "kvaot_start3");
    cr_expect_eq(export_index(&c.out, "kvaot_start3"), 3);
    cr_expect(validates(c.rw.data, c.rw.len, ""));
    finish(&c);
}

/* No export section at all: one is inserted, before the start's place. */
Test(rewrite, start_without_exports)
{
    rewritten_case c;
    rewrite(&c, "(module (memory 1) (func $s (nop)) (start $s)"
                " (data (i32.const 0) \"abc\"))", "");
    cr_expect_eq(c.out.nexports, 1);
    cr_expect_eq(export_index(&c.out, "kvaot_start"), 0);
    cr_expect(validates(c.rw.data, c.rw.len, ""));
    finish(&c);
}

/* Count the return_call opcodes left in a module's code. */
static uint32_t tail_calls_in(const uint8_t *data, size_t len)
{
    kt_module m;
    kt_features f;
    kt_diag d = { 0 };
    cr_assert_eq(kt_read_module(data, len, &m, &d), KT_OK);
    cr_assert_eq(kt_scan_features(&m, data, len, &f, &d), KT_OK);
    uint32_t n = f.ntail_calls;
    kt_module_fini(&m);
    return n;
}

Test(rewrite, tail_calls_become_call_return)
{
    rewritten_case c;
    rewrite(&c, "(module " HANDLERS
                "  (type $t (func (param i32) (result i32)))"
                "  (table 1 funcref) (elem (i32.const 0) $f)"
                "  (func $f (param i32) (result i32)"
                "    (if (result i32) (local.get 0)"
                "      (then (return_call $f (i32.sub (local.get 0) (i32.const 1))))"
                "      (else (i32.const 0))))"
                "  (func (param i32) (result i32)"
                "    (return_call_indirect (type $t) (local.get 0) (i32.const 0)))"
                "  (func $s) (start $s))", "--enable-tail-call");
    cr_assert_not_null(c.rw.data);
    cr_expect_eq(c.f.ntail_calls, 2);
    cr_expect_eq(tail_calls_in(c.rw.data, c.rw.len), 0);
    /* two `return`s more, no start section (3 bytes), one 14-byte export
     * entry (every size still fits its LEB128) */
    cr_expect_eq(c.rw.len, c.orig_len + 2 - 3 + 14, "%zu -> %zu", c.orig_len, c.rw.len);
    cr_expect_str_eq(c.rw.start_export, "kvaot_start");
    /* no tail-call feature needed any more */
    cr_expect(validates(c.rw.data, c.rw.len, ""));
    finish(&c);
}
