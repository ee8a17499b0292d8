/*
 * bench/twins/api_wasm.c - twin.h over the world's imports (kvguest.h),
 * built with the workload to wasm32 and then through `kvaot build`: what a
 * hand-written guest does for each call of the API. Values come back on the
 * bump heap, which is reset after each handler.
 */
#define KV_SCHEME_2023
#include "kvguest.h"

#include "twin.h"

tw_bucket tw_open(const char *name)
{
    return kv_open(name);
}

void tw_close(tw_bucket b)
{
    kv_drop_bucket((kv_bucket)b);
}

tw_bytes tw_event_value(tw_value v)
{
    kv_ret_list r;
    kv_incoming_value_consume_sync(v, &r);
    if (r.is_err)
        __builtin_trap();
    return (tw_bytes){r.u.ok.ptr, r.u.ok.len};
}

/* get: the incoming-value of key, or false (the error dropped). */
static bool get_value(tw_bucket b, const void *key, size_t klen, kv_incoming_value *iv)
{
    kv_ret_handle g;
    kv_get((kv_bucket)b, key, klen, &g);
    if (g.is_err) {
        kv_drop_error(g.handle);
        return false;
    }
    *iv = g.handle;
    return true;
}

bool tw_get(tw_bucket b, const void *key, size_t klen, tw_bytes *out)
{
    kv_incoming_value iv;
    if (!get_value(b, key, klen, &iv))
        return false;
    kv_ret_list r;
    kv_incoming_value_consume_sync(iv, &r);
    kv_drop_incoming_value(iv);
    if (r.is_err)
        __builtin_trap();
    *out = (tw_bytes){r.u.ok.ptr, r.u.ok.len};
    return true;
}

bool tw_get_streamed(tw_bucket b, const void *key, size_t klen, tw_bytes *out)
{
    kv_incoming_value iv;
    if (!get_value(b, key, klen, &iv))
        return false;
    kv_ret_handle s;
    kv_incoming_value_consume_async(iv, &s);
    kv_drop_incoming_value(iv);
    if (s.is_err)
        __builtin_trap();
    kv_buf body = {0};
    for (;;) {
        kv_ret_read r;
        kv_streams_read(s.handle, 8, &r);
        if (r.is_err)
            break;
        kv_buf_add(&body, r.data.ptr, r.data.len);
        if (r.eos)
            break;
    }
    kv_streams_drop_input_stream(s.handle);
    *out = (tw_bytes){body.data, body.len};
    return true;
}

void tw_set(tw_bucket b, const void *key, size_t klen, const void *val, size_t vlen)
{
    if (!kv_put((kv_bucket)b, key, klen, val, vlen, NULL))
        __builtin_trap();
}

bool tw_delete(tw_bucket b, const void *key, size_t klen)
{
    kv_ret_handle r;
    kv_delete((kv_bucket)b, key, klen, &r);
    if (r.is_err) {
        kv_drop_error(r.handle);
        return false;
    }
    return true;
}

uint64_t tw_increment(tw_bucket b, const void *key, size_t klen, uint64_t delta)
{
    kv_ret_u64 r;
    kv_increment((kv_bucket)b, key, klen, delta, &r);
    if (r.is_err)
        __builtin_trap();
    return r.u.ok;
}

bool tw_get_many(tw_bucket b, const tw_bytes *keys, size_t n, tw_bytes *vals)
{
    kv_str ks[16];
    if (n > 16)
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        ks[i] = (kv_str){(const char *)keys[i].ptr, keys[i].len};
    kv_ret_list r;
    kv_get_many((kv_bucket)b, ks, n, &r);
    if (r.is_err) {
        kv_drop_error(r.u.err);
        return false;
    }
    const kv_incoming_value *ivs = (const kv_incoming_value *)r.u.ok.ptr;
    for (size_t i = 0; i < n; i++) {
        kv_ret_list c;
        kv_incoming_value_consume_sync(ivs[i], &c);
        kv_drop_incoming_value(ivs[i]);
        if (c.is_err)
            __builtin_trap();
        vals[i] = (tw_bytes){c.u.ok.ptr, c.u.ok.len};
    }
    return true;
}

void tw_set_many(tw_bucket b, const tw_bytes *keys, const tw_bytes *vals, size_t n)
{
    kv_str ks[16];
    kv_key_value kvs[16];
    if (n > 16)
        __builtin_trap();
    for (size_t i = 0; i < n; i++) {
        ks[i] = (kv_str){(const char *)keys[i].ptr, keys[i].len};
        kvs[i] = (kv_key_value){ks[i].ptr, ks[i].len, kv_value_new(vals[i].ptr, vals[i].len)};
    }
    kv_ret_handle r;
    kv_set_many((kv_bucket)b, ks, n, kvs, n, &r);
    for (size_t i = 0; i < n; i++)
        kv_drop_outgoing_value(kvs[i].value);
    if (r.is_err)
        __builtin_trap();
}

KV_ON_SET void on_set(kv_bucket b, const char *key, size_t klen, kv_incoming_value v)
{
    twin_on_set(b, (const uint8_t *)key, klen, v);
    kv_heap_reset();
}

KV_ON_DELETE void on_delete(kv_bucket b, const char *key, size_t klen)
{
    twin_on_delete(b, (const uint8_t *)key, klen);
    kv_heap_reset();
}
