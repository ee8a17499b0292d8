/*
 * transpile/featscan.h - the core-feature scan (SPEC §8.5): before any C is
 * written, every function body, constant expression, memory, table and tag
 * of the guest is looked at for the post-MVP features it uses (opcode.h
 * lists them). The ones wasm2c 1.0.32 cannot translate are problems, each
 * naming the feature, the first function that uses it (by its name-section
 * name when there is one) and the byte offset; the ones it can translate
 * decide the wasm2c flags and the module rewrite (rewrite.h).
 */
#ifndef KT_FEATSCAN_H
#define KT_FEATSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "module.h"
#include "opcode.h"
#include "strbuf.h"

#define KT_NO_FUNC UINT32_MAX

typedef struct kt_feature_use {
    bool used;
    uint32_t func;          /* function index (imports first), KT_NO_FUNC outside code */
    size_t offset;          /* module-relative offset of the first use */
    const char *where;      /* what uses it outside code: "memory 0", "a global initializer" */
} kt_feature_use;

typedef struct kt_features {
    kt_feature_use use[KT_F__COUNT];    /* first use of each feature */
    uint32_t ntail_calls;               /* return_call + return_call_indirect */
} kt_features;

/* Scan the module m read from data[0..len). Fails only on a malformed
 * body or section (the diag then holds the module-relative offset). */
KT_MUST_CHECK kt_err kt_scan_features(const kt_module *m, const uint8_t *data, size_t len,
                                      kt_features *out, kt_diag *diag);

/* True when some used feature is one wasm2c 1.0.32 cannot translate. */
bool kt_features_refused(const kt_features *f);

/* Append one line for a refused feature f that the scan found:
 *   uses SIMD (v128) in function "foo" (#12) at byte 345, which wasm2c 1.0.32
 *   cannot translate; build without SIMD: clang -mno-simd128, ...
 * base is added to the module-relative offset (the module's place in a
 * component). */
void kt_feature_problem(const kt_module *m, const kt_features *fs, kt_feature f, size_t base,
                        kt_sb *out);

#endif
