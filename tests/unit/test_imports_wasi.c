/*
 * tests/unit/test_imports_wasi.c - the imports kvaot provides besides the
 * world (SPEC §8), called through the C API in the `imports` suite
 * (harness in test_support_guest.h): WASI preview 1 (EFAULT for bad
 * pointers, checked before fds, nothing written; EBADF; the fdstat layout;
 * environ; clocks; poll_oneoff; proc_exit as a trap), WASI 0.2 (resources
 * in the handle table, traps for bad handles and pointers, closed input
 * streams, lists through realloc), AssemblyScript's abort/trace and the
 * --stub-imports trap. The guest output goes to a pipe the tests read.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "guestio.h"
#include "os.h"
#include "test_support_guest.h"

enum { P1_EBADF = 8, P1_EFAULT = 21, P1_EINVAL = 28, P1_ENOSYS = 52, P1_ESPIPE = 70 };

static int g_pipe[2];

/* Send the guest output to a non-blocking pipe. */
static void capture(void)
{
    cr_assert_eq(pipe2(g_pipe, O_NONBLOCK), 0);
    g_ctx.wasi.out_fd = g_pipe[1];
}

/* What the guest wrote since capture() (NUL-terminated, static). */
static const char *captured(void)
{
    static char buf[4096];
    ssize_t n = read(g_pipe[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void release(void)
{
    close(g_pipe[0]);
    close(g_pipe[1]);
    g_ctx.wasi.out_fd = -1;
}

/* An iovec array of n entries pointing at one string each. */
static uint32_t iovs_of(const char *const *parts, uint32_t n)
{
    uint8_t v[64];
    for (uint32_t i = 0; i < n; i++) {
        gstr s = tg_gs(parts[i]);
        kvrt_put_u32(v + 8 * i, s.ptr);
        kvrt_put_u32(v + 8 * i + 4, s.len);
    }
    return tg_put_bytes(v, 8 * n, 4);
}

/* ---- preview 1: fd_write ------------------------------------------------- */

static void t_fd_write(void)
{
    capture();
    static const char *const parts[] = {"hello, ", "guest\n"};
    uint32_t iovs = iovs_of(parts, 2);
    cr_expect_eq(kvrt_wasi_p1_fd_write(&g_ctx, 1, iovs, 2, R), 0);
    cr_expect_eq(tg_rd32(R), 13);
    cr_expect_eq(kvrt_wasi_p1_fd_pwrite(&g_ctx, 2, iovs, 1, 1234, R), 0, "offset ignored");
    cr_expect_str_eq(captured(), "hello, guest\nhello, ");
    tg_expect_feed("");
    release();
}
Test(imports, p1_fd_write_to_the_guest_output) { tg_guarded(t_fd_write); }

static void t_fd_write_bad(void)
{
    capture();
    static const char *const parts[] = {"abc"};
    uint32_t good = iovs_of(parts, 1);
    uint8_t oob[8];
    kvrt_put_u32(oob, MEM_SIZE - 2);
    kvrt_put_u32(oob + 4, 3);
    uint32_t bad_buf = tg_put_bytes(oob, 8, 4);
    tg_poison(R, 4);
    /* bad pointers: EFAULT, whatever the fd, nothing written */
    cr_expect_eq(kvrt_wasi_p1_fd_write(&g_ctx, 1, bad_buf, 1, R), P1_EFAULT);
    cr_expect_eq(kvrt_wasi_p1_fd_write(&g_ctx, 9, bad_buf, 1, R), P1_EFAULT);
    cr_expect_eq(kvrt_wasi_p1_fd_write(&g_ctx, 1, MEM_SIZE - 4, 1, R), P1_EFAULT, "iovec array");
    cr_expect_eq(kvrt_wasi_p1_fd_write(&g_ctx, 1, good, 1, MEM_SIZE - 3), P1_EFAULT, "nwritten");
    cr_expect_eq(tg_rd32(R), 0xaaaaaaaau, "nwritten untouched");
    /* a bad fd with good pointers */
    cr_expect_eq(kvrt_wasi_p1_fd_write(&g_ctx, 0, good, 1, R), P1_EBADF);
    cr_expect_eq(kvrt_wasi_p1_fd_write(&g_ctx, 7, good, 1, R), P1_EBADF);
    cr_expect_str_eq(captured(), "");
    /* zero iovecs at the very end of memory are in range */
    cr_expect_eq(kvrt_wasi_p1_fd_write(&g_ctx, 1, MEM_SIZE, 0, R), 0);
    cr_expect_eq(tg_rd32(R), 0);
    release();
}
Test(imports, p1_fd_write_efault_before_ebadf) { tg_guarded(t_fd_write_bad); }

static void t_fd_write_none(void)
{
    static const char *const parts[] = {"x"};
    uint32_t iovs = iovs_of(parts, 1);
    g_ctx.wasi.out_fd = -1;         /* --guest-output none */
    cr_expect_eq(kvrt_wasi_p1_fd_write(&g_ctx, 2, iovs, 1, R), 0);
    cr_expect_eq(tg_rd32(R), 1, "dropped, but reported written");
}
Test(imports, p1_guest_output_none) { tg_guarded(t_fd_write_none); }

/* ---- preview 1: fds, environ, clocks, random -------------------------------- */

static void t_fd_misc(void)
{
    tg_poison(R, 24);
    cr_expect_eq(kvrt_wasi_p1_fd_fdstat_get(&g_ctx, 2, R), 0);
    cr_expect_eq(tg_rd8(R), 2, "character device");
    cr_expect_eq(tg_rd8(R + 1), 0, "padding zeroed");
    cr_expect_eq(tg_rd32(R + 2) & 0xffff, 0, "no flags");
    cr_expect_eq(tg_rd64(R + 8), 0x3fffffffu);
    cr_expect_eq(tg_rd64(R + 16), 0x3fffffffu);
    cr_expect_eq(kvrt_wasi_p1_fd_fdstat_get(&g_ctx, 3, R), P1_EBADF);
    cr_expect_eq(kvrt_wasi_p1_fd_fdstat_get(&g_ctx, 3, MEM_SIZE - 8), P1_EFAULT);
    cr_expect_eq(kvrt_wasi_p1_fd_fdstat_set_flags(&g_ctx, 1, 0xffff), 0);
    cr_expect_eq(kvrt_wasi_p1_fd_fdstat_set_flags(&g_ctx, 4, 0), P1_EBADF);
    cr_expect_eq(kvrt_wasi_p1_fd_close(&g_ctx, 0), 0);
    cr_expect_eq(kvrt_wasi_p1_fd_close(&g_ctx, 3), P1_EBADF);
    cr_expect_eq(kvrt_wasi_p1_fd_seek(&g_ctx, 1, 0, 0, R), P1_ESPIPE);
    cr_expect_eq(kvrt_wasi_p1_fd_seek(&g_ctx, 5, 0, 0, R), P1_EBADF);
    cr_expect_eq(kvrt_wasi_p1_fd_seek(&g_ctx, 5, 0, 0, MEM_SIZE - 7), P1_EFAULT);
    cr_expect_eq(kvrt_wasi_p1_fd_tell(&g_ctx, 2, R), P1_ESPIPE);
    cr_expect_eq(kvrt_wasi_p1_fd_tell(&g_ctx, 2, MEM_SIZE), P1_EFAULT);
    cr_expect_eq(kvrt_wasi_p1_fd_prestat_get(&g_ctx, 3, R), P1_EBADF);
    cr_expect_eq(kvrt_wasi_p1_fd_prestat_get(&g_ctx, 3, MEM_SIZE - 4), P1_EFAULT);
    static const char *const parts[] = {"zzzz"};
    uint32_t iovs = iovs_of(parts, 1);
    tg_poison(R2, 4);
    cr_expect_eq(kvrt_wasi_p1_fd_read(&g_ctx, 0, iovs, 1, R2), 0);
    cr_expect_eq(tg_rd32(R2), 0, "end of file");
    cr_expect_eq(kvrt_wasi_p1_fd_read(&g_ctx, 1, iovs, 1, R2), P1_EBADF);
    cr_expect_eq(kvrt_wasi_p1_sched_yield(&g_ctx), 0);
    cr_expect_eq(kvrt_wasi_p1_enosys_iiiiiIIii(&g_ctx, 3, 0, 0, 0, 0, 0, 0, 0, MEM_SIZE),
                 P1_ENOSYS, "path_open checks nothing");
}
Test(imports, p1_fds) { tg_guarded(t_fd_misc); }

static void t_environ(void)
{
    cr_assert_eq(kvrt_guestio_add_env(&g_ctx.wasi, "A=1"), 0);
    cr_assert_eq(kvrt_guestio_add_env(&g_ctx.wasi, "EMPTY="), 0);
    cr_expect_neq(kvrt_guestio_add_env(&g_ctx.wasi, "=x"), 0);
    cr_expect_neq(kvrt_guestio_add_env(&g_ctx.wasi, "NOEQ"), 0);
    cr_expect_eq(kvrt_wasi_p1_environ_sizes_get(&g_ctx, R, R + 4), 0);
    cr_expect_eq(tg_rd32(R), 2);
    cr_expect_eq(tg_rd32(R + 4), 4 + 7);
    uint32_t buf = ARG_BASE + 0x800;
    cr_expect_eq(kvrt_wasi_p1_environ_get(&g_ctx, R2, buf), 0);
    cr_expect_eq(tg_rd32(R2), buf);
    cr_expect_eq(tg_rd32(R2 + 4), buf + 4);
    cr_expect(tg_guest_bytes_eq(buf, 11, "A=1\0EMPTY=\0", 11));
    cr_expect_eq(kvrt_wasi_p1_environ_get(&g_ctx, R2, MEM_SIZE - 10), P1_EFAULT);
    cr_expect_eq(kvrt_wasi_p1_args_sizes_get(&g_ctx, R, R + 4), 0);
    cr_expect_eq(tg_rd32(R), 0);
    cr_expect_eq(kvrt_wasi_p1_args_get(&g_ctx, MEM_SIZE, MEM_SIZE), 0);
    cr_expect_eq(kvrt_wasi_p1_args_get(&g_ctx, MEM_SIZE + 1, 0), P1_EFAULT);
    kvrt_guestio_fini(&g_ctx.wasi);
    g_ctx.wasi.out_fd = -1;
}
Test(imports, p1_environ_and_args) { tg_guarded(t_environ); }

static void t_clocks_random(void)
{
    tg_poison(R, 8);
    for (uint32_t id = 0; id < 4; id++) {
        cr_expect_eq(kvrt_wasi_p1_clock_time_get(&g_ctx, id, 0, R), 0, "clock %u", id);
        cr_expect_eq(kvrt_wasi_p1_clock_res_get(&g_ctx, id, R2), 0, "clock %u", id);
        cr_expect_gt(tg_rd64(R2), 0, "clock %u resolution", id);
    }
    cr_expect_gt(tg_rd64(R), 0);
    cr_expect_eq(kvrt_wasi_p1_clock_time_get(&g_ctx, 4, 0, R), P1_EINVAL);
    cr_expect_eq(kvrt_wasi_p1_clock_res_get(&g_ctx, 99, R), P1_EINVAL);
    cr_expect_eq(kvrt_wasi_p1_clock_time_get(&g_ctx, 4, 0, MEM_SIZE - 1), P1_EFAULT);
    /* random_get fills, also a large range; one byte past the end: EFAULT */
    uint32_t big = 0x40000;
    memset(g_mem.data + big, 0, 0x40000);
    cr_expect_eq(kvrt_wasi_p1_random_get(&g_ctx, big, 0x40000), 0);
    size_t zeros = 0;
    for (size_t i = 0; i < 0x40000; i++)
        zeros += g_mem.data[big + i] == 0;
    cr_expect_lt(zeros, 0x40000 / 64, "%zu zero bytes: not random", zeros);
    cr_expect_eq(kvrt_wasi_p1_random_get(&g_ctx, MEM_SIZE - 4, 5), P1_EFAULT);
    cr_expect_eq(kvrt_wasi_p1_random_get(&g_ctx, MEM_SIZE, 0), 0);
}
Test(imports, p1_clocks_and_random) { tg_guarded(t_clocks_random); }

/* ---- preview 1: poll_oneoff ----------------------------------------------------- */

/* A 48-byte subscription at off: userdata, tag, then the clock or fd part. */
static void put_sub(uint32_t off, uint64_t userdata, uint8_t tag, uint32_t id_or_fd,
                    uint64_t timeout, uint16_t flags)
{
    uint8_t *p = g_mem.data + off;
    memset(p, 0, 48);
    kvrt_put_u64(p, userdata);
    p[8] = tag;
    kvrt_put_u32(p + 16, id_or_fd);
    kvrt_put_u64(p + 24, timeout);
    memcpy(p + 40, &flags, 2);
}

#define SUBS 0x2000u
#define EVS 0x3000u
#define NEV 0x3800u

static void t_poll(void)
{
    cr_expect_eq(kvrt_wasi_p1_poll_oneoff(&g_ctx, SUBS, EVS, 0, NEV), P1_EINVAL, "none");
    cr_expect_eq(kvrt_wasi_p1_poll_oneoff(&g_ctx, MEM_SIZE - 40, EVS, 1, NEV), P1_EFAULT);
    cr_expect_eq(kvrt_wasi_p1_poll_oneoff(&g_ctx, SUBS, MEM_SIZE - 16, 1, NEV), P1_EFAULT);
    put_sub(SUBS, 1, 3, 0, 0, 0);
    cr_expect_eq(kvrt_wasi_p1_poll_oneoff(&g_ctx, SUBS, EVS, 1, NEV), P1_EINVAL, "tag 3");

    /* a 1 ms relative clock: sleeps, then it is due */
    put_sub(SUBS, 0x11, 0, 1, 1000000, 0);
    uint64_t t0 = kvrt_os_now_ns();
    cr_expect_eq(kvrt_wasi_p1_poll_oneoff(&g_ctx, SUBS, EVS, 1, NEV), 0);
    cr_expect_geq(kvrt_os_now_ns() - t0, 1000000u, "it slept");
    cr_expect_eq(tg_rd32(NEV), 1);
    cr_expect_eq(tg_rd64(EVS), 0x11);
    cr_expect_eq(tg_rd8(EVS + 8), 0, "error");
    cr_expect_eq(tg_rd8(EVS + 10), 0, "type clock");

    /* an absolute deadline in the past on the realtime clock: due at once */
    put_sub(SUBS, 0x12, 0, 0, 1, 1);
    cr_expect_eq(kvrt_wasi_p1_poll_oneoff(&g_ctx, SUBS, EVS, 1, NEV), 0);
    cr_expect_eq(tg_rd32(NEV), 1);

    /* an fd subscription and a 60 s clock: the fd one completes at once
     * with EBADF and the call does not sleep; a bad clock id completes
     * with EINVAL */
    put_sub(SUBS, 0x21, 1, 0, 0, 0);
    put_sub(SUBS + 48, 0x22, 0, 1, 60000000000ull, 0);
    put_sub(SUBS + 96, 0x23, 0, 7, 0, 0);
    t0 = kvrt_os_now_ns();
    cr_expect_eq(kvrt_wasi_p1_poll_oneoff(&g_ctx, SUBS, EVS, 3, NEV), 0);
    cr_expect_lt(kvrt_os_now_ns() - t0, 1000000000u, "did not sleep");
    cr_expect_eq(tg_rd32(NEV), 2);
    cr_expect_eq(tg_rd64(EVS), 0x21);
    cr_expect_eq(tg_rd8(EVS + 8), P1_EBADF);
    cr_expect_eq(tg_rd8(EVS + 10), 1, "type fd_read");
    cr_expect_eq(tg_rd64(EVS + 32), 0x23);
    cr_expect_eq(tg_rd8(EVS + 40), P1_EINVAL);

    /* events written over the subscriptions still carry their userdata */
    put_sub(SUBS, 0x31, 2, 9, 0, 0);
    cr_expect_eq(kvrt_wasi_p1_poll_oneoff(&g_ctx, SUBS, SUBS, 1, NEV), 0);
    cr_expect_eq(tg_rd64(SUBS), 0x31);
    cr_expect_eq(tg_rd8(SUBS + 10), 2, "type fd_write");
}
Test(imports, p1_poll_oneoff) { tg_guarded(t_poll); }

static void call_proc_exit(void) { kvrt_wasi_p1_proc_exit(&g_ctx, 42); }
static void call_proc_raise(void) { kvrt_wasi_p1_proc_raise(&g_ctx, 6); }

static void t_proc(void)
{
    const char *why = tg_trap_of(call_proc_exit);
    cr_assert_not_null(why);
    cr_expect_str_eq(why, "guest called proc_exit(42)");
    why = tg_trap_of(call_proc_raise);
    cr_assert_not_null(why);
    cr_expect_str_eq(why, "guest called proc_raise(6)");
}
Test(imports, p1_proc_exit_traps) { tg_guarded(t_proc); }

/* ---- WASI 0.2 --------------------------------------------------------------------- */

static uint32_t g_h;

static void write_bad_handle(void) { kvrt_wasi_p2_out_write(&g_ctx, BADH, tg_gs("x").ptr, 1, R); }
static void write_stdin(void) { kvrt_wasi_p2_out_write(&g_ctx, g_h, tg_gs("x").ptr, 1, R); }
static void write_oob(void) { kvrt_wasi_p2_out_write(&g_ctx, g_h, MEM_SIZE - 1, 2, R); }
static void check_write_misaligned(void) { kvrt_wasi_p2_out_check_write(&g_ctx, g_h, R + 4); }
static void drop_twice(void) { kvrt_wasi_p2_drop_output_stream(&g_ctx, g_h); }
static void poll_empty(void) { kvrt_wasi_p2_poll(&g_ctx, R2, 0, R); }
static void exit_ok(void) { kvrt_wasi_p2_exit(&g_ctx, 0); }
static void exit_err(void) { kvrt_wasi_p2_exit(&g_ctx, 1); }
static void exit_bad(void) { kvrt_wasi_p2_exit(&g_ctx, 2); }
static void fs_error_code(void) { kvrt_wasi_p2_filesystem_error_code(&g_ctx, BADH, R); }
static void drop_terminal(void) { kvrt_wasi_p2_drop_terminal(&g_ctx, 1); }

static void t_p2_streams(void)
{
    capture();
    uint32_t out = kvrt_wasi_p2_get_stdout(&g_ctx);
    uint32_t err = kvrt_wasi_p2_get_stderr(&g_ctx);
    uint32_t in = kvrt_wasi_p2_get_stdin(&g_ctx);
    cr_expect_neq(out, err);
    gstr s = tg_gs("to stdout;");
    tg_poison(R, 16);
    kvrt_wasi_p2_out_write(&g_ctx, out, s.ptr, s.len, R);
    cr_expect_eq(tg_rd8(R), 0);
    kvrt_wasi_p2_out_write_zeroes(&g_ctx, err, 2, R);
    cr_expect_eq(tg_rd8(R), 0);
    char want[16] = "to stdout;";
    cr_expect(memcmp(captured(), want, 12) == 0, "written where fd 1/2 go");
    kvrt_wasi_p2_out_check_write(&g_ctx, out, R);
    cr_expect_eq(tg_rd8(R), 0);
    cr_expect_eq(tg_rd64(R + 8), 1u << 20);
    kvrt_wasi_p2_out_flush(&g_ctx, out, R);
    cr_expect_eq(tg_rd8(R), 0);
    /* input streams are closed: err(closed) */
    tg_poison(R, 16);
    tg_reset_realloc_log();
    kvrt_wasi_p2_in_read(&g_ctx, in, 10, R);
    cr_expect_eq(tg_rd8(R), 1);
    cr_expect_eq(tg_rd8(R + 4), 1, "closed");
    cr_expect_eq(g_tg.calls, 0, "nothing allocated");
    kvrt_wasi_p2_in_skip(&g_ctx, in, 10, R);
    cr_expect_eq(tg_rd8(R), 1);
    cr_expect_eq(tg_rd8(R + 8), 1, "closed");
    kvrt_wasi_p2_out_splice(&g_ctx, out, in, 10, R);
    cr_expect_eq(tg_rd8(R), 1);
    cr_expect_eq(tg_rd8(R + 8), 1, "closed");
    /* streams are always ready */
    uint32_t p = kvrt_wasi_p2_out_subscribe(&g_ctx, out);
    cr_expect_eq(kvrt_wasi_p2_pollable_ready(&g_ctx, p), 1);
    kvrt_wasi_p2_drop_pollable(&g_ctx, p);
    tg_expect_feed("");
    /* bad handles, wrong kinds, bad pointers: traps */
    cr_expect_not_null(tg_trap_of(write_bad_handle));
    g_h = in;
    cr_expect_not_null(tg_trap_of(write_stdin), "an input stream is not an output stream");
    g_h = out;
    cr_expect_not_null(tg_trap_of(write_oob));
    cr_expect_not_null(tg_trap_of(check_write_misaligned));
    kvrt_wasi_p2_drop_output_stream(&g_ctx, out);
    cr_expect_not_null(tg_trap_of(drop_twice));
    release();
}
Test(imports, p2_streams) { tg_guarded(t_p2_streams); }

static void t_p2_poll_and_clocks(void)
{
    uint64_t t0 = kvrt_wasi_p2_mono_now(&g_ctx);
    uint32_t soon = kvrt_wasi_p2_mono_subscribe_duration(&g_ctx, 2000000);
    uint32_t later = kvrt_wasi_p2_mono_subscribe_duration(&g_ctx, 60000000000ull);
    uint8_t list[8];
    kvrt_put_u32(list, later);
    kvrt_put_u32(list + 4, soon);
    uint32_t lp = tg_put_bytes(list, 8, 4);
    kvrt_wasi_p2_poll(&g_ctx, lp, 2, R);
    cr_expect_geq(kvrt_wasi_p2_mono_now(&g_ctx) - t0, 2000000u, "poll blocked");
    cr_expect_eq(tg_rd32(R + 4), 1, "one ready");
    cr_expect_eq(tg_rd32(tg_rd32(R)), 1, "the second one");
    cr_expect_eq(kvrt_wasi_p2_pollable_ready(&g_ctx, later), 0);
    uint32_t past = kvrt_wasi_p2_mono_subscribe_instant(&g_ctx, 1);
    kvrt_wasi_p2_pollable_block(&g_ctx, past);
    cr_expect_not_null(tg_trap_of(poll_empty));
    kvrt_wasi_p2_wall_now(&g_ctx, R);
    cr_expect_gt(tg_rd64(R), 1700000000u, "seconds since 1970");
    cr_expect_lt(tg_rd32(R + 8), 1000000000u);
    cr_expect_gt(kvrt_wasi_p2_mono_resolution(&g_ctx), 0);
}
Test(imports, p2_poll_and_clocks) { tg_guarded(t_p2_poll_and_clocks); }

static void t_p2_cli(void)
{
    cr_assert_eq(kvrt_guestio_add_env(&g_ctx.wasi, "KEY=va=lue"), 0);
    tg_reset_realloc_log();
    kvrt_wasi_p2_get_environment(&g_ctx, R);
    cr_expect_eq(tg_rd32(R + 4), 1);
    uint32_t e = tg_rd32(R);
    cr_expect(tg_guest_bytes_eq(tg_rd32(e), tg_rd32(e + 4), "KEY", 3));
    cr_expect(tg_guest_bytes_eq(tg_rd32(e + 8), tg_rd32(e + 12), "va=lue", 6));
    cr_expect_eq(g_tg.calls, 3, "the list and two strings through realloc");
    cr_expect_eq(g_tg.log_align[0], 4);
    cr_expect_eq(g_tg.log_size[0], 16);
    tg_reset_realloc_log();
    kvrt_wasi_p2_get_arguments(&g_ctx, R);
    cr_expect_eq(tg_rd32(R + 4), 0);
    cr_expect_eq(g_tg.calls, 1, "realloc also for an empty list");
    kvrt_wasi_p2_get_directories(&g_ctx, R);
    cr_expect_eq(tg_rd32(R + 4), 0);
    tg_poison(R, 12);
    kvrt_wasi_p2_initial_cwd(&g_ctx, R);
    cr_expect_eq(tg_rd8(R), 0, "none");
    kvrt_wasi_p2_get_terminal(&g_ctx, R);
    cr_expect_eq(tg_rd8(R), 0, "none");
    kvrt_wasi_p2_random_bytes(&g_ctx, 32, R);
    cr_expect_eq(tg_rd32(R + 4), 32);
    kvrt_wasi_p2_insecure_seed(&g_ctx, R);
    const char *why = tg_trap_of(exit_ok);
    cr_expect_str_eq(why, "guest called exit(ok)");
    why = tg_trap_of(exit_err);
    cr_expect_str_eq(why, "guest called exit(err)");
    cr_expect_not_null(tg_trap_of(exit_bad));
    cr_expect_not_null(tg_trap_of(fs_error_code), "no such error handle");
    cr_expect_not_null(tg_trap_of(drop_terminal), "terminals are never made");
    kvrt_guestio_fini(&g_ctx.wasi);
    g_ctx.wasi.out_fd = -1;
}
Test(imports, p2_cli_random_filesystem) { tg_guarded(t_p2_cli); }

/* ---- toolchain functions, stubs ------------------------------------------------------- */

/* An AssemblyScript string: its UTF-16LE bytes, their length in the u32
 * before them. */
static uint32_t as_str(const char *ascii)
{
    uint8_t buf[256];
    size_t n = strlen(ascii);
    kvrt_put_u32(buf, (uint32_t)(2 * n));
    for (size_t i = 0; i < n; i++) {
        buf[4 + 2 * i] = (uint8_t)ascii[i];
        buf[5 + 2 * i] = 0;
    }
    return tg_put_bytes(buf, 4 + 2 * n, 4) + 4;
}

static uint32_t g_msg, g_file;
static void as_abort(void) { kvrt_as_abort(&g_ctx, g_msg, g_file, 12, 7); }
static void stub(void) { kvrt_stub_trap(&g_ctx, "wasi:http/types@0.2.0", "[constructor]fields"); }

static void t_toolchain(void)
{
    g_msg = as_str("boom");
    g_file = as_str("guest.ts");
    cr_expect_str_eq(tg_trap_of(as_abort), "abort: boom at guest.ts:12:7");
    g_msg = 0;
    kvrt_put_u32(g_mem.data + MEM_SIZE - 8, 1000);
    g_file = MEM_SIZE - 4;      /* 1000 bytes from here run past the end */
    cr_expect_str_eq(tg_trap_of(as_abort), "abort: null at ?:12:7");
    cr_expect_str_eq(tg_trap_of(stub), "guest called wasi:http/types@0.2.0 [constructor]fields, "
                                       "which this executable does not provide");
    capture();
    kvrt_as_trace(&g_ctx, as_str("count"), 2, 1.0, 2.5, 0, 0, 0);
    kvrt_as_trace(&g_ctx, as_str("none"), 0, 9, 9, 9, 9, 9);
    cr_expect_str_eq(captured(), "trace: count 1, 2.5\ntrace: none\n");
    release();
    double s = kvrt_as_seed(&g_ctx);
    cr_expect(s >= 0 && s < 9007199254740992.0);
    kvrt_emscripten_notify_memory_growth(&g_ctx, 0);
}
Test(imports, toolchain_functions_and_stubs) { tg_guarded(t_toolchain); }
