/*
 * samples/streams/guest.c - exercises every streams function, with current
 * wit-component (cm32p2) names. Writes into bucket "streams".
 *
 * initialize: streams init = "ready"
 * on-set(bucket, key, value V):
 *   reads V with consume-async + read(3) until eos, then reads and skips
 *   once more past the end, and writes:
 *   streams KEY.chunks = the pieces each read returned, joined with "|"
 *   streams KEY.up     = V with ASCII letters upper-cased, written through
 *                        a new outgoing-value O (stream W1); set at once
 *   streams KEY.mix    = KEY.up + "---" (write-repeated) + V[1..3] (splice
 *                        of 2 from a second input stream over get(bucket,
 *                        KEY) after skip 1) + the rest of it (forward), all
 *                        through W1, then set again
 *   streams KEY.end    = KEY.mix + "!" written through a second write-body
 *                        stream W2 of the same O
 *   streams KEY.info   = "size=N reads=R tail=L,E skip-tail=S,E size-after=N
 *                         up=U rep=3 skip=K,E splice=P,E fwd=F tail2=L,E
 *                         after-drop=closed|ok"
 *     (E is "eos" or "more"; after-drop is the result of writing to W2 after
 *     O was dropped: stream-error is "closed")
 * on-delete(bucket, key):
 *   deletes streams KEY.chunks/.up/.mix/.end/.info (each printed only if
 *   present); nothing else.
 */
#define KV_SCHEME_CM32P2
#include "kvguest.h"

static void buf_eos(kv_buf *b, uint64_t n, bool eos)
{
    kv_buf_u64(b, n);
    kv_buf_str(b, eos ? ",eos" : ",more");
}

static void put_suffixed(kv_bucket b, const char *key, size_t key_len, const char *suffix,
                         kv_outgoing_value ov)
{
    kv_buf k = {0};
    kv_buf_add(&k, key, key_len);
    kv_buf_str(&k, suffix);
    kv_ret_handle r;
    kv_set(b, (const char *)k.data, k.len, ov, &r);
    if (r.is_err)
        kv_trace_take(r.handle);
}

static void put_suffixed_bytes(kv_bucket b, const char *key, size_t key_len,
                               const char *suffix, const kv_buf *val)
{
    kv_outgoing_value ov = kv_value_new(val->data, val->len);
    put_suffixed(b, key, key_len, suffix, ov);
    kv_drop_outgoing_value(ov);
}

KV_INITIALIZE void initialize(void)
{
    kv_bucket s = kv_open("streams");
    kv_put_str(s, "init", "ready");
    kv_drop_bucket(s);
    kv_heap_reset();
}

KV_ON_SET void on_set(kv_bucket bucket, const char *key, size_t key_len,
                      kv_incoming_value iv)
{
    kv_bucket out = kv_open("streams");
    kv_buf info = {0};
    uint64_t size = kv_size(iv);
    kv_buf_str(&info, "size=");
    kv_buf_u64(&info, size);

    /* 1. Read the value in chunks of 3 until eos. */
    kv_ret_handle in;
    kv_incoming_value_consume_async(iv, &in);
    if (in.is_err)
        __builtin_trap();
    kv_buf value = {0}, chunks = {0};
    uint64_t reads = 0;
    /* A correct host needs ceil(size / 3) reads, or 1 for an empty value;
     * stop well after that so a host that never says eos cannot hang us. */
    uint64_t max_reads = size / 3 + 3;
    bool eos = false;
    while (!eos && reads < max_reads) {
        kv_ret_read r;
        kv_streams_read(in.handle, 3, &r);
        if (r.is_err)
            break;
        if (reads > 0)
            kv_buf_byte(&chunks, '|');
        kv_buf_add(&chunks, r.data.ptr, r.data.len);
        kv_buf_add(&value, r.data.ptr, r.data.len);
        reads++;
        eos = r.eos != 0;
    }
    kv_buf_str(&info, " reads=");
    kv_buf_u64(&info, reads);
    if (!eos)
        kv_buf_str(&info, "(no-eos)");

    /* Past the end: read and skip report (nothing, eos). */
    kv_ret_read tail;
    kv_streams_read(in.handle, 3, &tail);
    kv_buf_str(&info, " tail=");
    if (tail.is_err)
        kv_buf_str(&info, "closed");
    else
        buf_eos(&info, tail.data.len, tail.eos);
    kv_ret_u64_bool sk;
    kv_streams_skip(in.handle, 5, &sk);
    kv_buf_str(&info, " skip-tail=");
    if (sk.is_err)
        kv_buf_str(&info, "closed");
    else
        buf_eos(&info, sk.n, sk.eos);
    kv_streams_drop_input_stream(in.handle);
    /* size keeps working on a consumed value. */
    kv_buf_str(&info, " size-after=");
    kv_buf_u64(&info, kv_size(iv));

    put_suffixed_bytes(out, key, key_len, ".chunks", &chunks);

    /* 2. KEY.up through a fresh outgoing-value. */
    for (size_t i = 0; i < value.len; i++)
        if (value.data[i] >= 'a' && value.data[i] <= 'z')
            value.data[i] = (uint8_t)(value.data[i] - 'a' + 'A');
    kv_outgoing_value ov = kv_new_outgoing_value();
    kv_ret_handle w1;
    kv_outgoing_value_write_body(ov, &w1);
    if (w1.is_err)
        __builtin_trap();
    kv_ret_u64 w;
    kv_streams_write(w1.handle, value.data, value.len, &w);
    kv_buf_str(&info, " up=");
    if (w.is_err)
        kv_buf_str(&info, "closed");
    else
        kv_buf_u64(&info, w.u.ok);
    put_suffixed(out, key, key_len, ".up", ov);

    /* 3. KEY.mix: write-repeated, then splice and forward from a second
     * stream over the stored value. */
    kv_streams_write_repeated(w1.handle, '-', 3, &w);
    kv_buf_str(&info, " rep=");
    if (w.is_err)
        kv_buf_str(&info, "closed");
    else
        kv_buf_u64(&info, w.u.ok);

    kv_ret_handle g;
    kv_get(bucket, key, key_len, &g);
    if (g.is_err) {
        kv_bytes t = kv_trace_take(g.handle);
        kv_buf_str(&info, " get-failed=");
        kv_buf_add(&info, t.ptr, t.len);
    } else {
        kv_ret_handle in2;
        kv_incoming_value_consume_async(g.handle, &in2);
        if (in2.is_err)
            __builtin_trap();
        kv_drop_incoming_value(g.handle);   /* the stream lives on */
        kv_ret_u64_bool r;
        kv_streams_skip(in2.handle, 1, &r);
        kv_buf_str(&info, " skip=");
        if (r.is_err)
            kv_buf_str(&info, "closed");
        else
            buf_eos(&info, r.n, r.eos);
        kv_streams_splice(w1.handle, in2.handle, 2, &r);
        kv_buf_str(&info, " splice=");
        if (r.is_err)
            kv_buf_str(&info, "closed");
        else
            buf_eos(&info, r.n, r.eos);
        kv_streams_forward(w1.handle, in2.handle, &w);
        kv_buf_str(&info, " fwd=");
        if (w.is_err)
            kv_buf_str(&info, "closed");
        else
            kv_buf_u64(&info, w.u.ok);
        kv_ret_read t2;
        kv_streams_read(in2.handle, 3, &t2);
        kv_buf_str(&info, " tail2=");
        if (t2.is_err)
            kv_buf_str(&info, "closed");
        else
            buf_eos(&info, t2.data.len, t2.eos);
        kv_streams_drop_input_stream(in2.handle);
    }
    kv_streams_drop_output_stream(w1.handle);
    put_suffixed(out, key, key_len, ".mix", ov);

    /* 4. KEY.end: a second write-body stream appends to the same body. */
    kv_ret_handle w2;
    kv_outgoing_value_write_body(ov, &w2);
    if (w2.is_err)
        __builtin_trap();
    kv_streams_write(w2.handle, "!", 1, &w);
    put_suffixed(out, key, key_len, ".end", ov);

    /* 5. Once the value is dropped its streams are closed. */
    kv_drop_outgoing_value(ov);
    kv_streams_write(w2.handle, "?", 1, &w);
    kv_buf_str(&info, w.is_err ? " after-drop=closed" : " after-drop=ok");
    kv_streams_drop_output_stream(w2.handle);

    put_suffixed_bytes(out, key, key_len, ".info", &info);
    kv_drop_bucket(out);
    kv_heap_reset();
}

KV_ON_DELETE void on_delete(kv_bucket bucket, const char *key, size_t key_len)
{
    static const char *const suffixes[] = {".chunks", ".up", ".mix", ".end", ".info"};
    (void)bucket;
    kv_bucket out = kv_open("streams");
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        kv_buf k = {0};
        kv_buf_add(&k, key, key_len);
        kv_buf_str(&k, suffixes[i]);
        kv_ret_handle r;
        kv_delete(out, (const char *)k.data, k.len, &r);
        if (r.is_err)
            kv_trace_take(r.handle);
    }
    kv_drop_bucket(out);
    kv_heap_reset();
}
