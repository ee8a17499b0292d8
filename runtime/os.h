/*
 * runtime/os.h - the POSIX pieces: stop signals (SIGINT/SIGTERM), the
 * per-event timer (--timeout), monotonic time, and atomic file replacement.
 * Signal handlers need one process-wide pointer to the context; it lives
 * here and nowhere else.
 */
#ifndef KVRT_OS_H
#define KVRT_OS_H

#include <stdint.h>

#include <stdbool.h>

#include "buf.h"
#include "ctx.h"

/* Install handlers for SIGINT, SIGTERM, SIGALRM; ignore SIGPIPE. */
void kvrt_os_signals(kvrt_ctx *ctx);
/* Did the last trap unwind out of a signal handler (a fault, the deadline,
 * a stop signal)? That leaves the signal blocked, so the caller restores
 * the normal mask; clears the answer. Other traps need no system call. */
bool kvrt_os_trap_left_handler(void);
/* The stop signal received (SIGINT/SIGTERM), or 0. */
int kvrt_os_stop_signal(void);
/* SIGPIPE ignored (a write to a closed pipe or socket is then EPIPE): set
 * before the store connects, kvrt_os_signals keeps it so. */
void kvrt_os_ignore_sigpipe(void);
/* Arm (ms > 0) or disarm (ms == 0) the per-event deadline. */
void kvrt_os_timer(uint32_t ms);
uint64_t kvrt_os_now_ns(void);
/* Sleep for us microseconds (a signal does not cut it short). */
void kvrt_os_sleep_us(uint64_t us);
/* The lowest stack address imports may start at: `here` (an address near
 * the top of the main thread's stack) minus the stack limit, plus a margin
 * that leaves room for any import and the trap path. */
uintptr_t kvrt_os_stack_floor(const void *here);
/* Write data to path atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. Returns 0, or -1 with errno set. */
int kvrt_os_write_atomic(const char *path, const kvrt_buf *data);
/* wasm2c 1.0.32 (guard-page mode) reserves 8 GiB of address space per
 * memory; runtime/memory.c manages those reservations. */
#define KVRT_WASM_RESERVATION 0x200000000ull

/* Fill p[0..n) with random bytes from the OS (getrandom). 0, or -1. */
int kvrt_os_random(uint8_t *p, size_t n);
/* An anonymous memory file (memfd_create, close-on-exec): its fd, or -1. */
int kvrt_os_memfd(const char *name);

/* Write all of buf to fd. Returns 0 or -1 (errno set). */
int kvrt_os_write_all(int fd, const uint8_t *p, size_t n);

#endif
