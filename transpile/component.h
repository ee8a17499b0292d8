/*
 * transpile/component.h - finds the guest's core module in the input
 * (SPEC §1 step 1).
 *
 * A core module (preamble 00 61 73 6d 01 00 00 00) is the guest itself,
 * whatever it exports (validation says what is missing). A component
 * (00 61 73 6d 0d 00 01 00) is walked section by section: a 1-byte id and
 * a LEB128 u32 size (non-minimal encodings accepted, at most 5 bytes), the
 * size checked against the bytes left; its core modules are the payloads of
 * id-1 sections, each parsed with kt_read_module. Other sections (types,
 * instances, aliases, canon, custom, ...) are skipped by size; core modules
 * inside nested components (id 4) are not searched. Every failure is a
 * kt_diag with the absolute byte offset of the bad field.
 *
 * Roles of the core modules, from their imports and exports, never from
 * their position:
 *   guest      exports a memory and a handle-watch on-set or on-delete
 *              function (any naming scheme);
 *   wit-component-shim-module   no imports, exports the "$imports" table;
 *   wit-component-fixup         imports that table, exports nothing;
 *   start-shim-module           one import, a () -> () function, and
 *              nothing else (no functions, memory or exports): it only
 *              calls the guest's initialize export at instantiation, which
 *              kvaot's runtime does itself;
 *   wasi-preview1-adapter       wit-component's WASI preview 1 adapter
 *              (SPEC §8.2): exports preview 1 functions, imports only WASI
 *              0.2, "__main_module__" (the guest's exports) and memory;
 *              kvaot provides preview 1 itself (§8.1);
 *   other      anything else (a second program, ...).
 * The helpers only wire the guest to the component's imports and
 * exports, which kvaot does natively, so they are ignored. A component is
 * usable when exactly one module is a guest and none is "other": two
 * guests are rejected as ambiguous (kvaot does not guess), and an "other"
 * module is rejected naming the imports the world does not provide.
 */
#ifndef KT_COMPONENT_H
#define KT_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "module.h"

#define KT_MAX_CORE_MODULES 64   /* per component; more is KT_E_COUNT */

typedef enum kt_role {
    KT_ROLE_GUEST,
    KT_ROLE_SHIM,
    KT_ROLE_FIXUP,
    KT_ROLE_START,
    KT_ROLE_ADAPTER,
    KT_ROLE_OTHER
} kt_role;

typedef struct kt_core_ref {
    size_t offset, len;     /* payload within the input */
    kt_role role;
    uint32_t nimports;      /* all imports of the module */
    uint32_t nforeign;      /* function imports nothing provides: neither
                               of the world nor from __main_module__ */
} kt_core_ref;

typedef struct kt_input_info {
    bool is_component;
    kt_core_ref *mods;      /* in file order; owned, free with kt_input_info_fini */
    uint32_t nmods;
    uint32_t nguests;       /* modules with the guest role */
    uint32_t nnested;       /* nested component sections (not searched) */
    int guest;              /* index into mods when nguests == 1, else -1 */
} kt_input_info;

/* Walks the input and parses (and classifies) every core module in it.
 * Fails only on malformed input: a component without a usable guest scans
 * fine, and kt_component_problem says why it cannot be built. */
KT_MUST_CHECK kt_err kt_scan_input(const uint8_t *data, size_t len, kt_input_info *out,
                                   kt_diag *diag);
void kt_input_info_fini(kt_input_info *info);
/* "guest", "wit-component-shim-module", "wit-component-fixup",
 * "start-shim-module", "wasi-preview1-adapter" or "other". */
const char *kt_role_name(kt_role r);
/* Role of one parsed core module (as found in a component). */
kt_role kt_classify_module(const kt_module *m);
/* True when the import is a function the world provides by name (any
 * naming scheme; the signature is validation's business). */
bool kt_import_in_world(const kt_import *im);
/* True for an import from "__main_module__": wit-component's name, in an
 * adapter's imports, for the guest's own exports. */
bool kt_import_from_guest(const kt_import *im);

/* The k-th reason (k = 0, 1, ...) why a scanned component cannot be built
 * as far as its core modules go: it holds none, no guest, several guests,
 * then (when there is a guest) one per "other" module, naming the function imports nothing would
 * provide (neither the world nor the guest; as many as fit in cap, then
 * "and N more"). Writes one line into
 * out and the byte offset it is about into *at; false when there is no
 * k-th reason (always false for a core module input). data is the input
 * that was scanned into info. */
bool kt_component_problem(const uint8_t *data, const kt_input_info *info, uint32_t k,
                          char *out, size_t cap, size_t *at);

/* The guest core module's bytes (pointing into data): the input itself for
 * a core module, the one guest module of a component. Errors: malformed
 * input (as kt_scan_input), or KT_E_NO_MODULE with the first
 * kt_component_problem as the detail. */
KT_MUST_CHECK kt_err kt_pick_core_module(const uint8_t *data, size_t len, const uint8_t **core,
                                         size_t *core_len, kt_diag *diag);

#endif
