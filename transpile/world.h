/*
 * transpile/world.h - the keyvalue-handle-watch world as core signatures
 * (SPEC §2): one row per import function, with the runtime function its glue
 * forwards to, and the names of the handle-watch exports.
 */
#ifndef KT_WORLD_H
#define KT_WORLD_H

#include <stdint.h>

typedef struct kt_world_func {
    const char *iface;      /* last path segment: "readwrite", "streams", ... */
    const char *name;       /* "get", "drop-input-stream", ... */
    const char *params;     /* one letter per core param: 'i' i32, 'I' i64, 'f' f32, 'F' f64 */
    const char *results;    /* "" or "i" or "I" */
    const char *runtime_fn; /* C function in runtime/kvrt.h, e.g. "kvrt_readwrite_get" */
} kt_world_func;

extern const kt_world_func kt_world_imports[];
extern const uint32_t kt_world_nimports;

/* Index into kt_world_imports of (iface, name), or -1. */
int kt_world_find(const char *iface, const char *name);
/* "(i32, i64, i32) -> ()" style text of a params/results pair, into out. */
void kt_world_sig_text(const char *params, const char *results, char *out, size_t cap);

#endif
