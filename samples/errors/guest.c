/*
 * samples/errors/guest.c - error results, handle lifetimes and bucket names,
 * with legacy wit-component names. Results go to bucket "errors" under
 * "KEY.CHECK" (KEY = the event's key). Handle numbers are not observable, so
 * a trace that names one ("invalid bucket handle 7") is stored without its
 * number.
 *
 * The value of each set event picks the scenario:
 *   consume   consume-sync the event's value, then again (KEY.again) and
 *             consume-async (KEY.again-async): both "incoming-value already
 *             consumed"; size still works (KEY.size); after the guest drops
 *             the value, consume-sync fails (KEY.dropped)
 *   buckets   for each name of "", "errors", "with space", "tab\t",
 *             "ünï": open it twice, set NAME KEY = "first" through the first
 *             handle, drop that handle, set NAME KEY = "second" through the
 *             other one; a get through the dropped handle fails
 *             (KEY.stale, once)
 *   values    outgoing-values: set KEY.ov = "abc"; after the drop, set fails
 *             (KEY.dropped-ov) and write-body fails (KEY.write-body = "err");
 *             two write-body streams of one value append (KEY.two = "xy")
 *   missing   exists/get/delete of KEY.nothing in the event's bucket:
 *             KEY.exists = "false", KEY.get and KEY.delete = the traces
 *   stream    get(bucket, KEY) -> consume-async -> drop the incoming-value
 *             -> the stream still reads: KEY.stream = what it read
 *   anything else: nothing.
 * Every on-set drops the event's bucket handle itself at the end (the host
 * must then not drop it again), and every scenario but `consume` leaves the
 * event's incoming-value for the host to drop.
 * on-delete(bucket, key): delete(bucket, key) again fails
 * (KEY.redelete = the trace), exists is false (KEY.exists), and the guest
 * drops the bucket handle.
 */
#define KV_SCHEME_LEGACY
#include "kvguest.h"

static kv_bucket g_out;             /* bucket "errors", per call */
static const char *g_key;           /* the event's key */
static size_t g_key_len;

/* errors KEY.CHECK = val[0..n) */
static void report(const char *check, const void *val, size_t n)
{
    kv_buf k = {0};
    kv_buf_add(&k, g_key, g_key_len);
    kv_buf_byte(&k, '.');
    kv_buf_str(&k, check);
    kv_put(g_out, k.data, k.len, val, n, NULL);
}

static void report_str(const char *check, const char *val)
{
    report(check, val, strlen(val));
}

/* The trace of err, minus a trailing handle number ("invalid bucket handle
 * 7" -> "invalid bucket handle"); drops the error. */
static void report_error(const char *check, kv_error err)
{
    kv_bytes t = kv_trace_take(err);
    size_t n = t.len;
    if (kv_bytes_prefix(t.ptr, t.len, "invalid ")) {
        while (n > 0 && t.ptr[n - 1] >= '0' && t.ptr[n - 1] <= '9')
            n--;
        if (n > 0 && t.ptr[n - 1] == ' ')
            n--;
    }
    report(check, t.ptr, n);
}

static void scenario_consume(kv_incoming_value iv)
{
    kv_ret_list v;
    kv_incoming_value_consume_sync(iv, &v);
    if (v.is_err) {
        report_error("first", v.u.err);
        return;
    }
    kv_incoming_value_consume_sync(iv, &v);
    if (v.is_err)
        report_error("again", v.u.err);
    else
        report_str("again", "ok?!");
    kv_ret_handle a;
    kv_incoming_value_consume_async(iv, &a);
    if (a.is_err) {
        report_error("again-async", a.handle);
    } else {
        kv_streams_drop_input_stream(a.handle);
        report_str("again-async", "ok?!");
    }
    kv_buf n = {0};
    kv_buf_u64(&n, kv_size(iv));
    report("size", n.data, n.len);
    kv_drop_incoming_value(iv);
    kv_incoming_value_consume_sync(iv, &v);
    if (v.is_err)
        report_error("dropped", v.u.err);
    else
        report_str("dropped", "ok?!");
}

static void scenario_buckets(void)
{
    static const char *const names[] = {"", "errors", "with space", "tab\t",
                                        "\xc3\xbcn\xc3\xaf"};
    bool stale_reported = false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kv_bucket first = kv_open(names[i]);
        kv_bucket second = kv_open(names[i]);
        kv_put(first, g_key, g_key_len, "first", 5, NULL);
        kv_drop_bucket(first);
        kv_put(second, g_key, g_key_len, "second", 6, NULL);
        kv_ret_handle g;
        kv_get(first, g_key, g_key_len, &g);
        if (g.is_err) {
            if (!stale_reported)
                report_error("stale", g.handle);
            else
                kv_trace_take(g.handle);
            stale_reported = true;
        } else {
            kv_drop_incoming_value(g.handle);
            report_str("stale", "ok?!");
        }
        kv_drop_bucket(second);
    }
}

static void scenario_values(void)
{
    kv_outgoing_value ov = kv_value_new("abc", 3);
    kv_buf k = {0};
    kv_buf_add(&k, g_key, g_key_len);
    kv_buf_str(&k, ".ov");
    kv_ret_handle r;
    kv_set(g_out, (const char *)k.data, k.len, ov, &r);
    if (r.is_err)
        kv_trace_take(r.handle);
    kv_drop_outgoing_value(ov);

    kv_set(g_out, (const char *)k.data, k.len, ov, &r);
    if (r.is_err)
        report_error("dropped-ov", r.handle);
    else
        report_str("dropped-ov", "ok?!");

    kv_outgoing_value_write_body(ov, &r);
    if (r.is_err) {
        report_str("write-body", "err");
    } else {
        kv_streams_drop_output_stream(r.handle);
        report_str("write-body", "ok?!");
    }

    kv_outgoing_value two = kv_new_outgoing_value();
    kv_ret_handle s1, s2;
    kv_outgoing_value_write_body(two, &s1);
    kv_outgoing_value_write_body(two, &s2);
    if (s1.is_err || s2.is_err)
        __builtin_trap();
    kv_ret_u64 w;
    kv_streams_write(s1.handle, "x", 1, &w);
    kv_streams_write(s2.handle, "y", 1, &w);
    kv_streams_drop_output_stream(s1.handle);
    kv_streams_drop_output_stream(s2.handle);
    kv_buf k2 = {0};
    kv_buf_add(&k2, g_key, g_key_len);
    kv_buf_str(&k2, ".two");
    kv_set(g_out, (const char *)k2.data, k2.len, two, &r);
    if (r.is_err)
        kv_trace_take(r.handle);
    kv_drop_outgoing_value(two);
}

static void scenario_missing(kv_bucket bucket)
{
    kv_buf k = {0};
    kv_buf_add(&k, g_key, g_key_len);
    kv_buf_str(&k, ".nothing");
    const char *kp = (const char *)k.data;

    kv_ret_bool e;
    kv_exists(bucket, kp, k.len, &e);
    if (e.is_err)
        report_error("exists", e.u.err);
    else
        report_str("exists", e.u.ok ? "true" : "false");

    kv_ret_handle r;
    kv_get(bucket, kp, k.len, &r);
    if (r.is_err) {
        report_error("get", r.handle);
    } else {
        kv_drop_incoming_value(r.handle);
        report_str("get", "ok?!");
    }
    kv_delete(bucket, kp, k.len, &r);
    if (r.is_err)
        report_error("delete", r.handle);
    else
        report_str("delete", "ok?!");
}

static void scenario_stream(kv_bucket bucket)
{
    kv_ret_handle g;
    kv_get(bucket, g_key, g_key_len, &g);
    if (g.is_err) {
        report_error("stream", g.handle);
        return;
    }
    kv_ret_handle s;
    kv_incoming_value_consume_async(g.handle, &s);
    kv_drop_incoming_value(g.handle);
    if (s.is_err) {
        report_error("stream", s.handle);
        return;
    }
    kv_ret_read r;
    kv_streams_read(s.handle, 100, &r);
    if (r.is_err)
        report_str("stream", "closed");
    else
        report("stream", r.data.ptr, r.data.len);
    kv_streams_drop_input_stream(s.handle);
}

KV_ON_SET void on_set(kv_bucket bucket, const char *key, size_t key_len,
                      kv_incoming_value iv)
{
    g_out = kv_open("errors");
    g_key = key;
    g_key_len = key_len;
    /* Peek at the scenario name without consuming the event's value. */
    kv_ret_handle g;
    kv_get(bucket, key, key_len, &g);
    kv_bytes cmd = {0};
    if (g.is_err) {
        kv_trace_take(g.handle);
    } else {
        kv_ret_list c;
        kv_incoming_value_consume_sync(g.handle, &c);
        if (!c.is_err)
            cmd = c.u.ok;
        else
            kv_trace_take(c.u.err);
        kv_drop_incoming_value(g.handle);
    }
    if (kv_bytes_eq(cmd.ptr, cmd.len, "consume"))
        scenario_consume(iv);
    else if (kv_bytes_eq(cmd.ptr, cmd.len, "buckets"))
        scenario_buckets();
    else if (kv_bytes_eq(cmd.ptr, cmd.len, "values"))
        scenario_values();
    else if (kv_bytes_eq(cmd.ptr, cmd.len, "missing"))
        scenario_missing(bucket);
    else if (kv_bytes_eq(cmd.ptr, cmd.len, "stream"))
        scenario_stream(bucket);
    kv_drop_bucket(bucket);
    kv_drop_bucket(g_out);
    kv_heap_reset();
}

KV_ON_DELETE void on_delete(kv_bucket bucket, const char *key, size_t key_len)
{
    g_out = kv_open("errors");
    g_key = key;
    g_key_len = key_len;
    kv_ret_handle r;
    kv_delete(bucket, key, key_len, &r);
    if (r.is_err)
        report_error("redelete", r.handle);
    else
        report_str("redelete", "ok?!");
    kv_ret_bool e;
    kv_exists(bucket, key, key_len, &e);
    if (e.is_err)
        report_error("exists", e.u.err);
    else
        report_str("exists", e.u.ok ? "true" : "false");
    kv_drop_bucket(bucket);
    kv_drop_bucket(g_out);
    kv_heap_reset();
}
