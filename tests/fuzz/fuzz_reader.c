/*
 * tests/fuzz/fuzz_reader.c - libFuzzer target for kvaot's input side: the
 * component walker, the core module reader, the core-feature scan, the
 * world check (with and without --stub-imports) and the module rewrite
 * (start section, tail calls; every other input also as a --profile build:
 * names, the DWARF line table, line marks), on arbitrary bytes. Any crash, ASan report
 * or leak is a bug. `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "component.h"
#include "module.h"
#include "profile.h"
#include "rewrite.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    kt_diag diag;
    memset(&diag, 0, sizeof diag);
    const uint8_t *core = NULL;
    size_t core_len = 0;
    if (kt_pick_core_module(data, len, &core, &core_len, &diag) != KT_OK)
        return 0;
    kt_validate_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.stub_imports = len % 2 == 1;
    kt_guest_check g;
    memset(&diag, 0, sizeof diag);
    if (kt_check_guest(core, core_len, (size_t)(core - data), &opts, &g, &diag) != KT_OK)
        return 0;
    /* every other input as a --profile build: names, DWARF lines, marks */
    kt_profile prof, *profp = NULL;
    if (len % 4 >= 2 && kt_profile_make(core, &g.m, &prof) == 0)
        profp = &prof;
    kt_rewritten rw;
    memset(&diag, 0, sizeof diag);
    if (kt_rewrite_module(core, core_len, &g.m, &g.features, profp, &rw, &diag) == KT_OK) {
        /* what wasm2c would be given must read back, since the input did */
        kt_module out;
        if (rw.data != NULL) {
            if (kt_read_module(rw.data, rw.len, &out, &diag) != KT_OK)
                __builtin_trap();
            kt_module_fini(&out);
        }
        kt_rewritten_fini(&rw);
    }
    if (profp != NULL)
        kt_profile_fini(profp);
    kt_guest_check_fini(&g);
    return 0;
}
