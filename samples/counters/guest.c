/*
 * samples/counters/guest.c - atomic increment and compare-and-swap, with
 * 2023-bindings names (import module `atomic`, export `handle-watch#on-set`).
 *
 * The value of each set event is read as a command on the event's bucket:
 *   inc KEY DELTA          increment(bucket, KEY, DELTA)
 *   cas KEY OLD NEW        compare-and-swap(bucket, KEY, OLD, NEW)
 * (single spaces between words; numbers are decimal u64). Any other value is
 * ignored (so is a KEY that is not valid UTF-8). After a command the guest sets `ret` in the same bucket to the
 * result: the new sum for inc, "true"/"false" for cas, or "error: " + the
 * error's trace text.
 * on-delete: increment(bucket, "deletes", 1).
 */
#define KV_SCHEME_2023
#include "kvguest.h"

typedef struct word {
    const uint8_t *p;
    size_t n;
} word;

/* Split s[0..n) at single spaces into at most max words; returns the count,
 * or max + 1 when there are more. Empty words (double spaces) count too. */
static size_t split(const uint8_t *s, size_t n, word *out, size_t max)
{
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == ' ') {
            if (count == max)
                return max + 1;
            out[count].p = s + start;
            out[count].n = i - start;
            count++;
            start = i + 1;
        }
    }
    return count;
}

static void put_ret(kv_bucket b, const kv_buf *val)
{
    kv_put(b, "ret", 3, val->data, val->len, NULL);
}

static void put_error(kv_bucket b, kv_error err)
{
    kv_bytes t = kv_trace_take(err);
    kv_buf val = {0};
    kv_buf_str(&val, "error: ");
    kv_buf_add(&val, t.ptr, t.len);
    put_ret(b, &val);
}

KV_ON_SET void on_set(kv_bucket bucket, const char *key, size_t key_len,
                      kv_incoming_value iv)
{
    (void)key;
    (void)key_len;
    kv_ret_list v;
    kv_incoming_value_consume_sync(iv, &v);
    if (v.is_err) {
        kv_trace_take(v.u.err);
        kv_heap_reset();
        return;
    }
    word w[4];
    size_t nw = split(v.u.ok.ptr, v.u.ok.len, w, 4);
    uint64_t a, b;
    kv_buf val = {0};

    if (nw == 3 && kv_bytes_eq(w[0].p, w[0].n, "inc") && w[1].n > 0 &&
        kv_utf8_valid(w[1].p, w[1].n) &&
        kv_parse_u64(w[2].p, w[2].n, &a)) {
        kv_ret_u64 r;
        kv_increment(bucket, (const char *)w[1].p, w[1].n, a, &r);
        if (r.is_err) {
            put_error(bucket, r.u.err);
        } else {
            kv_buf_u64(&val, r.u.ok);
            put_ret(bucket, &val);
        }
    } else if (nw == 4 && kv_bytes_eq(w[0].p, w[0].n, "cas") && w[1].n > 0 &&
               kv_utf8_valid(w[1].p, w[1].n) &&
               kv_parse_u64(w[2].p, w[2].n, &a) && kv_parse_u64(w[3].p, w[3].n, &b)) {
        kv_ret_bool r;
        kv_compare_and_swap(bucket, (const char *)w[1].p, w[1].n, a, b, &r);
        if (r.is_err) {
            put_error(bucket, r.u.err);
        } else {
            kv_buf_str(&val, r.u.ok ? "true" : "false");
            put_ret(bucket, &val);
        }
    }
    kv_heap_reset();
}

KV_ON_DELETE void on_delete(kv_bucket bucket, const char *key, size_t key_len)
{
    (void)key;
    (void)key_len;
    kv_ret_u64 r;
    kv_increment(bucket, "deletes", 7, 1, &r);
    if (r.is_err)
        put_error(bucket, r.u.err);
    kv_heap_reset();
}
