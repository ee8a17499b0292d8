/*
 * transpile/emit.h - generates the glue C (templates/glue.c.in filled in)
 * for a validated module: import definitions under wasm2c's mangled names
 * forwarding to the runtime, instance setup, and the guest entry table.
 */
#ifndef KT_EMIT_H
#define KT_EMIT_H

#include "diag.h"
#include "module.h"
#include "strbuf.h"
#include "validate.h"

/* wasm2c module name used for the guest (-n). */
#define KT_GUEST_MODNAME "kvg"

/* Append the glue for m (which must validate, with binding b) to out.
 * start_export: the export under which the rewritten module offers its
 * start function (rewrite.h), or NULL when it has none. */
KT_MUST_CHECK kt_err kt_emit_glue(const kt_module *m, const kt_binding *b,
                                  const char *start_export, kt_sb *out);

/* Fill `tmpl`'s @@NAME@@ placeholders from names[i] -> values[i]; an unknown
 * placeholder is copied as is. */
void kt_emit_fill(kt_sb *out, const char *tmpl, const char *const *names,
                  const char *const *values, size_t n);

#endif
