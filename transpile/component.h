/*
 * transpile/component.h - finds the guest's core module in the input. A
 * core module (preamble 00 61 73 6d 01 00 00 00) is the guest itself. A
 * component (00 61 73 6d 0d 00 01 00) is walked section by section (1-byte
 * id, LEB128 u32 size, non-minimal LEB128 accepted); its core modules are
 * the payloads of id-1 sections. The guest is the module that exports the
 * handle-watch on-set function and a memory (never chosen by position);
 * wit-component's shim (no imports, exports the "$imports" table) and fixup
 * (imports that table, exports nothing) are recognised; any other core module (a
 * WASI adapter, say) makes the component unusable.
 */
#ifndef KT_COMPONENT_H
#define KT_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "module.h"

typedef enum kt_role {
    KT_ROLE_GUEST,
    KT_ROLE_SHIM,
    KT_ROLE_FIXUP,
    KT_ROLE_OTHER
} kt_role;

typedef struct kt_core_ref {
    size_t offset, len;     /* payload within the input */
    kt_role role;
} kt_core_ref;

typedef struct kt_input_info {
    bool is_component;
    kt_core_ref *mods;      /* in file order */
    uint32_t nmods;
    int guest;              /* index into mods, -1 when none */
} kt_input_info;

KT_MUST_CHECK kt_err kt_scan_input(const uint8_t *data, size_t len, kt_input_info *out, kt_diag *diag);
void kt_input_info_fini(kt_input_info *info);
const char *kt_role_name(kt_role r);
/* Role of one parsed core module. */
kt_role kt_classify_module(const kt_module *m);

/* The guest core module's bytes (pointing into data). Errors (with the
 * diag detail saying why): no guest module, several, or other modules that
 * the world cannot provide for. */
KT_MUST_CHECK kt_err kt_pick_core_module(const uint8_t *data, size_t len, const uint8_t **core,
                                         size_t *core_len, kt_diag *diag);

#endif
