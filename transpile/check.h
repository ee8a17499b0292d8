/*
 * transpile/check.h - the whole check of a guest core module, as `kvaot
 * build` and `kvaot inspect` both need it: read it (reader.c), scan its
 * core features (featscan.c) and check it against the world and the
 * provided imports (validate.c); the refused features are added to the
 * binding's problems, so one list says everything that stops a build.
 */
#ifndef KT_CHECK_H
#define KT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "featscan.h"
#include "module.h"
#include "validate.h"

typedef struct kt_guest_check {
    kt_module m;
    kt_features features;
    kt_binding b;
} kt_guest_check;

/* data[0..len) is the guest core module; base is its offset in the input
 * file (0 for a core module input), added to the offsets in messages.
 * Returns KT_OK with *out filled (free with kt_guest_check_fini) whether
 * or not the guest conforms (out->b.nproblems says), or the reader's or
 * the scan's error for malformed input (nothing to free then). */
KT_MUST_CHECK kt_err kt_check_guest(const uint8_t *data, size_t len, size_t base,
                                    const kt_validate_opts *opts, kt_guest_check *out,
                                    kt_diag *diag);
void kt_guest_check_fini(kt_guest_check *g);

#endif
