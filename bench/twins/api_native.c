/*
 * bench/twins/api_native.c - twin.h as native C straight on the runtime's
 * host-level operations (runtime/iface.h): no wasm, no canonical ABI, no
 * handles for values, no bounds checks; a value read is held (a reference,
 * or the store's small bytes made into a value) until the handler returns. Linked with a workload and libkvrt.a it is an
 * executable with the kvaot command line, so the wasm twin and this one run
 * the same events through the same main loop, store and output.
 */
#include <string.h>

#include "iface.h"
#include "twin.h"

/* The loop copies each event's key into "guest memory": a static block. */
static uint8_t g_bytes[65536];
static wasm_rt_memory_t g_mem;
static uint32_t g_bump = 1024;
static kvrt_ctx *g_ctx;

tw_bucket tw_open(const char *name)
{
    return (tw_bucket)kvrt_open(g_ctx, (const uint8_t *)name, strlen(name));
}

void tw_close(tw_bucket b)
{
    (void)b;
}

tw_bytes tw_event_value(tw_value v)
{
    kvrt_res *r = kvrt_handle_get(&g_ctx->handles, v, KVRT_H_INCOMING);
    if (r == NULL)
        kvrt_trap(g_ctx, "native twin: no event value");
    return (tw_bytes){r->u.in.val->data, r->u.in.val->len};
}

/* Values read during a handler: the API hands out views of them and drops
 * them when the handler returns. */
#define MAX_HELD 16
static kvrt_val *g_held[MAX_HELD];
static size_t g_nheld;

static void drop_held(void)
{
    while (g_nheld > 0)
        kvrt_val_unref(g_held[--g_nheld]);
}

bool tw_get(tw_bucket b, const void *key, size_t klen, tw_bytes *out)
{
    kvrt_val *v = kvrt_kv_get(g_ctx, (kvrt_bucket *)b, key, klen);
    if (v == NULL)
        return false;
    if (g_nheld == MAX_HELD) {
        kvrt_val_unref(v);
        kvrt_trap(g_ctx, "native twin: too many values read in one handler");
    }
    g_held[g_nheld++] = v;
    *out = (tw_bytes){v->data, v->len};
    return true;
}

bool tw_get_streamed(tw_bucket b, const void *key, size_t klen, tw_bytes *out)
{
    return tw_get(b, key, klen, out);
}

void tw_set(tw_bucket b, const void *key, size_t klen, const void *val, size_t vlen)
{
    kvrt_feed_set_bytes(g_ctx, (kvrt_bucket *)b, key, klen, val, vlen);
}

bool tw_delete(tw_bucket b, const void *key, size_t klen)
{
    return kvrt_feed_delete(g_ctx, (kvrt_bucket *)b, key, klen);
}

uint64_t tw_increment(tw_bucket b, const void *key, size_t klen, uint64_t delta)
{
    uint64_t n;
    if (kvrt_counter_add(g_ctx, (kvrt_bucket *)b, key, klen, delta, &n) != KVRT_COUNTER_OK)
        kvrt_trap(g_ctx, "native twin: not a counter");
    return n;
}

bool tw_get_many(tw_bucket b, const tw_bytes *keys, size_t n, tw_bytes *vals)
{
    for (size_t i = 0; i < n; i++)
        if (!tw_get(b, keys[i].ptr, keys[i].len, &vals[i]))
            return false;
    return true;
}

void tw_set_many(tw_bucket b, const tw_bytes *keys, const tw_bytes *vals, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tw_set(b, keys[i].ptr, keys[i].len, vals[i].ptr, vals[i].len);
}

/* ---- the guest table the main loop calls ---------------------------------- */

static void *instantiate(kvrt_ctx *ctx)
{
    g_ctx = ctx;
    g_mem.data = g_bytes;
    g_mem.size = sizeof g_bytes;
    g_mem.pages = 1;
    g_mem.max_pages = 1;
    return &g_mem;
}

static void free_instance(void *inst) { (void)inst; }
static wasm_rt_memory_t *memory(void *inst) { (void)inst; return &g_mem; }

static uint32_t realloc_fn(void *inst, uint32_t old_ptr, uint32_t old_size,
                           uint32_t align, uint32_t new_size)
{
    (void)inst; (void)old_ptr; (void)old_size;
    uint32_t p = (g_bump + align - 1) & ~(align - 1);
    if (new_size > sizeof g_bytes - p)
        kvrt_trap(g_ctx, "native twin: key too long");
    g_bump = p + new_size;
    return p;
}

/* Each handler drops what it read when it returns, and first what a
 * handler that trapped (and so never returned) left. */
static void on_set(void *inst, uint32_t bh, uint32_t kp, uint32_t kl, uint32_t iv)
{
    (void)inst;
    drop_held();
    twin_on_set((tw_bucket)kvrt_bucket_of(g_ctx, bh), g_bytes + kp, kl, iv);
    drop_held();
    g_bump = 1024;
}

static void on_delete(void *inst, uint32_t bh, uint32_t kp, uint32_t kl)
{
    (void)inst;
    drop_held();
    twin_on_delete((tw_bucket)kvrt_bucket_of(g_ctx, bh), g_bytes + kp, kl);
    drop_held();
    g_bump = 1024;
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
