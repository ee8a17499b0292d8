/*
 * transpile/provided.h - the imports kvaot provides besides the world's
 * (SPEC §8): WASI preview 1 (wasi_snapshot_preview1, §8.1), WASI 0.2
 * interfaces imported by the guest itself (§8.3), and the host functions
 * toolchains import by default (AssemblyScript's env.abort/seed/trace,
 * Emscripten's env.emscripten_notify_memory_growth). Each is a row like the
 * world's (world.h): core signature and the runtime function the glue
 * forwards to. Also: where an import that nobody provides comes from, so
 * the message can say what it is and how to get rid of it.
 */
#ifndef KT_PROVIDED_H
#define KT_PROVIDED_H

#include <stdbool.h>
#include <stddef.h>

#include "world.h"

typedef enum kt_provider {
    KT_PROV_WORLD = 0,      /* the keyvalue-handle-watch world (world.h) */
    KT_PROV_WASI_P1,
    KT_PROV_WASI_P2,
    KT_PROV_TOOLCHAIN       /* AssemblyScript, Emscripten host functions */
} kt_provider;

/* Where an import comes from, for the ones kvaot does not provide. */
typedef enum kt_origin {
    KT_ORIGIN_OTHER = 0,
    KT_ORIGIN_WASI_P1,          /* wasi_snapshot_preview1, but not a preview 1 function */
    KT_ORIGIN_WASI_UNSTABLE,    /* wasi_unstable (snapshot 0) */
    KT_ORIGIN_WASI_P2,          /* a WASI 0.2 interface or function kvaot does not provide */
    KT_ORIGIN_WASI_OTHER,       /* a wasi: package at another version */
    KT_ORIGIN_ENV,              /* "env": an undefined symbol, or a toolchain's host function */
} kt_origin;

/* The provided row for (module, field), or NULL; *prov says which layer.
 * WASI 0.2 modules match with any @0.2.N, with or without the cm32p2|
 * prefix; preview 1 is exactly "wasi_snapshot_preview1". */
const kt_world_func *kt_provided_find(const char *module, const char *field, kt_provider *prov);
/* True when module names a WASI 0.2 interface (any package but
 * wasi:keyvalue), provided or not: such a module is never the world's. */
bool kt_is_wasi_p2_module(const char *module);
/* What an import nobody provides is, for messages. */
kt_origin kt_import_origin(const char *module);
/* One phrase saying what an import nobody provides is, e.g. "a WASI 0.2
 * function kvaot does not provide". */
const char *kt_origin_phrase(kt_origin o);
const char *kt_provider_name(kt_provider p);

extern const kt_world_func kt_provided_imports[];
extern const size_t kt_provided_nimports;

#endif
