/*
 * transpile/rewrite.h - the module wasm2c is given. Usually the guest's
 * own bytes; a rewritten copy when
 *   - it has a start function (SPEC §8.6): the start section is dropped and
 *     the function is exported instead (as start_export), so the runtime
 *     runs it after instantiation, once the memory view, the limits and
 *     the store journal are in place (wasm2c would run it inside
 *     instantiate, before the host can see the memory);
 *   - it uses tail calls, which wasm2c 1.0.32 refuses: `return_call f`
 *     becomes `call f; return` (and the same for return_call_indirect).
 *     Validation is unchanged (both end the block stack-polymorphic); the
 *     only difference is stack use, so unbounded tail recursion is a
 *     stack-exhaustion trap instead of a loop (README: tail calls);
 *   - it is a --profile build: line marks and placeholder names
 *     (profile.h, symnames.h).
 * Only section framing, the export section and code bodies are re-encoded;
 * every other byte is copied.
 */
#ifndef KT_REWRITE_H
#define KT_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "featscan.h"
#include "module.h"
#include "profile.h"

typedef struct kt_rewritten {
    uint8_t *data;          /* owned; NULL when the original bytes serve */
    size_t len;
    char start_export[40];  /* the start function's export name, "" when none */
} kt_rewritten;

/* m and f describe data[0..len). With prof (a --profile build) every code
 * body is re-encoded with line marks (prof->marks filled, prof->magic
 * settled) and the name section replaced by the placeholders. */
KT_MUST_CHECK kt_err kt_rewrite_module(const uint8_t *data, size_t len, const kt_module *m,
                                       const kt_features *f, kt_profile *prof,
                                       kt_rewritten *out, kt_diag *diag);
void kt_rewritten_fini(kt_rewritten *r);

#endif
