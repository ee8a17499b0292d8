/*
 * runtime/wasi_p1.c - WASI preview 1 (wasi_snapshot_preview1), SPEC §8.1:
 * a side channel that never touches the store, the event input or the
 * change feed. fd 1 and 2 write to the guest output (guestio.h), fd 0 is
 * at end of file, no directory is preopened, the environment is --env's,
 * clocks and randomness are the OS's, proc_exit traps.
 *
 * Every pointer a function is given is checked before anything else (so a
 * bad pointer is EFAULT even where the fd is bad); out of range gives
 * EFAULT and writes nothing. Memory is reached only through kvrt_mem_try
 * (no alignment rule: preview 1 structures are copied with memcpy).
 */
#include "iface.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "guestio.h"
#include "os.h"

/* Preview 1 errno values (witx `errno`). */
enum {
    P1_SUCCESS = 0, P1_EBADF = 8, P1_EFAULT = 21, P1_EINVAL = 28, P1_EIO = 29,
    P1_ENOSYS = 52, P1_ESPIPE = 70
};

enum { IOVEC_SIZE = 8, SUBSCRIPTION_SIZE = 48, EVENT_SIZE = 32, FDSTAT_SIZE = 24 };

static bool is_stdio(uint32_t fd)
{
    return fd <= 2;
}

static void put_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* ---- iovecs ------------------------------------------------------------------ */

/* Check an iovec array and every buffer it names; the total length. */
static bool check_iovs(kvrt_ctx *ctx, uint32_t iovs, uint32_t n, uint64_t *total)
{
    const uint8_t *v = kvrt_mem_try(ctx, iovs, (uint64_t)n * IOVEC_SIZE);
    if (v == NULL)
        return false;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf = kvrt_get_u32(v + (size_t)i * IOVEC_SIZE);
        uint32_t len = kvrt_get_u32(v + (size_t)i * IOVEC_SIZE + 4);
        if (kvrt_mem_try(ctx, buf, len) == NULL)
            return false;
        sum += len;
    }
    *total = sum;
    return true;
}

/* fd_write / fd_pwrite: pointers first, then the fd. */
static uint32_t write_iovs(kvrt_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n,
                           uint32_t nwritten_ret)
{
    uint64_t total = 0;
    if (!check_iovs(ctx, iovs, n, &total) || kvrt_mem_try(ctx, nwritten_ret, 4) == NULL)
        return P1_EFAULT;
    if (fd != 1 && fd != 2)
        return P1_EBADF;
    if (total > UINT32_MAX)
        return P1_EINVAL;
    const uint8_t *v = kvrt_mem_try(ctx, iovs, (uint64_t)n * IOVEC_SIZE);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf = kvrt_get_u32(v + (size_t)i * IOVEC_SIZE);
        uint32_t len = kvrt_get_u32(v + (size_t)i * IOVEC_SIZE + 4);
        if (kvrt_guestio_write(ctx, ctx->mem->data + buf, len) != 0)
            return P1_EIO;
    }
    kvrt_put_u32(kvrt_mem_try(ctx, nwritten_ret, 4), (uint32_t)total);
    return P1_SUCCESS;
}

uint32_t kvrt_wasi_p1_fd_write(kvrt_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                               uint32_t nwritten_ret)
{
    return write_iovs(ctx, fd, iovs, iovs_len, nwritten_ret);
}

uint32_t kvrt_wasi_p1_fd_pwrite(kvrt_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                uint64_t offset, uint32_t nwritten_ret)
{
    (void)offset;       /* fd 1 and 2 are streams: the offset means nothing */
    return write_iovs(ctx, fd, iovs, iovs_len, nwritten_ret);
}

uint32_t kvrt_wasi_p1_fd_read(kvrt_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                              uint32_t nread_ret)
{
    uint64_t total = 0;
    if (!check_iovs(ctx, iovs, iovs_len, &total) || kvrt_mem_try(ctx, nread_ret, 4) == NULL)
        return P1_EFAULT;
    if (fd != 0)
        return P1_EBADF;
    kvrt_put_u32(kvrt_mem_try(ctx, nread_ret, 4), 0);     /* end of file */
    return P1_SUCCESS;
}

/* ---- fd metadata ------------------------------------------------------------------ */

uint32_t kvrt_wasi_p1_fd_fdstat_get(kvrt_ctx *ctx, uint32_t fd, uint32_t ret)
{
    uint8_t *r = kvrt_mem_try(ctx, ret, FDSTAT_SIZE);
    if (r == NULL)
        return P1_EFAULT;
    if (!is_stdio(fd))
        return P1_EBADF;
    const uint64_t all_rights = 0x3fffffffu;    /* the 30 rights preview 1 defines */
    memset(r, 0, FDSTAT_SIZE);
    r[0] = 2;                                   /* filetype character_device */
    kvrt_put_u64(r + 8, all_rights);
    kvrt_put_u64(r + 16, all_rights);
    return P1_SUCCESS;
}

uint32_t kvrt_wasi_p1_fd_fdstat_set_flags(kvrt_ctx *ctx, uint32_t fd, uint32_t flags)
{
    (void)ctx;
    (void)flags;
    return is_stdio(fd) ? P1_SUCCESS : P1_EBADF;
}

uint32_t kvrt_wasi_p1_fd_close(kvrt_ctx *ctx, uint32_t fd)
{
    (void)ctx;
    return is_stdio(fd) ? P1_SUCCESS : P1_EBADF;
}

uint32_t kvrt_wasi_p1_fd_seek(kvrt_ctx *ctx, uint32_t fd, uint64_t offset, uint32_t whence,
                              uint32_t ret)
{
    (void)offset;
    (void)whence;
    if (kvrt_mem_try(ctx, ret, 8) == NULL)
        return P1_EFAULT;
    return is_stdio(fd) ? P1_ESPIPE : P1_EBADF;
}

uint32_t kvrt_wasi_p1_fd_tell(kvrt_ctx *ctx, uint32_t fd, uint32_t ret)
{
    if (kvrt_mem_try(ctx, ret, 8) == NULL)
        return P1_EFAULT;
    return is_stdio(fd) ? P1_ESPIPE : P1_EBADF;
}

uint32_t kvrt_wasi_p1_fd_prestat_get(kvrt_ctx *ctx, uint32_t fd, uint32_t ret)
{
    (void)fd;
    if (kvrt_mem_try(ctx, ret, 8) == NULL)
        return P1_EFAULT;
    return P1_EBADF;        /* nothing is preopened */
}

/* ---- environment and arguments ------------------------------------------------------ */

uint32_t kvrt_wasi_p1_environ_sizes_get(kvrt_ctx *ctx, uint32_t count_ret, uint32_t size_ret)
{
    uint8_t *c = kvrt_mem_try(ctx, count_ret, 4);
    uint8_t *s = kvrt_mem_try(ctx, size_ret, 4);
    if (c == NULL || s == NULL)
        return P1_EFAULT;
    kvrt_put_u32(c, ctx->wasi.nenv);
    kvrt_put_u32(s, (uint32_t)ctx->wasi.env_bytes);
    return P1_SUCCESS;
}

uint32_t kvrt_wasi_p1_environ_get(kvrt_ctx *ctx, uint32_t environ, uint32_t buf)
{
    const kvrt_wasi *w = &ctx->wasi;
    uint8_t *ptrs = kvrt_mem_try(ctx, environ, (uint64_t)w->nenv * 4);
    uint8_t *out = kvrt_mem_try(ctx, buf, w->env_bytes);
    if (ptrs == NULL || out == NULL)
        return P1_EFAULT;
    uint32_t at = buf;
    for (uint32_t i = 0; i < w->nenv; i++) {
        size_t n = strlen(w->env[i]) + 1;
        kvrt_put_u32(ptrs + (size_t)i * 4, at);
        memcpy(ctx->mem->data + at, w->env[i], n);
        at += (uint32_t)n;
    }
    return P1_SUCCESS;
}

uint32_t kvrt_wasi_p1_args_sizes_get(kvrt_ctx *ctx, uint32_t argc_ret, uint32_t size_ret)
{
    uint8_t *c = kvrt_mem_try(ctx, argc_ret, 4);
    uint8_t *s = kvrt_mem_try(ctx, size_ret, 4);
    if (c == NULL || s == NULL)
        return P1_EFAULT;
    kvrt_put_u32(c, 0);
    kvrt_put_u32(s, 0);
    return P1_SUCCESS;
}

uint32_t kvrt_wasi_p1_args_get(kvrt_ctx *ctx, uint32_t argv, uint32_t buf)
{
    /* No arguments: both arrays are empty, in range when ptr <= size. */
    if (kvrt_mem_try(ctx, argv, 0) == NULL || kvrt_mem_try(ctx, buf, 0) == NULL)
        return P1_EFAULT;
    return P1_SUCCESS;
}

/* ---- clocks and randomness ---------------------------------------------------------- */

/* Preview 1 clock ids: realtime, monotonic, process and thread CPU time. */
static bool clock_of(uint32_t id, clockid_t *out)
{
    static const clockid_t ids[4] = {
        CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
    };
    if (id > 3)
        return false;
    *out = ids[id];
    return true;
}

static uint64_t ns_of(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static uint64_t clock_now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ns_of(&ts);
}

uint32_t kvrt_wasi_p1_clock_res_get(kvrt_ctx *ctx, uint32_t id, uint32_t ret)
{
    uint8_t *r = kvrt_mem_try(ctx, ret, 8);
    clockid_t c;
    if (r == NULL)
        return P1_EFAULT;
    if (!clock_of(id, &c))
        return P1_EINVAL;
    struct timespec ts;
    clock_getres(c, &ts);
    kvrt_put_u64(r, ns_of(&ts));
    return P1_SUCCESS;
}

uint32_t kvrt_wasi_p1_clock_time_get(kvrt_ctx *ctx, uint32_t id, uint64_t precision, uint32_t ret)
{
    (void)precision;
    uint8_t *r = kvrt_mem_try(ctx, ret, 8);
    clockid_t c;
    if (r == NULL)
        return P1_EFAULT;
    if (!clock_of(id, &c))
        return P1_EINVAL;
    kvrt_put_u64(r, clock_now(c));
    return P1_SUCCESS;
}

uint32_t kvrt_wasi_p1_random_get(kvrt_ctx *ctx, uint32_t buf, uint32_t len)
{
    uint8_t *p = kvrt_mem_try(ctx, buf, len);
    if (p == NULL)
        return P1_EFAULT;
    return kvrt_guestio_random(ctx, p, len) == 0 ? P1_SUCCESS : P1_EIO;
}

/* ---- process -------------------------------------------------------------------------- */

void kvrt_wasi_p1_proc_exit(kvrt_ctx *ctx, uint32_t code)
{
    kvrt_trap(ctx, "guest called proc_exit(%u)", code);
}

uint32_t kvrt_wasi_p1_proc_raise(kvrt_ctx *ctx, uint32_t sig)
{
    kvrt_trap(ctx, "guest called proc_raise(%u)", sig);
}

uint32_t kvrt_wasi_p1_sched_yield(kvrt_ctx *ctx)
{
    (void)ctx;
    return P1_SUCCESS;
}

/* ---- poll_oneoff ------------------------------------------------------------------------ */

enum { TAG_CLOCK = 0, TAG_FD_READ = 1, TAG_FD_WRITE = 2, ABSTIME = 1 };

/* The monotonic deadline of a clock subscription, or false for a bad clock
 * id. A deadline on a CPU-time clock is waited for as wall time. */
static bool deadline_of(const uint8_t *sub, uint64_t mono_now, uint64_t *out)
{
    uint32_t id = kvrt_get_u32(sub + 16);
    uint64_t timeout = get_u64(sub + 24);
    uint16_t flags;
    memcpy(&flags, sub + 40, 2);
    clockid_t c;
    if (!clock_of(id, &c))
        return false;
    uint64_t wait = timeout;
    if (flags & ABSTIME) {
        uint64_t now = clock_now(c);
        wait = timeout > now ? timeout - now : 0;
    }
    *out = wait > UINT64_MAX - mono_now ? UINT64_MAX : mono_now + wait;
    return true;
}

static void put_event(uint8_t *ev, const uint8_t *sub, uint16_t error, uint8_t type)
{
    memset(ev, 0, EVENT_SIZE);
    memcpy(ev, sub, 8);             /* userdata */
    put_u16(ev + 8, error);
    ev[10] = type;
}


uint32_t kvrt_wasi_p1_poll_oneoff(kvrt_ctx *ctx, uint32_t in, uint32_t out, uint32_t nsubs,
                                  uint32_t nevents_ret)
{
    const uint8_t *subs = kvrt_mem_try(ctx, in, (uint64_t)nsubs * SUBSCRIPTION_SIZE);
    uint8_t *evs = kvrt_mem_try(ctx, out, (uint64_t)nsubs * EVENT_SIZE);
    uint8_t *nev = kvrt_mem_try(ctx, nevents_ret, 4);
    if (subs == NULL || evs == NULL || nev == NULL)
        return P1_EFAULT;
    if (nsubs == 0)
        return P1_EINVAL;
    for (uint32_t i = 0; i < nsubs; i++)
        if (subs[(size_t)i * SUBSCRIPTION_SIZE + 8] > TAG_FD_WRITE)
            return P1_EINVAL;
    /* Each subscription's deadline, computed once (a relative timeout is
     * relative to the call): UINT64_MAX - 1 for an fd subscription,
     * UINT64_MAX for a bad clock id; both complete at once, and then the
     * call does not sleep. Otherwise sleep until the earliest deadline. */
    kvrt_buf *scratch = &ctx->scratch;
    scratch->len = 0;
    if (kvrt_buf_reserve(scratch, (size_t)nsubs * sizeof(uint64_t)) != 0)
        kvrt_trap(ctx, "poll_oneoff: out of memory");
    uint64_t *deadline = (uint64_t *)(void *)scratch->data;
    enum { FD_SUB = 1, BAD_CLOCK = 2 };
    uint64_t now = clock_now(CLOCK_MONOTONIC), earliest = UINT64_MAX;
    bool immediate = false;
    for (uint32_t i = 0; i < nsubs; i++) {
        const uint8_t *sub = subs + (size_t)i * SUBSCRIPTION_SIZE;
        uint64_t d = 0;
        if (sub[8] != TAG_CLOCK)
            deadline[i] = FD_SUB;
        else if (!deadline_of(sub, now, &d))
            deadline[i] = BAD_CLOCK;
        else
            deadline[i] = d > BAD_CLOCK ? d : BAD_CLOCK + 1;
        if (deadline[i] <= BAD_CLOCK)
            immediate = true;
        else if (deadline[i] < earliest)
            earliest = deadline[i];
    }
    if (!immediate)     /* deadlines are CLOCK_MONOTONIC, kvrt_os_now_ns's clock */
        kvrt_guestio_sleep_until(ctx, earliest);
    now = clock_now(CLOCK_MONOTONIC);
    uint32_t n = 0;
    for (uint32_t i = 0; i < nsubs; i++) {
        /* A copy: the events may be written over the subscriptions. */
        uint8_t sub[SUBSCRIPTION_SIZE];
        memcpy(sub, subs + (size_t)i * SUBSCRIPTION_SIZE, SUBSCRIPTION_SIZE);
        uint8_t *ev = evs + (size_t)n * EVENT_SIZE;
        if (deadline[i] == FD_SUB)
            put_event(ev, sub, P1_EBADF, sub[8]);
        else if (deadline[i] == BAD_CLOCK)
            put_event(ev, sub, P1_EINVAL, TAG_CLOCK);
        else if (deadline[i] <= now)
            put_event(ev, sub, P1_SUCCESS, TAG_CLOCK);
        else
            continue;
        n++;
    }
    kvrt_put_u32(nev, n);
    return P1_SUCCESS;
}

/* ---- ENOSYS ------------------------------------------------------------------------------ */

uint32_t kvrt_wasi_p1_enosys_i(kvrt_ctx *ctx, uint32_t a)
{
    (void)ctx; (void)a;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_ii(kvrt_ctx *ctx, uint32_t a, uint32_t b)
{
    (void)ctx; (void)a; (void)b;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_iI(kvrt_ctx *ctx, uint32_t a, uint64_t b)
{
    (void)ctx; (void)a; (void)b;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_iii(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c)
{
    (void)ctx; (void)a; (void)b; (void)c;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_iII(kvrt_ctx *ctx, uint32_t a, uint64_t b, uint64_t c)
{
    (void)ctx; (void)a; (void)b; (void)c;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_iIIi(kvrt_ctx *ctx, uint32_t a, uint64_t b, uint64_t c, uint32_t d)
{
    (void)ctx; (void)a; (void)b; (void)c; (void)d;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_iiiii(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                   uint32_t d, uint32_t e)
{
    (void)ctx; (void)a; (void)b; (void)c; (void)d; (void)e;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_iiiIi(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                   uint64_t d, uint32_t e)
{
    (void)ctx; (void)a; (void)b; (void)c; (void)d; (void)e;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_iiiiii(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                    uint32_t d, uint32_t e, uint32_t f)
{
    (void)ctx; (void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_iiiiIIi(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                     uint32_t d, uint64_t e, uint64_t f, uint32_t g)
{
    (void)ctx; (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; (void)g;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_iiiiiii(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                     uint32_t d, uint32_t e, uint32_t f, uint32_t g)
{
    (void)ctx; (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; (void)g;
    return P1_ENOSYS;
}

uint32_t kvrt_wasi_p1_enosys_iiiiiIIii(kvrt_ctx *ctx, uint32_t a, uint32_t b, uint32_t c,
                                       uint32_t d, uint32_t e, uint64_t f, uint64_t g,
                                       uint32_t h, uint32_t i)
{
    (void)ctx; (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; (void)g; (void)h; (void)i;
    return P1_ENOSYS;
}
