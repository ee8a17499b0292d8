/*
 * transpile/mangle.c - wasm2c 1.0.32 name mangling; see mangle.h.
 */
#include "mangle.h"

void kt_mangle(kt_sb *sb, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        unsigned char c = *p;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z' && c != 'Z') ||
                     (c >= '0' && c <= '9') || c == '_';
        if (plain)
            kt_sb_addn(sb, (const char *)p, 1);
        else
            kt_sb_addf(sb, "Z%02X", c);
    }
}

void kt_mangle_import(kt_sb *sb, const char *module, const char *field)
{
    kt_sb_add(sb, "Z_");
    kt_mangle(sb, module);
    kt_sb_add(sb, "Z_");
    kt_mangle(sb, field);
}

void kt_mangle_export(kt_sb *sb, const char *modname, const char *export_name)
{
    kt_mangle_import(sb, modname, export_name);
}

void kt_mangle_instance(kt_sb *sb, const char *module)
{
    kt_sb_add(sb, "Z_");
    kt_mangle(sb, module);
    kt_sb_add(sb, "_instance_t");
}

/* wasm2c's letter per value type in the names of its multi-value result
 * structs: i32 i, i64 j, f32 f, f64 d, v128 o, funcref r, externref e. */
static char multi_letter(uint8_t t)
{
    switch (t) {
    case 0x7f: return 'i';
    case 0x7e: return 'j';
    case 0x7d: return 'f';
    case 0x7c: return 'd';
    case 0x7b: return 'o';
    case 0x70: return 'r';
    case 0x6f: return 'e';
    default: return '?';
    }
}

void kt_mangle_multi(kt_sb *sb, const uint8_t *types, uint32_t n)
{
    kt_sb_add(sb, "struct wasm_multi_");
    for (uint32_t i = 0; i < n; i++) {
        char c[2] = {multi_letter(types[i]), '\0'};
        kt_sb_add(sb, c);
    }
}

const char *kt_c_valtype(uint8_t t)
{
    switch (t) {
    case 0x7f: return "u32";
    case 0x7e: return "u64";
    case 0x7d: return "f32";
    case 0x7c: return "f64";
    case 0x70: return "wasm_rt_funcref_t";
    case 0x6f: return "wasm_rt_externref_t";
    default: return NULL;
    }
}
