/*
 * samples/audit/guest.c - the README's sample guest: keeps an audit trail of
 * a store in bucket "audit". Legacy wit-component names; uses only types,
 * readwrite, wasi-cloud-error and streams read/write/drop.
 *
 * on-set(bucket, key, value):
 *   audit sets/KEY   = how many sets of KEY the guest has seen since its
 *                      last delete (get -> read it through an input-stream
 *                      -> +1 -> set; a missing counter starts at 1)
 *   audit last       = "KEY=VALUE"
 *   audit echo       = VALUE, byte for byte
 *   audit trace      = when VALUE is exactly "trace-me": the trace text of
 *                      the failed get of audit "missing/KEY"
 * on-delete(bucket, key):
 *   delete audit sets/KEY (only printed when it was there)
 *   audit deleted/KEY = "yes" when the counter was there, else
 *                       "was-missing"; " (still exists!)" is appended if
 *                       exists(bucket, key) says the key is still there,
 *                       which it never should (the event is applied first)
 *
 * The world hands the guest a bucket *handle*, never the bucket's name, so
 * the trail is keyed by key only: the same key in two buckets shares its
 * counter.
 */
#define KV_SCHEME_LEGACY
#include "kvguest.h"

/* The whole body of an incoming-value, read through an input-stream in
 * small chunks. Returns false if the value cannot be consumed. */
static bool read_value(kv_incoming_value iv, kv_buf *out)
{
    kv_ret_handle s;
    kv_incoming_value_consume_async(iv, &s);
    if (s.is_err) {
        kv_trace_take(s.handle);
        return false;
    }
    /* Bounded: a counter has at most 20 digits; 64 reads of 8 is plenty. */
    for (int i = 0; i < 64; i++) {
        kv_ret_read r;
        kv_streams_read(s.handle, 8, &r);
        if (r.is_err)
            break;
        kv_buf_add(out, r.data.ptr, r.data.len);
        if (r.eos)
            break;
    }
    kv_streams_drop_input_stream(s.handle);
    return true;
}

/* audit sets/KEY: the previous count + 1, or 1 when there is none. */
static void bump_counter(kv_bucket audit, const kv_buf *ckey)
{
    uint64_t n = 0;
    kv_ret_handle g;
    kv_get(audit, (const char *)ckey->data, ckey->len, &g);
    if (g.is_err) {
        /* First set of this key: "no such key" is expected; drop it. */
        kv_trace_take(g.handle);
    } else {
        kv_buf old = {0};
        if (read_value(g.handle, &old) && !kv_parse_u64(old.data, old.len, &n))
            n = 0;
        kv_drop_incoming_value(g.handle);
    }
    kv_buf val = {0};
    kv_buf_u64(&val, n + 1);
    kv_put_buf(audit, ckey, &val);
}

KV_ON_SET void on_set(kv_bucket bucket, const char *key, size_t key_len,
                      kv_incoming_value iv)
{
    (void)bucket;
    kv_ret_list v;
    kv_incoming_value_consume_sync(iv, &v);
    if (v.is_err) {
        kv_trace_take(v.u.err);
        kv_heap_reset();
        return;
    }
    kv_bucket audit = kv_open("audit");

    kv_buf ckey = {0};
    kv_buf_str(&ckey, "sets/");
    kv_buf_add(&ckey, key, key_len);
    bump_counter(audit, &ckey);

    kv_buf last = {0};
    kv_buf_add(&last, key, key_len);
    kv_buf_byte(&last, '=');
    kv_buf_add(&last, v.u.ok.ptr, v.u.ok.len);
    kv_put(audit, "last", 4, last.data, last.len, NULL);

    kv_put(audit, "echo", 4, v.u.ok.ptr, v.u.ok.len, NULL);

    if (kv_bytes_eq(v.u.ok.ptr, v.u.ok.len, "trace-me")) {
        kv_buf mkey = {0};
        kv_buf_str(&mkey, "missing/");
        kv_buf_add(&mkey, key, key_len);
        kv_ret_handle g;
        kv_get(audit, (const char *)mkey.data, mkey.len, &g);
        if (g.is_err) {
            kv_bytes t = kv_trace_take(g.handle);
            kv_put(audit, "trace", 5, t.ptr, t.len, NULL);
        } else {
            kv_drop_incoming_value(g.handle);
        }
    }

    kv_drop_bucket(audit);
    kv_heap_reset();
}

KV_ON_DELETE void on_delete(kv_bucket bucket, const char *key, size_t key_len)
{
    kv_bucket audit = kv_open("audit");

    bool still = false;
    kv_ret_bool e;
    kv_exists(bucket, key, key_len, &e);
    if (e.is_err)
        kv_trace_take(e.u.err);
    else
        still = e.u.ok != 0;

    kv_buf ckey = {0};
    kv_buf_str(&ckey, "sets/");
    kv_buf_add(&ckey, key, key_len);
    kv_ret_handle d;
    kv_delete(audit, (const char *)ckey.data, ckey.len, &d);
    bool had = !d.is_err;
    if (d.is_err)
        kv_trace_take(d.handle);

    kv_buf dkey = {0};
    kv_buf_str(&dkey, "deleted/");
    kv_buf_add(&dkey, key, key_len);
    kv_buf val = {0};
    kv_buf_str(&val, had ? "yes" : "was-missing");
    if (still)
        kv_buf_str(&val, " (still exists!)");
    kv_put_buf(audit, &dkey, &val);

    kv_drop_bucket(audit);
    kv_heap_reset();
}
