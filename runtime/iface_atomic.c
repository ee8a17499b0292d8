/*
 * runtime/iface_atomic.c - the `atomic` interface. Counters are values of
 * 1-20 ASCII digits whose number fits in u64 (like Redis INCRBY); results
 * are stored back in canonical decimal and printed as `set`.
 */
#include "iface.h"

#include <stdio.h>

/* Parse a counter; false when v is not one. */
static bool parse_counter(const kvrt_val *v, uint64_t *out)
{
    if (v->len == 0 || v->len > 20)
        return false;
    uint64_t n = 0;
    for (size_t i = 0; i < v->len; i++) {
        uint8_t c = v->data[i];
        if (c < '0' || c > '9')
            return false;
        uint64_t d = (uint64_t)(c - '0');
        if (n > (UINT64_MAX - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *out = n;
    return true;
}

typedef enum counter_read { C_ABSENT, C_NOT_A_COUNTER, C_OK } counter_read;

/* The counter under key, read from the store. */
static counter_read read_counter(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen,
                                 uint64_t *n)
{
    kvrt_val *cur = kvrt_kv_get(ctx, b, key, klen);
    if (cur == NULL)
        return C_ABSENT;
    bool ok = parse_counter(cur, n);
    kvrt_val_unref(cur);
    return ok ? C_OK : C_NOT_A_COUNTER;
}

static void store_counter(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen, uint64_t n)
{
    char text[24];
    int len = snprintf(text, sizeof text, "%llu", (unsigned long long)n);
    kvrt_feed_set_bytes(ctx, b, key, klen, (const uint8_t *)text, (size_t)len);
}

kvrt_counter_res kvrt_counter_add(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen,
                                  uint64_t delta, uint64_t *n)
{
    uint64_t old = 0;
    if (read_counter(ctx, b, key, klen, &old) == C_NOT_A_COUNTER)
        return KVRT_COUNTER_NOT_A_COUNTER;
    if (old > UINT64_MAX - delta)
        return KVRT_COUNTER_OVERFLOW;
    *n = old + delta;
    store_counter(ctx, b, key, klen, *n);
    return KVRT_COUNTER_OK;
}

void kvrt_atomic_increment(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len,
                           uint64_t delta, uint32_t ret)
{
    const uint8_t *key = kvrt_mem_string(ctx, key_ptr, key_len);
    uint8_t *r = kvrt_mem_span(ctx, ret, 16, 8);
    kvrt_bucket *b = kvrt_bucket_of(ctx, bucket);
    uint32_t err = 0;
    uint64_t n = 0;
    kvrt_counter_res cr = b ? kvrt_counter_add(ctx, b, key, key_len, delta, &n) : KVRT_COUNTER_OK;
    if (b == NULL)
        err = kvrt_error_text(ctx, "invalid bucket handle %u", bucket);
    else if (cr == KVRT_COUNTER_NOT_A_COUNTER)
        err = kvrt_error_key(ctx, "not a counter", key, key_len, b);
    else if (cr == KVRT_COUNTER_OVERFLOW)
        err = kvrt_error_key(ctx, "counter overflow", key, key_len, b);
    if (err != 0) {
        r[0] = 1;
        kvrt_put_u32(r + 8, err);
        return;
    }
    r[0] = 0;
    kvrt_put_u64(r + 8, n);
}

void kvrt_atomic_compare_and_swap(kvrt_ctx *ctx, uint32_t bucket, uint32_t key_ptr, uint32_t key_len,
                                  uint64_t old_v, uint64_t new_v, uint32_t ret)
{
    const uint8_t *key = kvrt_mem_string(ctx, key_ptr, key_len);
    uint8_t *r = kvrt_mem_span(ctx, ret, 8, 4);
    kvrt_bucket *b = kvrt_bucket_or_error(ctx, bucket, r);
    if (b == NULL)
        return;
    uint64_t n;
    counter_read cr = read_counter(ctx, b, key, key_len, &n);
    if (cr == C_ABSENT) {
        kvrt_ret_err_u32(r, kvrt_error_key(ctx, "no such key", key, key_len, b));
        return;
    }
    if (cr == C_NOT_A_COUNTER) {
        kvrt_ret_err_u32(r, kvrt_error_key(ctx, "not a counter", key, key_len, b));
        return;
    }
    r[0] = 0;
    r[4] = n == old_v;
    if (n == old_v)
        store_counter(ctx, b, key, key_len, new_v);
}
