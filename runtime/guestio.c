/*
 * runtime/guestio.c - the guest's output and environment; see guestio.h.
 */
#include "guestio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "os.h"

int kvrt_guestio_open(kvrt_wasi *w, const char *target)
{
    if (target == NULL) {
        w->out_fd = 2;
        return 0;
    }
    if (strcmp(target, "none") == 0) {
        w->out_fd = -1;
        return 0;
    }
    int fd = open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    w->out_fd = fd;
    return 0;
}

int kvrt_guestio_add_env(kvrt_wasi *w, const char *pair)
{
    const char *eq = strchr(pair, '=');
    if (eq == NULL || eq == pair) {
        errno = EINVAL;
        return -1;
    }
    char **env = realloc(w->env, ((size_t)w->nenv + 1) * sizeof *env);
    if (env == NULL)
        return -1;
    w->env = env;
    env[w->nenv] = strdup(pair);
    if (env[w->nenv] == NULL)
        return -1;
    w->env_bytes += strlen(pair) + 1;
    w->nenv++;
    return 0;
}

void kvrt_guestio_fini(kvrt_wasi *w)
{
    for (uint32_t i = 0; i < w->nenv; i++)
        free(w->env[i]);
    free(w->env);
    if (w->out_fd > 2)
        close(w->out_fd);
    w->env = NULL;
    w->nenv = 0;
    w->env_bytes = 0;
    w->out_fd = 2;
}

int kvrt_guestio_write(kvrt_ctx *ctx, const uint8_t *p, size_t n)
{
    if (ctx->wasi.out_fd < 0 || n == 0)
        return 0;
    return kvrt_os_write_all(ctx->wasi.out_fd, p, n);
}

/* Deadline passed while in the host (the import traps on return). */
static bool cut_short(kvrt_ctx *ctx)
{
    return ctx->head.timer_fired != 0 || kvrt_os_stop_signal() != 0;
}

int kvrt_guestio_write_zeroes(kvrt_ctx *ctx, uint64_t n)
{
    static const uint8_t zeros[4096];
    if (ctx->wasi.out_fd < 0)
        return 0;
    while (n > 0 && !cut_short(ctx)) {
        size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
        if (kvrt_os_write_all(ctx->wasi.out_fd, zeros, k) != 0)
            return -1;
        n -= k;
    }
    return 0;
}

/* Through a buffer of its own: a system call writing into guest memory
 * would fail (EFAULT) on a page under write tracking (wtrack.h) instead of
 * faulting it in. */
int kvrt_guestio_random(kvrt_ctx *ctx, uint8_t *p, size_t n)
{
    uint8_t buf[4096];
    while (n > 0 && !cut_short(ctx)) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        if (kvrt_os_random(buf, k) != 0)
            return -1;
        memcpy(p, buf, k);
        p += k;
        n -= k;
    }
    return 0;
}

void kvrt_guestio_sleep_until(kvrt_ctx *ctx, uint64_t deadline)
{
    for (;;) {
        if (ctx->head.timer_fired)
            return;
        if (kvrt_os_stop_signal() != 0)
            kvrt_trap(ctx, "interrupted (signal %d) while the guest slept",
                      kvrt_os_stop_signal());
        uint64_t now = kvrt_os_now_ns();
        if (now >= deadline)
            return;
        uint64_t left = deadline - now;
        struct timespec ts = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
        nanosleep(&ts, NULL);   /* SIGALRM and the stop signals interrupt it */
    }
}
