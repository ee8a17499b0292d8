/*
 * runtime/guestio.h - the guest's side channel (SPEC §8): bytes the guest
 * writes to its fd 1 or 2 (WASI preview 1) or to its stdout/stderr streams
 * (WASI 0.2) go to the executable's stderr, to a --guest-output file, or
 * nowhere; never to stdout, which is the change feed. Written at once (one
 * write(2) per call), so they are not rolled back with a trapped event.
 */
#ifndef KVRT_GUESTIO_H
#define KVRT_GUESTIO_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

/* Where the guest's output goes: "none", a file opened for append (created
 * 0644), or NULL for stderr. Returns 0, or -1 with errno set. */
int kvrt_guestio_open(kvrt_wasi *w, const char *target);
/* Add one --env NAME=VALUE pair (NAME non-empty). 0, or -1 when the pair is
 * malformed (errno EINVAL) or out of memory (ENOMEM). */
int kvrt_guestio_add_env(kvrt_wasi *w, const char *pair);
void kvrt_guestio_fini(kvrt_wasi *w);
/* Write the guest's bytes. Returns 0, or -1 when the write failed. */
int kvrt_guestio_write(kvrt_ctx *ctx, const uint8_t *p, size_t n);
/* n zero bytes, in chunks; stops early (returning 0) when the --timeout
 * deadline passes, so the import traps on return. */
int kvrt_guestio_write_zeroes(kvrt_ctx *ctx, uint64_t n);
/* Random bytes from the OS, in chunks, stopping early like write_zeroes. */
int kvrt_guestio_random(kvrt_ctx *ctx, uint8_t *p, size_t n);
/* Sleep until the monotonic time deadline (kvrt_os_now_ns's clock). A
 * --timeout that passes ends the sleep early (the import traps on return);
 * SIGINT/SIGTERM trap at once ("interrupted"). */
void kvrt_guestio_sleep_until(kvrt_ctx *ctx, uint64_t deadline);

#endif
