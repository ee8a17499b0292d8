/*
 * runtime/kvrt_wasi.h - the imports kvaot provides besides the world's
 * (SPEC §8), included by kvrt.h: WASI preview 1 (wasi_p1.c), WASI 0.2
 * (wasi_p2_io.c, wasi_p2_cli.c), the toolchain host functions and the
 * --stub-imports trap (toolchain_env.c). Same conventions as kvrt.h: the
 * context first, then the core arguments (i32 -> uint32_t, i64 ->
 * uint64_t, f64 -> double), the return pointer last.
 *
 * Preview 1 functions return their errno (0 = success); a bad pointer is
 * EFAULT, not a trap. WASI 0.2 functions follow the canonical ABI: a bad
 * pointer or handle traps.
 */
#ifndef KVRT_WASI_H
#define KVRT_WASI_H

#include <stdint.h>

typedef struct kvrt_ctx kvrt_ctx;

/* ---- wasi_snapshot_preview1 --------------------------------------------- */
uint32_t kvrt_wasi_p1_args_get(kvrt_ctx *ctx, uint32_t argv, uint32_t buf);
uint32_t kvrt_wasi_p1_args_sizes_get(kvrt_ctx *ctx, uint32_t argc_ret, uint32_t size_ret);
uint32_t kvrt_wasi_p1_environ_get(kvrt_ctx *ctx, uint32_t environ, uint32_t buf);
uint32_t kvrt_wasi_p1_environ_sizes_get(kvrt_ctx *ctx, uint32_t count_ret, uint32_t size_ret);
uint32_t kvrt_wasi_p1_clock_res_get(kvrt_ctx *ctx, uint32_t id, uint32_t ret);
uint32_t kvrt_wasi_p1_clock_time_get(kvrt_ctx *ctx, uint32_t id, uint64_t precision, uint32_t ret);
uint32_t kvrt_wasi_p1_fd_close(kvrt_ctx *ctx, uint32_t fd);
uint32_t kvrt_wasi_p1_fd_fdstat_get(kvrt_ctx *ctx, uint32_t fd, uint32_t ret);
uint32_t kvrt_wasi_p1_fd_fdstat_set_flags(kvrt_ctx *ctx, uint32_t fd, uint32_t flags);
uint32_t kvrt_wasi_p1_fd_prestat_get(kvrt_ctx *ctx, uint32_t fd, uint32_t ret);
uint32_t kvrt_wasi_p1_fd_pwrite(kvrt_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                uint64_t offset, uint32_t nwritten_ret);
uint32_t kvrt_wasi_p1_fd_read(kvrt_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                              uint32_t nread_ret);
uint32_t kvrt_wasi_p1_fd_seek(kvrt_ctx *ctx, uint32_t fd, uint64_t offset, uint32_t whence,
                              uint32_t ret);
uint32_t kvrt_wasi_p1_fd_tell(kvrt_ctx *ctx, uint32_t fd, uint32_t ret);
uint32_t kvrt_wasi_p1_fd_write(kvrt_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                               uint32_t nwritten_ret);
uint32_t kvrt_wasi_p1_poll_oneoff(kvrt_ctx *ctx, uint32_t in, uint32_t out, uint32_t nsubs,
                                  uint32_t nevents_ret);
void kvrt_wasi_p1_proc_exit(kvrt_ctx *ctx, uint32_t code);
uint32_t kvrt_wasi_p1_proc_raise(kvrt_ctx *ctx, uint32_t sig);
uint32_t kvrt_wasi_p1_sched_yield(kvrt_ctx *ctx);
uint32_t kvrt_wasi_p1_random_get(kvrt_ctx *ctx, uint32_t buf, uint32_t len);
/* Every other preview 1 function answers ENOSYS (52) and checks nothing;
 * one of these per core signature (I = an i64 parameter). */
uint32_t kvrt_wasi_p1_enosys_i(kvrt_ctx *ctx, uint32_t a);
uint32_t kvrt_wasi_p1_enosys_ii(kvrt_ctx *ctx, uint32_t a, uint32_t b);
uint32_t kvrt_wasi_p1_enosys_iI(kvrt_ctx *ctx, uint32_t a, uint64_t b);
uint32_t kvrt_wasi_p1_enosys_iii(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c);
uint32_t kvrt_wasi_p1_enosys_iII(kvrt_ctx *ctx, uint32_t a, uint64_t b, uint64_t c);
uint32_t kvrt_wasi_p1_enosys_iIIi(kvrt_ctx *ctx, uint32_t a, uint64_t b, uint64_t c, uint32_t d);
uint32_t kvrt_wasi_p1_enosys_iiiii(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                   uint32_t d, uint32_t e);
uint32_t kvrt_wasi_p1_enosys_iiiIi(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                   uint64_t d, uint32_t e);
uint32_t kvrt_wasi_p1_enosys_iiiiii(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                    uint32_t d, uint32_t e, uint32_t f);
uint32_t kvrt_wasi_p1_enosys_iiiiIIi(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                     uint32_t d, uint64_t e, uint64_t f, uint32_t g);
uint32_t kvrt_wasi_p1_enosys_iiiiiii(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                     uint32_t d, uint32_t e, uint32_t f, uint32_t g);
uint32_t kvrt_wasi_p1_enosys_iiiiiIIii(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                       uint32_t d, uint32_t e, uint64_t f, uint64_t g,
                                       uint32_t h, uint32_t i);

/* ---- WASI 0.2: wasi:io ---------------------------------------------------- */
void kvrt_wasi_p2_out_check_write(kvrt_ctx *ctx, uint32_t self, uint32_t ret);
void kvrt_wasi_p2_out_write(kvrt_ctx *ctx, uint32_t self, uint32_t ptr, uint32_t len, uint32_t ret);
void kvrt_wasi_p2_out_flush(kvrt_ctx *ctx, uint32_t self, uint32_t ret);
void kvrt_wasi_p2_out_write_zeroes(kvrt_ctx *ctx, uint32_t self, uint64_t len, uint32_t ret);
void kvrt_wasi_p2_out_splice(kvrt_ctx *ctx, uint32_t self, uint32_t src, uint64_t len, uint32_t ret);
uint32_t kvrt_wasi_p2_out_subscribe(kvrt_ctx *ctx, uint32_t self);
void kvrt_wasi_p2_in_read(kvrt_ctx *ctx, uint32_t self, uint64_t len, uint32_t ret);
void kvrt_wasi_p2_in_skip(kvrt_ctx *ctx, uint32_t self, uint64_t len, uint32_t ret);
uint32_t kvrt_wasi_p2_in_subscribe(kvrt_ctx *ctx, uint32_t self);
void kvrt_wasi_p2_drop_input_stream(kvrt_ctx *ctx, uint32_t h);
void kvrt_wasi_p2_drop_output_stream(kvrt_ctx *ctx, uint32_t h);
void kvrt_wasi_p2_error_to_debug_string(kvrt_ctx *ctx, uint32_t self, uint32_t ret);
void kvrt_wasi_p2_drop_error(kvrt_ctx *ctx, uint32_t h);
void kvrt_wasi_p2_poll(kvrt_ctx *ctx, uint32_t list, uint32_t len, uint32_t ret);
uint32_t kvrt_wasi_p2_pollable_ready(kvrt_ctx *ctx, uint32_t self);
void kvrt_wasi_p2_pollable_block(kvrt_ctx *ctx, uint32_t self);
void kvrt_wasi_p2_drop_pollable(kvrt_ctx *ctx, uint32_t h);

/* ---- WASI 0.2: wasi:cli, clocks, random, filesystem ----------------------- */
uint32_t kvrt_wasi_p2_get_stdout(kvrt_ctx *ctx);
uint32_t kvrt_wasi_p2_get_stderr(kvrt_ctx *ctx);
uint32_t kvrt_wasi_p2_get_stdin(kvrt_ctx *ctx);
void kvrt_wasi_p2_get_terminal(kvrt_ctx *ctx, uint32_t ret);
void kvrt_wasi_p2_drop_terminal(kvrt_ctx *ctx, uint32_t h);
void kvrt_wasi_p2_get_environment(kvrt_ctx *ctx, uint32_t ret);
void kvrt_wasi_p2_get_arguments(kvrt_ctx *ctx, uint32_t ret);
void kvrt_wasi_p2_initial_cwd(kvrt_ctx *ctx, uint32_t ret);
void kvrt_wasi_p2_exit(kvrt_ctx *ctx, uint32_t status);
void kvrt_wasi_p2_wall_now(kvrt_ctx *ctx, uint32_t ret);
void kvrt_wasi_p2_wall_resolution(kvrt_ctx *ctx, uint32_t ret);
uint64_t kvrt_wasi_p2_mono_now(kvrt_ctx *ctx);
uint64_t kvrt_wasi_p2_mono_resolution(kvrt_ctx *ctx);
uint32_t kvrt_wasi_p2_mono_subscribe_instant(kvrt_ctx *ctx, uint64_t when);
uint32_t kvrt_wasi_p2_mono_subscribe_duration(kvrt_ctx *ctx, uint64_t duration);
void kvrt_wasi_p2_random_bytes(kvrt_ctx *ctx, uint64_t len, uint32_t ret);
uint64_t kvrt_wasi_p2_random_u64(kvrt_ctx *ctx);
void kvrt_wasi_p2_insecure_seed(kvrt_ctx *ctx, uint32_t ret);
void kvrt_wasi_p2_get_directories(kvrt_ctx *ctx, uint32_t ret);
void kvrt_wasi_p2_filesystem_error_code(kvrt_ctx *ctx, uint32_t err, uint32_t ret);

/* ---- toolchain host functions, stubs --------------------------------------- */
/* AssemblyScript env.abort(message, file, line, column): a trap carrying
 * AssemblyScript's message, file, line and column. */
void kvrt_as_abort(kvrt_ctx *ctx, uint32_t msg, uint32_t file, uint32_t line, uint32_t col);
/* AssemblyScript env.seed(): a random seed for Math.random. */
double kvrt_as_seed(kvrt_ctx *ctx);
/* AssemblyScript env.trace(message, n, a0..a4): one line on the guest output. */
void kvrt_as_trace(kvrt_ctx *ctx, uint32_t msg, uint32_t n, double a0, double a1, double a2,
                   double a3, double a4);
/* Emscripten's memory growth notification: nothing to do. */
void kvrt_emscripten_notify_memory_growth(kvrt_ctx *ctx, uint32_t memory_index);
/* A --stub-imports import was called: trap naming it. */
_Noreturn void kvrt_stub_trap(kvrt_ctx *ctx, const char *module, const char *name);

#endif
