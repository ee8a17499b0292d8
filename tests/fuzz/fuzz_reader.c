/*
 * tests/fuzz/fuzz_reader.c - libFuzzer target for kvaot's input side: the
 * component walker, the core module reader and the world check, on
 * arbitrary bytes. Any crash, ASan report or leak is a bug. `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "component.h"
#include "module.h"
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
    kt_module m;
    memset(&diag, 0, sizeof diag);
    if (kt_read_module(core, core_len, &m, &diag) != KT_OK)
        return 0;
    kt_binding b;
    kt_validate(&m, &b);
    kt_binding_fini(&b);
    kt_module_fini(&m);
    return 0;
}
