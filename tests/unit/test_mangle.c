/*
 * tests/unit/test_mangle.c - wasm2c 1.0.32 name mangling and the glue
 * generator's placeholder filling.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "emit.h"
#include "mangle.h"

typedef struct mangle_case {
    const char *in;
    const char *out;
} mangle_case;

static const mangle_case mangle_cases[] = {
    {"get", "get"},
    {"on-set", "onZ2Dset"},
    {"cm32p2|wasi:keyvalue/readwrite", "cm32p2Z7CwasiZ3AkeyvalueZ2Freadwrite"},
    {"wasi:keyvalue/handle-watch#on-set", "wasiZ3AkeyvalueZ2FhandleZ2DwatchZ23onZ2Dset"},
    {"wasi:keyvalue/readwrite@0.1.0", "wasiZ3AkeyvalueZ2FreadwriteZ400Z2E1Z2E0"},
    {"Zebra", "Z5Aebra"},
    {"cabi_realloc", "cabi_realloc"},
    {"\xc3\xa9", "ZC3ZA9"},
    {"", ""},
};

Test(mangle, table)
{
    for (size_t i = 0; i < sizeof mangle_cases / sizeof mangle_cases[0]; i++) {
        kt_sb sb;
        kt_sb_init(&sb);
        kt_mangle(&sb, mangle_cases[i].in);
        cr_expect_str_eq(kt_sb_str(&sb), mangle_cases[i].out, "case %zu", i);
        kt_sb_fini(&sb);
    }
}

Test(mangle, import_export_instance)
{
    kt_sb sb;
    kt_sb_init(&sb);
    kt_mangle_import(&sb, "cm32p2|wasi:keyvalue/readwrite", "get");
    cr_expect_str_eq(kt_sb_str(&sb), "Z_cm32p2Z7CwasiZ3AkeyvalueZ2FreadwriteZ_get");
    kt_sb_fini(&sb);
    kt_mangle_export(&sb, "kvg", "wasi:keyvalue/handle-watch#on-set");
    cr_expect_str_eq(kt_sb_str(&sb), "Z_kvgZ_wasiZ3AkeyvalueZ2FhandleZ2DwatchZ23onZ2Dset");
    kt_sb_fini(&sb);
    kt_mangle_instance(&sb, "wasi:keyvalue/types");
    cr_expect_str_eq(kt_sb_str(&sb), "Z_wasiZ3AkeyvalueZ2Ftypes_instance_t");
    kt_sb_fini(&sb);
}

Test(emit, fill_placeholders)
{
    static const char *const names[] = {"A", "LONG_NAME"};
    static const char *const values[] = {"1", "two"};
    kt_sb sb;
    kt_sb_init(&sb);
    kt_emit_fill(&sb, "x @@A@@ y @@LONG_NAME@@@@A@@ @@UNKNOWN@@ @@", names, values, 2);
    cr_expect_str_eq(kt_sb_str(&sb), "x 1 y two1 @@UNKNOWN@@ @@");
    kt_sb_fini(&sb);
}
