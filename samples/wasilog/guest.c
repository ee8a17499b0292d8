/*
 * samples/wasilog/guest.c - a guest on Debian's wasi-libc (reactor model)
 * that uses stdio the way C programs do, so it imports WASI preview 1
 * (fd_write, fd_seek, fd_close, fd_fdstat_get, environ_*, proc_exit, ...):
 * kvaot provides those itself (SPEC §8.1).
 *
 * Behaviour (bucket "log" holds what the guest writes):
 *  - every on-set prints "set BUCKET/KEY (N bytes)" with printf (stdout, a
 *    line-buffered stream: fd 1 goes to the guest output, not the feed) and
 *    stores log/<key> = "seen <n>" where n counts the sets of that key
 *    (increment), formatted with snprintf;
 *  - key "greet": stores log/greeting = getenv("GREETING") or "(unset)";
 *  - key "warn": fprintf(stderr, "warning: ...") (unbuffered fd 2);
 *  - key "time": stores log/clock = "ok" when clock_gettime works;
 *  - key "exit": exit(3) after storing log/before-exit: proc_exit traps, so
 *    the store change and its feed line are rolled back;
 *  - on-delete: deletes log/<key>, prints "delete BUCKET/KEY".
 * A constructor (run by _initialize) prints "wasilog: ready" on stderr.
 */
#define KV_SCHEME_LEGACY
#define KV_WITH_LIBC
#include "kvguest.h"

#include <stdio.h>
#include <time.h>

__attribute__((constructor)) static void ready(void)
{
    fprintf(stderr, "wasilog: ready\n");
}

/* The reactor's _initialize (wasi-libc's crt1-reactor.o) runs constructors. */

static void store(const char *key, size_t key_len, const char *val)
{
    kv_bucket log = kv_open("log");
    kv_put(log, key, key_len, val, strlen(val), NULL);
    kv_drop_bucket(log);
}

static uint64_t bump(const char *key, size_t key_len)
{
    kv_bucket counts = kv_open("counts");
    kv_ret_u64 r;
    kv_increment(counts, key, key_len, 1, &r);
    kv_drop_bucket(counts);
    if (r.is_err) {
        kv_drop_error(r.u.err);
        return 0;
    }
    return r.u.ok;
}

static bool key_is(const char *key, size_t len, const char *s)
{
    return len == strlen(s) && memcmp(key, s, len) == 0;
}

KV_ON_SET void on_set(kv_bucket b, const char *key, size_t key_len, kv_incoming_value iv)
{
    (void)b;
    uint64_t size = kv_size(iv);
    printf("set %.*s (%llu bytes)\n", (int)key_len, key, (unsigned long long)size);
    char line[64];
    snprintf(line, sizeof line, "seen %llu", (unsigned long long)bump(key, key_len));
    store(key, key_len, line);
    if (key_is(key, key_len, "greet")) {
        const char *g = getenv("GREETING");
        store("greeting", 8, g ? g : "(unset)");
    } else if (key_is(key, key_len, "warn")) {
        fprintf(stderr, "warning: key %.*s\n", (int)key_len, key);
    } else if (key_is(key, key_len, "time")) {
        struct timespec ts;
        store("clock", 5, clock_gettime(CLOCK_MONOTONIC, &ts) == 0 ? "ok" : "failed");
    } else if (key_is(key, key_len, "exit")) {
        store("before-exit", 11, "yes");
        fflush(stdout);
        exit(3);
    }
    fflush(stdout);
    free((void *)key);      /* the host allocated it with our realloc */
}

KV_ON_DELETE void on_delete(kv_bucket b, const char *key, size_t key_len)
{
    (void)b;
    kv_bucket log = kv_open("log");
    kv_ret_handle r;
    kv_delete(log, key, key_len, &r);
    if (r.is_err)
        kv_drop_error(r.handle);
    kv_drop_bucket(log);
    printf("delete %.*s\n", (int)key_len, key);
    fflush(stdout);
    free((void *)key);
}
