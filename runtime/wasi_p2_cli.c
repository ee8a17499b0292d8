/*
 * runtime/wasi_p2_cli.c - WASI 0.2 wasi:cli, wasi:clocks, wasi:random and
 * the two wasi:filesystem functions kvaot provides (SPEC §8.3): stdout and
 * stderr streams to the guest output, a closed stdin, no terminals, the
 * --env pairs, no arguments and no cwd, exit as a trap, the OS clocks and
 * randomness, no preopened directories.
 *
 * Lists and strings returned go through the guest's realloc (also when
 * empty); the return area is checked first and again after each realloc,
 * since guest code may have grown memory.
 */
#include "iface.h"

#include <string.h>
#include <time.h>

#include "guestio.h"
#include "os.h"
#include "wasi_p2.h"

static uint32_t new_output(kvrt_ctx *ctx, int fd)
{
    kvrt_res res;
    res.u.wout.fd = fd;
    return kvrt_wasi_p2_new(ctx, KVRT_H_WASI_OUTPUT, &res);
}

uint32_t kvrt_wasi_p2_get_stdout(kvrt_ctx *ctx)
{
    return new_output(ctx, 1);
}

uint32_t kvrt_wasi_p2_get_stderr(kvrt_ctx *ctx)
{
    return new_output(ctx, 2);
}

uint32_t kvrt_wasi_p2_get_stdin(kvrt_ctx *ctx)
{
    kvrt_res res;
    memset(&res, 0, sizeof res);
    return kvrt_wasi_p2_new(ctx, KVRT_H_WASI_INPUT, &res);
}

/* get-terminal-stdin/-stdout/-stderr: option<own<terminal>> = none (8/4) */
void kvrt_wasi_p2_get_terminal(kvrt_ctx *ctx, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    r[0] = 0;
}

void kvrt_wasi_p2_drop_terminal(kvrt_ctx *ctx, uint32_t h)
{
    kvrt_wasi_p2_drop(ctx, h, KVRT_H_WASI_TERMINAL, "[resource-drop]terminal");
}

/* ---- environment ------------------------------------------------------------ */

/* A list of n elements of size elem (align 4) from realloc; its offset. */
static uint32_t alloc_list(kvrt_ctx *ctx, uint32_t n, uint32_t elem)
{
    return kvrt_guest_alloc(ctx, 4, (uint64_t)n * elem);
}

static void put_list(kvrt_ctx *ctx, uint32_t ret, uint32_t p, uint32_t n)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_put_u32(r, p);
    kvrt_put_u32(r + 4, n);
}

/* get-environment() -> list<tuple<string, string>>: the --env pairs,
 * 16 bytes per element (name ptr, len, value ptr, len). */
void kvrt_wasi_p2_get_environment(kvrt_ctx *ctx, uint32_t ret)
{
    const kvrt_wasi *w = &ctx->wasi;
    kvrt_mem_span(ctx, ret, 8, 4);
    uint32_t list = alloc_list(ctx, w->nenv, 16);
    for (uint32_t i = 0; i < w->nenv; i++) {
        const char *pair = w->env[i];
        size_t nlen = (size_t)(strchr(pair, '=') - pair);
        size_t vlen = strlen(pair) - nlen - 1;
        uint32_t name = kvrt_guest_copy(ctx, (const uint8_t *)pair, nlen);
        uint32_t value = kvrt_guest_copy(ctx, (const uint8_t *)pair + nlen + 1, vlen);
        uint8_t *e = ctx->mem->data + list + (size_t)i * 16;
        kvrt_put_u32(e, name);
        kvrt_put_u32(e + 4, (uint32_t)nlen);
        kvrt_put_u32(e + 8, value);
        kvrt_put_u32(e + 12, (uint32_t)vlen);
    }
    put_list(ctx, ret, list, w->nenv);
}

void kvrt_wasi_p2_get_arguments(kvrt_ctx *ctx, uint32_t ret)
{
    kvrt_mem_span(ctx, ret, 8, 4);
    put_list(ctx, ret, alloc_list(ctx, 0, 8), 0);
}

/* initial-cwd() -> option<string> = none (12/4) */
void kvrt_wasi_p2_initial_cwd(kvrt_ctx *ctx, uint32_t ret)
{
    kvrt_mem_span(ctx, ret, 12, 4)[0] = 0;
}

/* exit(status: result): a trap, rolled back like any other. */
void kvrt_wasi_p2_exit(kvrt_ctx *ctx, uint32_t status)
{
    if (status > 1)
        kvrt_trap(ctx, "exit: invalid result discriminant %u", status);
    kvrt_trap(ctx, "guest called exit(%s)", status == 0 ? "ok" : "err");
}

/* ---- clocks ------------------------------------------------------------------ */

static void put_datetime(kvrt_ctx *ctx, uint32_t ret, const struct timespec *ts)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 16, 8);
    kvrt_put_u64(r, (uint64_t)ts->tv_sec);
    kvrt_put_u32(r + 8, (uint32_t)ts->tv_nsec);
}

void kvrt_wasi_p2_wall_now(kvrt_ctx *ctx, uint32_t ret)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    put_datetime(ctx, ret, &ts);
}

void kvrt_wasi_p2_wall_resolution(kvrt_ctx *ctx, uint32_t ret)
{
    struct timespec ts;
    clock_getres(CLOCK_REALTIME, &ts);
    put_datetime(ctx, ret, &ts);
}

uint64_t kvrt_wasi_p2_mono_now(kvrt_ctx *ctx)
{
    (void)ctx;
    return kvrt_os_now_ns();
}

uint64_t kvrt_wasi_p2_mono_resolution(kvrt_ctx *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_getres(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t kvrt_wasi_p2_mono_subscribe_instant(kvrt_ctx *ctx, uint64_t when)
{
    return kvrt_wasi_p2_new_pollable(ctx, when);
}

uint32_t kvrt_wasi_p2_mono_subscribe_duration(kvrt_ctx *ctx, uint64_t duration)
{
    uint64_t now = kvrt_os_now_ns();
    return kvrt_wasi_p2_new_pollable(ctx, duration > UINT64_MAX - now ? UINT64_MAX
                                                                       : now + duration);
}

/* ---- random -------------------------------------------------------------------- */

/* get-random-bytes, get-insecure-random-bytes: list<u8> (8/4) */
void kvrt_wasi_p2_random_bytes(kvrt_ctx *ctx, uint64_t len, uint32_t ret)
{
    kvrt_mem_span(ctx, ret, 8, 4);
    uint32_t p = kvrt_guest_alloc(ctx, 1, len);
    if (kvrt_guestio_random(ctx, ctx->mem->data + p, (size_t)len) != 0)
        kvrt_trap(ctx, "get-random-bytes: the OS gave no random bytes");
    put_list(ctx, ret, p, (uint32_t)len);
}

uint64_t kvrt_wasi_p2_random_u64(kvrt_ctx *ctx)
{
    uint64_t v;
    if (kvrt_os_random((uint8_t *)&v, sizeof v) != 0)
        kvrt_trap(ctx, "get-random-u64: the OS gave no random bytes");
    return v;
}

/* insecure-seed() -> tuple<u64, u64> (16/8) */
void kvrt_wasi_p2_insecure_seed(kvrt_ctx *ctx, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 16, 8);
    uint8_t seed[16];
    if (kvrt_os_random(seed, sizeof seed) != 0)
        kvrt_trap(ctx, "insecure-seed: the OS gave no random bytes");
    memcpy(r, seed, sizeof seed);
}

/* ---- filesystem ------------------------------------------------------------------ */

/* get-directories() -> list<tuple<descriptor, string>>: none preopened. */
void kvrt_wasi_p2_get_directories(kvrt_ctx *ctx, uint32_t ret)
{
    kvrt_mem_span(ctx, ret, 8, 4);
    put_list(ctx, ret, alloc_list(ctx, 0, 12), 0);
}

/* filesystem-error-code(borrow<error>) -> option<error-code> = none (2/1);
 * no error kvaot makes is a filesystem one. */
void kvrt_wasi_p2_filesystem_error_code(kvrt_ctx *ctx, uint32_t err, uint32_t ret)
{
    uint8_t *r = kvrt_mem_span(ctx, ret, 2, 1);
    kvrt_wasi_p2_get(ctx, err, KVRT_H_WASI_ERROR, "filesystem-error-code");
    r[0] = 0;
}
