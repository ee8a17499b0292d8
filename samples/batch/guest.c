/*
 * samples/batch/guest.c - the batch interface, with legacy wit-component
 * names.
 *
 * The value of each set event is read as a command on the event's bucket;
 * words are separated by single spaces:
 *   getmany K1 K2 ...     get-many(bucket, [K...]); out KEY = the values
 *                         (consumed one by one) joined with ","
 *   keys                  get-keys(bucket); out KEY = the keys joined with ","
 *   setmany K1=V1 ...     set-many(bucket, keys, [(K1, V1), ...]) where
 *                         keys = [K1, ..., "ignored-key"] (set-many ignores
 *                         its keys argument); out KEY = "ok"
 *   delmany K1 K2 ...     delete-many(bucket, [K...]); out KEY = "ok"
 * where KEY is the event's key and `out` is the bucket "out". A failing
 * call stores "error: " + the error's trace text instead. Any other value
 * is ignored; so is a command with a word that is not valid UTF-8.
 * on-delete(bucket, key): out after-delete = get-keys(bucket) joined with ",".
 */
#define KV_SCHEME_LEGACY
#include "kvguest.h"

#define MAX_WORDS 64

/* Split s[0..n) at single spaces; returns the number of words (at most
 * MAX_WORDS, else 0). An empty s has no words. */
static size_t split(const uint8_t *s, size_t n, kv_str *out)
{
    size_t count = 0, start = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == ' ') {
            if (count == MAX_WORDS)
                return 0;
            out[count].ptr = (const char *)s + start;
            out[count].len = i - start;
            count++;
            start = i + 1;
        }
    }
    return count;
}

static void put_result(kv_bucket out, const char *key, size_t key_len, const kv_buf *val)
{
    kv_put(out, key, key_len, val->data, val->len, NULL);
}

static void put_error(kv_bucket out, const char *key, size_t key_len, kv_error err)
{
    kv_bytes t = kv_trace_take(err);
    kv_buf val = {0};
    kv_buf_str(&val, "error: ");
    kv_buf_add(&val, t.ptr, t.len);
    put_result(out, key, key_len, &val);
}

static void join_keys(kv_bucket b, kv_buf *val)
{
    kv_bytes list;
    kv_get_keys(b, &list);
    const kv_str *keys = (const kv_str *)list.ptr;
    for (size_t i = 0; i < list.len; i++) {
        if (i > 0)
            kv_buf_byte(val, ',');
        kv_buf_add(val, keys[i].ptr, keys[i].len);
    }
}

static void do_getmany(kv_bucket b, kv_bucket out, const char *key, size_t key_len,
                       const kv_str *args, size_t nargs)
{
    kv_ret_list r;
    /* A list pointer must be 4-aligned even when the list is empty. */
    kv_get_many(b, args, nargs, &r);
    if (r.is_err) {
        put_error(out, key, key_len, r.u.err);
        return;
    }
    const kv_incoming_value *ivs = (const kv_incoming_value *)r.u.ok.ptr;
    kv_buf val = {0};
    for (size_t i = 0; i < r.u.ok.len; i++) {
        if (i > 0)
            kv_buf_byte(&val, ',');
        kv_ret_list c;
        kv_incoming_value_consume_sync(ivs[i], &c);
        if (c.is_err)
            kv_trace_take(c.u.err);
        else
            kv_buf_add(&val, c.u.ok.ptr, c.u.ok.len);
        kv_drop_incoming_value(ivs[i]);
    }
    put_result(out, key, key_len, &val);
}

static void do_setmany(kv_bucket b, kv_bucket out, const char *key, size_t key_len,
                       const kv_str *args, size_t nargs)
{
    kv_str keys[MAX_WORDS + 1];
    kv_key_value pairs[MAX_WORDS];
    for (size_t i = 0; i < nargs; i++) {
        size_t eq = 0;
        while (eq < args[i].len && args[i].ptr[eq] != '=')
            eq++;
        keys[i].ptr = args[i].ptr;
        keys[i].len = eq;
        pairs[i].key = args[i].ptr;
        pairs[i].key_len = eq;
        size_t vstart = eq < args[i].len ? eq + 1 : eq;
        pairs[i].value = kv_value_new(args[i].ptr + vstart, args[i].len - vstart);
    }
    keys[nargs].ptr = "ignored-key";
    keys[nargs].len = 11;
    kv_ret_handle r;
    kv_set_many(b, keys, nargs + 1, pairs, nargs, &r);
    for (size_t i = 0; i < nargs; i++)
        kv_drop_outgoing_value(pairs[i].value);
    if (r.is_err) {
        put_error(out, key, key_len, r.handle);
        return;
    }
    kv_buf val = {0};
    kv_buf_str(&val, "ok");
    put_result(out, key, key_len, &val);
}

static void do_delmany(kv_bucket b, kv_bucket out, const char *key, size_t key_len,
                       const kv_str *args, size_t nargs)
{
    kv_ret_handle r;
    kv_delete_many(b, args, nargs, &r);
    if (r.is_err) {
        put_error(out, key, key_len, r.handle);
        return;
    }
    kv_buf val = {0};
    kv_buf_str(&val, "ok");
    put_result(out, key, key_len, &val);
}

KV_ON_SET void on_set(kv_bucket bucket, const char *key, size_t key_len,
                      kv_incoming_value iv)
{
    kv_ret_list v;
    kv_incoming_value_consume_sync(iv, &v);
    if (v.is_err) {
        kv_trace_take(v.u.err);
        kv_heap_reset();
        return;
    }
    kv_str words[MAX_WORDS];
    size_t nw = split(v.u.ok.ptr, v.u.ok.len, words);
    if (nw == 0 || !kv_utf8_valid(v.u.ok.ptr, v.u.ok.len)) {
        kv_heap_reset();
        return;
    }
    const char *cmd = words[0].ptr;
    size_t cmd_len = words[0].len;
    kv_bucket out = kv_open("out");
    if (kv_bytes_eq(cmd, cmd_len, "getmany")) {
        do_getmany(bucket, out, key, key_len, words + 1, nw - 1);
    } else if (kv_bytes_eq(cmd, cmd_len, "keys") && nw == 1) {
        kv_buf val = {0};
        join_keys(bucket, &val);
        put_result(out, key, key_len, &val);
    } else if (kv_bytes_eq(cmd, cmd_len, "setmany")) {
        do_setmany(bucket, out, key, key_len, words + 1, nw - 1);
    } else if (kv_bytes_eq(cmd, cmd_len, "delmany")) {
        do_delmany(bucket, out, key, key_len, words + 1, nw - 1);
    }
    kv_drop_bucket(out);
    kv_heap_reset();
}

KV_ON_DELETE void on_delete(kv_bucket bucket, const char *key, size_t key_len)
{
    (void)key;
    (void)key_len;
    kv_bucket out = kv_open("out");
    kv_buf val = {0};
    join_keys(bucket, &val);
    kv_put(out, "after-delete", 12, val.data, val.len, NULL);
    kv_drop_bucket(out);
    kv_heap_reset();
}
