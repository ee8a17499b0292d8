/*
 * runtime/iface.h - helpers shared by the iface_*.c import implementations:
 * error handles with their trace texts, bucket handle lookup, and the store
 * mutations that also append a record to the output feed (feed.c).
 */
#ifndef KVRT_IFACE_H
#define KVRT_IFACE_H

#include "ctx.h"

/* New error handle holding `no such key: "K" in bucket "B"` style text:
 * `what` (a string literal, kept by pointer) + ": " + quoted key +
 * " in bucket " + quoted bucket name. The key and the name are copied now
 * and the text made only when trace asks for it (most such errors, a get
 * of a missing key, are only dropped). Traps when the handle table is full
 * ("too many live handles"). */
uint32_t kvrt_error_key(kvrt_ctx *ctx, const char *what, const uint8_t *key,
                        size_t klen, kvrt_bucket *b);
/* New error handle with a printf-formatted text; traps when full. */
uint32_t kvrt_error_text(kvrt_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bucket of a live bucket handle, or NULL. */
static inline kvrt_bucket *kvrt_bucket_of(kvrt_ctx *ctx, uint32_t h)
{
    kvrt_res *r = kvrt_handle_get(&ctx->handles, h, KVRT_H_BUCKET);
    return r ? r->u.bucket : NULL;
}
/* Writes the error result `invalid bucket handle N` (tag 1, error handle
 * at offset 4) into the return area r. */
void kvrt_bucket_error(kvrt_ctx *ctx, uint32_t h, uint8_t *r);
/* Bucket of a live bucket handle; otherwise the error result into r
 * (kvrt_bucket_error) and NULL. */
static inline kvrt_bucket *kvrt_bucket_or_error(kvrt_ctx *ctx, uint32_t h, uint8_t *r)
{
    kvrt_bucket *b = kvrt_bucket_of(ctx, h);
    if (b == NULL)
        kvrt_bucket_error(ctx, h, r);
    return b;
}

/* A store mutation made by the guest: applied (journaled) and recorded in
 * the output feed. Out of memory traps. */
void kvrt_feed_set(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val *v);
/* The same for a copy of data[0..len) (no value object for a small one
 * where the backend keeps small values as bytes). */
void kvrt_feed_set_bytes(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen,
                         const uint8_t *data, size_t len);
bool kvrt_feed_delete(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen);

/* Host-level operations under the imports (plain C arguments, no guest
 * memory): what the import functions do once their arguments are lifted,
 * and what a native guest (bench/twins) calls directly. */

/* Bucket by name, created when missing (and then journaled for --data);
 * a store failure traps. */
kvrt_bucket *kvrt_open(kvrt_ctx *ctx, const uint8_t *name, size_t len);

typedef enum kvrt_counter_res {
    KVRT_COUNTER_OK = 0,
    KVRT_COUNTER_NOT_A_COUNTER,     /* the value is not 1-20 digits of a u64 */
    KVRT_COUNTER_OVERFLOW           /* value + delta does not fit in u64 */
} kvrt_counter_res;
/* atomic.increment: a missing key counts as 0; on KVRT_COUNTER_OK the sum
 * is stored (in decimal, recorded as a set) and *n holds it. */
kvrt_counter_res kvrt_counter_add(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen,
                                  uint64_t delta, uint64_t *n);

/* Reads of the store for an import (kv.h); a backend failure traps (and,
 * when the store is lost, sets ctx->store_lost so the run stops).
 * kvrt_kv_get's value is the caller's reference. */
_Noreturn void kvrt_kv_failed(kvrt_ctx *ctx, const char *what);

static inline kvrt_val *kvrt_kv_get(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key,
                                    size_t klen)
{
    kvrt_val *v;
    if (ctx->kv.ops->get(ctx->kv.self, b, key, klen, &v) != 0)
        kvrt_kv_failed(ctx, "reading the store");
    return v;
}

static inline bool kvrt_kv_has(kvrt_ctx *ctx, kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    int rc = ctx->kv.ops->has(ctx->kv.self, b, key, klen);
    if (rc < 0)
        kvrt_kv_failed(ctx, "reading the store");
    return rc == 1;
}

/* Write result tags/payloads into a checked return area. */
static inline void kvrt_ret_ok_u32(uint8_t *r, uint32_t v) { r[0] = 0; kvrt_put_u32(r + 4, v); }
static inline void kvrt_ret_err_u32(uint8_t *r, uint32_t e) { r[0] = 1; kvrt_put_u32(r + 4, e); }

#endif
