/*
 * bench/twins/api_calls.c - twin.h as native C making the wasm twin's calls
 * itself: the world's import functions (runtime/kvrt.h, the functions the
 * generated glue calls), each entered and left as the glue does, with
 * arguments and results in a static block that stands for guest memory.
 * The same imports in the same order as api_wasm.c over kvguest.h, minus
 * the wasm: no wasm2c code, no glue wrappers, no realloc in wasm. So
 *   wasm / calls  is the price of the wasm layer alone, and
 *   calls / native (api_native.c) the price of the world's protocol
 *   (handles, streams, return areas, checked guest memory).
 * Bytes the workload holds on the native stack are copied into the block
 * before a call (in the wasm twin they are in linear memory already); bytes
 * already in the block (the event's key, values read) are passed in place.
 * The block's heap is reset after each handler, as kv_heap_reset does.
 */
#include <stdint.h>
#include <string.h>

#include "iface.h"
#include "twin.h"

#define HEAP_BASE 1024u
#define RET 16u                 /* the return area: 8-aligned, 32 bytes */

static uint8_t g_bytes[1u << 20];
static wasm_rt_memory_t g_mem;
static uint32_t g_bump = HEAP_BASE;
static kvrt_ctx *g_ctx;

static uint32_t heap_alloc(uint32_t align, uint32_t size)
{
    uint32_t p = (g_bump + align - 1) & ~(align - 1);
    if (size > sizeof g_bytes - p)
        kvrt_trap(g_ctx, "calls twin: out of block memory");
    g_bump = p + size;
    return p;
}

/* Block offset of n bytes at p: in place when they are in the block. */
static uint32_t at(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)g_bytes;
    if (a >= lo && a - lo <= sizeof g_bytes - n)
        return (uint32_t)(a - lo);
    uint32_t off = heap_alloc(1, (uint32_t)n);
    memcpy(g_bytes + off, p, n);
    return off;
}

static uint32_t rd32(uint32_t off)
{
    uint32_t v;
    memcpy(&v, g_bytes + off, 4);
    return v;
}

static uint64_t rd64(uint32_t off)
{
    uint64_t v;
    memcpy(&v, g_bytes + off, 8);
    return v;
}

static void wr32(uint32_t off, uint32_t v)
{
    memcpy(g_bytes + off, &v, 4);
}

static bool ret_is_err(void)
{
    return g_bytes[RET] != 0;
}

static tw_bytes bytes_at(uint32_t ptr, uint32_t len)
{
    return (tw_bytes){g_bytes + ptr, len};
}

/* ---- one function per import, entered as the glue enters it ---------------- */

static void drop_error(uint32_t e)
{
    kvrt_host_enter(g_ctx);
    kvrt_wasi_cloud_error_drop_error(g_ctx, e);
    kvrt_host_leave(g_ctx);
}

static void drop_incoming(uint32_t iv)
{
    kvrt_host_enter(g_ctx);
    kvrt_types_drop_incoming_value(g_ctx, iv);
    kvrt_host_leave(g_ctx);
}

static void drop_outgoing(uint32_t ov)
{
    kvrt_host_enter(g_ctx);
    kvrt_types_drop_outgoing_value(g_ctx, ov);
    kvrt_host_leave(g_ctx);
}

/* A result<_, error> (error handle at 4) in the return area: true when
 * ok; an error is dropped, as the wasm twin drops it. */
static bool ok_else_drop_error(void)
{
    if (!ret_is_err())
        return true;
    drop_error(rd32(RET + 4));
    return false;
}

/* incoming-value-consume-sync: the body (in the block) or a trap. */
static tw_bytes consume_sync(uint32_t iv)
{
    kvrt_host_enter(g_ctx);
    kvrt_types_incoming_value_consume_sync(g_ctx, iv, RET);
    kvrt_host_leave(g_ctx);
    if (ret_is_err())
        kvrt_trap(g_ctx, "calls twin: consume-sync failed");
    return bytes_at(rd32(RET + 4), rd32(RET + 8));
}

/* kv_value_new: new-outgoing-value, write-body, one write, drop the stream. */
static uint32_t value_new(const void *p, size_t n)
{
    uint32_t src = at(p, n);
    kvrt_host_enter(g_ctx);
    uint32_t ov = kvrt_types_new_outgoing_value(g_ctx);
    kvrt_host_leave(g_ctx);
    kvrt_host_enter(g_ctx);
    kvrt_types_outgoing_value_write_body(g_ctx, ov, RET);
    kvrt_host_leave(g_ctx);
    if (ret_is_err())
        kvrt_trap(g_ctx, "calls twin: write-body failed");
    uint32_t os = rd32(RET + 4);
    kvrt_host_enter(g_ctx);
    kvrt_streams_write(g_ctx, os, src, (uint32_t)n, RET);
    kvrt_host_leave(g_ctx);
    if (ret_is_err() || rd64(RET + 8) != n)
        kvrt_trap(g_ctx, "calls twin: write failed");
    kvrt_host_enter(g_ctx);
    kvrt_streams_drop_output_stream(g_ctx, os);
    kvrt_host_leave(g_ctx);
    return ov;
}

/* readwrite.get: the incoming-value, or false (the error dropped). */
static bool get_value(tw_bucket b, const void *key, size_t klen, uint32_t *iv)
{
    uint32_t k = at(key, klen);
    kvrt_host_enter(g_ctx);
    kvrt_readwrite_get(g_ctx, (uint32_t)b, k, (uint32_t)klen, RET);
    kvrt_host_leave(g_ctx);
    if (!ok_else_drop_error())
        return false;
    *iv = rd32(RET + 4);
    return true;
}

/* ---- twin.h ---------------------------------------------------------------- */

tw_bucket tw_open(const char *name)
{
    uint32_t n = (uint32_t)strlen(name);
    uint32_t p = at(name, n);
    kvrt_host_enter(g_ctx);
    kvrt_types_open_bucket(g_ctx, p, n, RET);
    kvrt_host_leave(g_ctx);
    if (ret_is_err())
        kvrt_trap(g_ctx, "calls twin: open-bucket failed");
    return rd32(RET + 4);
}

void tw_close(tw_bucket b)
{
    kvrt_host_enter(g_ctx);
    kvrt_types_drop_bucket(g_ctx, (uint32_t)b);
    kvrt_host_leave(g_ctx);
}

tw_bytes tw_event_value(tw_value v)
{
    return consume_sync(v);
}

bool tw_get(tw_bucket b, const void *key, size_t klen, tw_bytes *out)
{
    uint32_t iv;
    if (!get_value(b, key, klen, &iv))
        return false;
    *out = consume_sync(iv);
    drop_incoming(iv);
    return true;
}

/* kv_buf_add on the block's heap: doubling from 64, the old bytes copied. */
typedef struct heap_buf {
    uint32_t data, len, cap;
} heap_buf;

static void heap_buf_add(heap_buf *hb, uint32_t src, uint32_t n)
{
    if (hb->len + n > hb->cap) {
        uint32_t cap = hb->cap ? hb->cap * 2 : 64;
        while (cap < hb->len + n)
            cap *= 2;
        uint32_t p = heap_alloc(1, cap);
        memcpy(g_bytes + p, g_bytes + hb->data, hb->len);
        hb->data = p;
        hb->cap = cap;
    }
    memcpy(g_bytes + hb->data + hb->len, g_bytes + src, n);
    hb->len += n;
}

bool tw_get_streamed(tw_bucket b, const void *key, size_t klen, tw_bytes *out)
{
    uint32_t iv;
    if (!get_value(b, key, klen, &iv))
        return false;
    kvrt_host_enter(g_ctx);
    kvrt_types_incoming_value_consume_async(g_ctx, iv, RET);
    kvrt_host_leave(g_ctx);
    bool failed = ret_is_err();
    uint32_t s = rd32(RET + 4);
    drop_incoming(iv);
    if (failed)
        kvrt_trap(g_ctx, "calls twin: consume-async failed");
    heap_buf body = {0, 0, 0};
    for (;;) {
        kvrt_host_enter(g_ctx);
        kvrt_streams_read(g_ctx, s, 8, RET);
        kvrt_host_leave(g_ctx);
        if (ret_is_err())
            break;
        bool eos = g_bytes[RET + 12] != 0;
        heap_buf_add(&body, rd32(RET + 4), rd32(RET + 8));
        if (eos)
            break;
    }
    kvrt_host_enter(g_ctx);
    kvrt_streams_drop_input_stream(g_ctx, s);
    kvrt_host_leave(g_ctx);
    *out = bytes_at(body.data, body.len);
    return true;
}

void tw_set(tw_bucket b, const void *key, size_t klen, const void *val, size_t vlen)
{
    uint32_t ov = value_new(val, vlen);
    uint32_t k = at(key, klen);
    kvrt_host_enter(g_ctx);
    kvrt_readwrite_set(g_ctx, (uint32_t)b, k, (uint32_t)klen, ov, RET);
    kvrt_host_leave(g_ctx);
    bool failed = ret_is_err();
    drop_outgoing(ov);
    if (failed)
        kvrt_trap(g_ctx, "calls twin: set failed");
}

bool tw_delete(tw_bucket b, const void *key, size_t klen)
{
    uint32_t k = at(key, klen);
    kvrt_host_enter(g_ctx);
    kvrt_readwrite_delete(g_ctx, (uint32_t)b, k, (uint32_t)klen, RET);
    kvrt_host_leave(g_ctx);
    return ok_else_drop_error();
}

uint64_t tw_increment(tw_bucket b, const void *key, size_t klen, uint64_t delta)
{
    uint32_t k = at(key, klen);
    kvrt_host_enter(g_ctx);
    kvrt_atomic_increment(g_ctx, (uint32_t)b, k, (uint32_t)klen, delta, RET);
    kvrt_host_leave(g_ctx);
    if (ret_is_err())
        kvrt_trap(g_ctx, "calls twin: increment failed");
    return rd64(RET + 8);
}

/* A list<string> of n keys in the block (8-byte elements). */
static uint32_t key_list(const tw_bytes *keys, size_t n)
{
    uint32_t list = heap_alloc(4, (uint32_t)(8 * n));
    for (size_t i = 0; i < n; i++) {
        wr32(list + 8 * (uint32_t)i, at(keys[i].ptr, keys[i].len));
        wr32(list + 8 * (uint32_t)i + 4, (uint32_t)keys[i].len);
    }
    return list;
}

bool tw_get_many(tw_bucket b, const tw_bytes *keys, size_t n, tw_bytes *vals)
{
    if (n > 16)
        kvrt_trap(g_ctx, "calls twin: more than 16 keys");
    uint32_t list = key_list(keys, n);
    kvrt_host_enter(g_ctx);
    kvrt_batch_get_many(g_ctx, (uint32_t)b, list, (uint32_t)n, RET);
    kvrt_host_leave(g_ctx);
    if (!ok_else_drop_error())
        return false;
    uint32_t ivs = rd32(RET + 4);
    for (size_t i = 0; i < n; i++) {
        uint32_t iv = rd32(ivs + 4 * (uint32_t)i);
        vals[i] = consume_sync(iv);
        drop_incoming(iv);
    }
    return true;
}

void tw_set_many(tw_bucket b, const tw_bytes *keys, const tw_bytes *vals, size_t n)
{
    if (n > 16)
        kvrt_trap(g_ctx, "calls twin: more than 16 keys");
    uint32_t ovs[16];
    uint32_t list = key_list(keys, n);
    uint32_t kvs = heap_alloc(4, (uint32_t)(12 * n));
    for (size_t i = 0; i < n; i++) {
        uint32_t e = kvs + 12 * (uint32_t)i;
        ovs[i] = value_new(vals[i].ptr, vals[i].len);
        wr32(e, rd32(list + 8 * (uint32_t)i));
        wr32(e + 4, (uint32_t)keys[i].len);
        wr32(e + 8, ovs[i]);
    }
    kvrt_host_enter(g_ctx);
    kvrt_batch_set_many(g_ctx, (uint32_t)b, list, (uint32_t)n, kvs, (uint32_t)n, RET);
    kvrt_host_leave(g_ctx);
    bool failed = ret_is_err();
    for (size_t i = 0; i < n; i++)
        drop_outgoing(ovs[i]);
    if (failed)
        kvrt_trap(g_ctx, "calls twin: set-many failed");
}

/* ---- the guest table the main loop calls ---------------------------------- */

static void *instantiate(kvrt_ctx *ctx)
{
    g_ctx = ctx;
    g_mem.data = g_bytes;
    g_mem.size = sizeof g_bytes;
    g_mem.pages = sizeof g_bytes / 65536;
    g_mem.max_pages = g_mem.pages;
    g_bump = HEAP_BASE;
    return &g_mem;
}

static void free_instance(void *inst) { (void)inst; }
static wasm_rt_memory_t *memory(void *inst) { (void)inst; return &g_mem; }

static uint32_t realloc_fn(void *inst, uint32_t old_ptr, uint32_t old_size,
                           uint32_t align, uint32_t new_size)
{
    (void)inst; (void)old_ptr; (void)old_size;
    return heap_alloc(align, new_size);
}

static void on_set(void *inst, uint32_t bh, uint32_t kp, uint32_t kl, uint32_t iv)
{
    (void)inst;
    twin_on_set(bh, g_bytes + kp, kl, iv);
    g_bump = HEAP_BASE;
}

static void on_delete(void *inst, uint32_t bh, uint32_t kp, uint32_t kl)
{
    (void)inst;
    twin_on_delete(bh, g_bytes + kp, kl);
    g_bump = HEAP_BASE;
}

static const kvrt_guest guest = {
    .instantiate = instantiate,
    .free_instance = free_instance,
    .memory = memory,
    .realloc_fn = realloc_fn,
    .on_set = on_set,
    .on_delete = on_delete,
};

int main(int argc, char **argv)
{
    return kvrt_main(argc, argv, &guest);
}
