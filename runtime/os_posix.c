/*
 * runtime/os_posix.c - signals, timer, clock and atomic writes; see os.h.
 *
 * A stop signal or an expired deadline that arrives while the guest runs
 * turns into a trap right away (the event is then rolled back); while the
 * host runs an import it only sets a flag, and the import traps when it
 * returns (kvrt_host_leave), so the store is never left half-updated.
 */
#include "os.h"
#include "wtrack.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static kvrt_ctx *g_ctx;
static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_trap_in_handler;   /* see kvrt_os_trap_left_handler */

/* A trap raised from a signal handler: the signal stays blocked after the
 * unwind, which the trap guard undoes. */
static void trap_from_handler(wasm_rt_trap_t code)
{
    g_trap_in_handler = 1;
    wasm_rt_trap(code);
}

bool kvrt_os_trap_left_handler(void)
{
    bool was = g_trap_in_handler != 0;
    g_trap_in_handler = 0;
    return was;
}

static void on_stop(int sig)
{
    g_stop = sig;
    if (g_ctx != NULL && !g_ctx->head.in_host) {
        g_ctx->trap_reason = sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)";
        trap_from_handler(WASM_RT_TRAP_UNREACHABLE);
    }
}

static void on_alarm(int sig)
{
    (void)sig;
    if (g_ctx == NULL)
        return;
    if (g_ctx->head.in_host) {
        g_ctx->head.timer_fired = 1;
        return;
    }
    g_ctx->trap_reason = "time limit (--timeout) exceeded";
    trap_from_handler(WASM_RT_TRAP_UNREACHABLE);
}

/* Replaces wasm2c's SIGSEGV/SIGBUS handler (which turns every fault into a
 * trap). A fault while guest code runs is a trap as before: an access
 * violation is an out-of-bounds access (guard pages), anything else is the
 * stack running out. A fault while the host runs is a bug in kvaot, not in
 * the guest: unwinding from it would leave the store half-updated, so it
 * is reported and the process aborts (exit by SIGABRT, with a core dump
 * where enabled) instead of being passed off as a guest trap. Before all
 * that, the first write to a page of a memory under write tracking
 * (wtrack.h), by guest or host code, is let through. Every signal is
 * blocked while it runs, so no trap from a timer or a stop signal cuts
 * the tracking's bookkeeping in half. */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (kvrt_wtrack_fault(si->si_addr))
        return;                     /* a tracked page's first write: done again */
    if (g_ctx != NULL && !g_ctx->head.in_host)
        trap_from_handler(si->si_code == SEGV_ACCERR ? WASM_RT_TRAP_OOB : WASM_RT_TRAP_EXHAUSTION);
    static const char msg[] = "kvaot runtime: internal error: memory fault in host code; aborting\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    signal(sig, SIG_DFL);
    abort();
}

void kvrt_os_signals(kvrt_ctx *ctx)
{
    g_ctx = ctx;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigfillset(&sa.sa_mask);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;  /* wasm_rt_init set up the alt stack */
    if (sigaction(SIGSEGV, &sa, NULL) == 0)
        kvrt_wtrack_enable();
    sigaction(SIGBUS, &sa, NULL);
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;        /* no SA_RESTART: a blocked read returns */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

void kvrt_os_ignore_sigpipe(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

int kvrt_os_stop_signal(void)
{
    return g_stop;
}

void kvrt_os_timer(uint32_t ms)
{
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = ms / 1000;
    it.it_value.tv_usec = (suseconds_t)(ms % 1000) * 1000;
    setitimer(ITIMER_REAL, &it, NULL);
}

uint64_t kvrt_os_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int kvrt_os_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int kvrt_os_random(uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

int kvrt_os_write_atomic(const char *path, const kvrt_buf *data)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (kvrt_os_write_all(fd, data->data, data->len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}


uintptr_t kvrt_os_stack_floor(const void *here)
{
    const uint64_t margin = 256 * 1024;
    uint64_t limit = 8 * 1024 * 1024;
    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        limit = rl.rlim_cur;
    if (limit > (uint64_t)1 << 30)
        limit = (uint64_t)1 << 30;
    uintptr_t top = (uintptr_t)here;
    if (limit <= margin * 2 || top < limit)
        return 0;
    return top - (uintptr_t)(limit - margin);
}

void kvrt_os_sleep_us(uint64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int kvrt_os_memfd(const char *name)
{
    return memfd_create(name, MFD_CLOEXEC);
}
