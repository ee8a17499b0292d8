/*
 * runtime/wasi_p2.h - helpers shared by the WASI 0.2 files (wasi_p2_io.c,
 * wasi_p2_cli.c): WASI resources live in the instance's handle table,
 * kind-checked like the world's; a bad handle traps (canonical ABI).
 */
#ifndef KVRT_WASI_P2_H
#define KVRT_WASI_P2_H

#include "ctx.h"

/* A new handle; traps when the table is full (no result has an error case). */
uint32_t kvrt_wasi_p2_new(kvrt_ctx *ctx, kvrt_hkind kind, const kvrt_res *res);
/* The resource of a live handle of this kind; traps naming `what` otherwise. */
kvrt_res *kvrt_wasi_p2_get(kvrt_ctx *ctx, uint32_t h, kvrt_hkind kind, const char *what);
/* [resource-drop]: traps when there is no such live handle. */
void kvrt_wasi_p2_drop(kvrt_ctx *ctx, uint32_t h, kvrt_hkind kind, const char *what);
/* A pollable ready at the monotonic instant deadline (0: ready now). */
uint32_t kvrt_wasi_p2_new_pollable(kvrt_ctx *ctx, uint64_t deadline);

#endif
