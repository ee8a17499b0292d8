/*
 * transpile/mangle.h - wasm2c 1.0.32's symbol names, in one place (newer
 * WABT releases mangle differently: `w2c_` prefix, `0xNN` escapes).
 */
#ifndef KT_MANGLE_H
#define KT_MANGLE_H

#include <stdint.h>

#include "strbuf.h"

/* Append M(name): bytes outside [A-Za-z0-9_], and 'Z', become Z + two
 * uppercase hex digits. */
void kt_mangle(kt_sb *sb, const char *name);
/* Import function: Z_ M(module) Z_ M(field). */
void kt_mangle_import(kt_sb *sb, const char *module, const char *field);
/* Export of module `modname`: Z_ M(modname) Z_ M(export). */
void kt_mangle_export(kt_sb *sb, const char *modname, const char *export_name);
/* Import module instance struct tag: Z_ M(module) _instance_t. */
void kt_mangle_instance(kt_sb *sb, const char *module);
/* The C type wasm2c gives a function with several results:
 * "struct wasm_multi_" + one letter per result type (i j f d o r e). */
void kt_mangle_multi(kt_sb *sb, const uint8_t *types, uint32_t n);
/* wasm2c's C type of one value type (u32, u64, f32, f64,
 * wasm_rt_funcref_t, wasm_rt_externref_t), NULL for v128 and others. */
const char *kt_c_valtype(uint8_t t);

#endif
