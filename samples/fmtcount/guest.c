/*
 * samples/fmtcount/guest.c - a wasi-libc guest (reactor model) whose only
 * libc I/O is snprintf: wasi-libc's stdio still pulls in fd_write, fd_seek
 * and fd_close, so even this guest imports WASI preview 1 (SPEC §8).
 *
 * on-set: counts the event's key in bucket "fmt" under "n:<key>" and stores
 * "f:<key>" = snprintf("%s#%04llu len=%zu hex=%llx", key, count, value
 * size, count * 255) — formatting done by the libc, not by hand.
 * on-delete: stores "d:<key>" = snprintf("%5.2f%%", 100.0 / key length).
 */
#define KV_SCHEME_LEGACY
#define KV_WITH_LIBC
#include "kvguest.h"

#include <stdio.h>

KV_ON_SET void on_set(kv_bucket b, const char *key, size_t key_len, kv_incoming_value iv)
{
    (void)b;
    kv_bucket fmt = kv_open("fmt");
    char name[256], val[512];
    int n = snprintf(name, sizeof name, "n:%.*s", (int)key_len, key);
    kv_ret_u64 r;
    kv_increment(fmt, name, (size_t)n, 1, &r);
    if (r.is_err)
        __builtin_trap();
    n = snprintf(name, sizeof name, "f:%.*s", (int)key_len, key);
    int m = snprintf(val, sizeof val, "%.*s#%04llu len=%zu hex=%llx", (int)key_len, key,
                     (unsigned long long)r.u.ok, (size_t)kv_size(iv),
                     (unsigned long long)r.u.ok * 255u);
    kv_put(fmt, name, (size_t)n, val, (size_t)m, NULL);
    kv_drop_bucket(fmt);
    free((void *)key);
}

KV_ON_DELETE void on_delete(kv_bucket b, const char *key, size_t key_len)
{
    (void)b;
    kv_bucket fmt = kv_open("fmt");
    char name[256], val[64];
    int n = snprintf(name, sizeof name, "d:%.*s", (int)key_len, key);
    int m = snprintf(val, sizeof val, "%5.2f%%", key_len ? 100.0 / (double)key_len : 0.0);
    kv_put(fmt, name, (size_t)n, val, (size_t)m, NULL);
    kv_drop_bucket(fmt);
    free((void *)key);
}
