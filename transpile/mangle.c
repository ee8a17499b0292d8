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
