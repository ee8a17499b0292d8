/*
 * tests/unit/test_support_wat.c - WAT to wasm at test time; see
 * test_support_wat.h.
 */
#include "test_support_wat.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint8_t *tw_read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    cr_assert_geq(n, 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

uint8_t *tw_assemble_file(const char *path, const char *flags, size_t *len)
{
    char wasm_path[] = "/tmp/kvaot-test-XXXXXX";
    int fd = mkstemp(wasm_path);
    cr_assert_geq(fd, 0);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "wat2wasm %s '%s' -o '%s'", flags, path, wasm_path);
    int rc = system(cmd);
    cr_assert_eq(rc, 0, "wat2wasm failed on %s", path);
    uint8_t *bytes = tw_read_all(wasm_path, len);
    unlink(wasm_path);
    return bytes;
}

uint8_t *tw_assemble(const char *wat, const char *flags, size_t *len)
{
    char wat_path[] = "/tmp/kvaot-test-XXXXXX";
    int fd = mkstemp(wat_path);
    cr_assert_geq(fd, 0);
    size_t n = strlen(wat);
    cr_assert_eq(write(fd, wat, n), (ssize_t)n);
    close(fd);
    uint8_t *bytes = tw_assemble_file(wat_path, flags, len);
    unlink(wat_path);
    return bytes;
}

static void parse(uint8_t *bytes, size_t len, const char *what, kt_module *m)
{
    kt_diag d = { 0 };
    kt_err e = kt_read_module(bytes, len, m, &d);
    free(bytes);
    cr_assert_eq(e, KT_OK, "%s: %s at %zu: %s", what, kt_strerror(e), d.offset, d.detail);
}

void tw_load(const char *wat, const char *flags, kt_module *m)
{
    size_t len = 0;
    uint8_t *bytes = tw_assemble(wat, flags, &len);
    parse(bytes, len, "WAT text", m);
}

void tw_load_file(const char *path, const char *flags, kt_module *m)
{
    size_t len = 0;
    uint8_t *bytes = tw_assemble_file(path, flags, &len);
    parse(bytes, len, path, m);
}
