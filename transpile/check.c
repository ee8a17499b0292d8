/*
 * transpile/check.c - read + feature scan + world check; see check.h.
 */
#include "check.h"

#include <string.h>

#include "strbuf.h"

kt_err kt_check_guest(const uint8_t *data, size_t len, size_t base,
                      const kt_validate_opts *opts, kt_guest_check *out, kt_diag *diag)
{
    memset(out, 0, sizeof *out);
    kt_err e = kt_read_module(data, len, &out->m, diag);
    if (e == KT_OK) {
        e = kt_scan_features(&out->m, data, len, &out->features, diag);
        if (e != KT_OK)
            kt_module_fini(&out->m);
    }
    if (e != KT_OK) {
        diag->offset += base;      /* the module's offsets, made the input's */
        return e;
    }
    kt_validate_with(&out->m, opts, &out->b);
    for (int f = 1; f < KT_F__COUNT; f++) {
        if (!out->features.use[f].used || kt_feature_supported((kt_feature)f))
            continue;
        kt_sb line;
        kt_sb_init(&line);
        kt_feature_problem(&out->m, &out->features, (kt_feature)f, base, &line);
        kt_binding_add_problem(&out->b, line.failed ? "out of memory" : kt_sb_str(&line));
        kt_sb_fini(&line);
    }
    return KT_OK;
}

void kt_guest_check_fini(kt_guest_check *g)
{
    kt_binding_fini(&g->b);
    kt_module_fini(&g->m);
}
