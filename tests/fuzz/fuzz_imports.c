/*
 * tests/fuzz/fuzz_imports.c - libFuzzer target for the import functions a
 * guest calls (the world's, and WASI 0.2's streams, which share the handle
 * table). Each input is a script of calls with arbitrary arguments: handles
 * taken from the results so far or any number, pointers into a small guest
 * memory (its start, its end, anywhere), lengths, and a guest realloc that
 * the script can make misbehave. It runs the way the main loop runs events:
 * over an in-memory store inside one journal unit, and a trap (wasm2c's
 * unwind, as in loop.c) rolls the store back and resets the handle table.
 * WASI calls write the guest output nowhere. Built with ASan, UBSan and LeakSanitizer (`make fuzz`): no crash, no
 * access outside guest memory, nothing leaked when the input ends.
 *
 * Input: byte 0 = --max-handles (1..64), byte 1 = --max-value (0..1023);
 * then ops: one byte picks the call (128 and up: a WASI one), the next
 * bytes its arguments.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasm-rt-impl.h"

#include "ctx.h"
#include "handles.h"
#include "kvrt.h"
#include "kvrt_wasi.h"
#include "store.h"

#define MEM_SIZE 65536u
#define DATA_END 4096u      /* bytes the script writes (keys, values, lists) */
#define RET_BASE 8192u      /* return areas */
#define HEAP_BASE 16384u    /* the realloc's heap */
#define POOL 16             /* handles seen, for arguments */

static kvrt_ctx g_ctx;
static wasm_rt_memory_t g_mem;
static kvrt_guest g_guest;
static uint32_t g_heap;
static uint8_t g_realloc_mode;
static uint32_t g_pool[POOL];
static unsigned g_npool;

/* ---- the input --------------------------------------------------------------------- */

static const uint8_t *g_in;
static size_t g_left;

static uint8_t next8(void)
{
    if (g_left == 0)
        return 0;
    g_left--;
    return *g_in++;
}

static uint32_t next32(void)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | next8();
    return v;
}

/* A handle: mostly one seen before, sometimes any number. */
static uint32_t handle(void)
{
    uint8_t c = next8();
    if (c < 224 && g_npool > 0)
        return g_pool[c % g_npool];
    return c < 240 ? c : next32();
}

static void remember(uint32_t h)
{
    g_pool[g_npool < POOL ? g_npool++ : h % POOL] = h;
}

/* A guest pointer: into the data, at the end of memory, or anywhere. */
static uint32_t ptr(void)
{
    uint8_t c = next8();
    if (c < 200)
        return (uint32_t)c * 16 + (next8() & 15);
    if (c < 240)
        return MEM_SIZE - (next8() & 63);
    return next32();
}

static uint32_t len(void)
{
    uint8_t c = next8();
    return c < 240 ? c % 64 : next32();
}

/* A return area: an aligned one of its own, or anywhere. */
static uint32_t ret(void)
{
    uint8_t c = next8();
    return c < 250 ? RET_BASE + (uint32_t)(c % 16) * 32 : next32();
}

/* ---- the guest --------------------------------------------------------------------- */

static uint32_t fuzz_realloc(void *inst, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                             uint32_t new_size)
{
    (void)inst;
    (void)old_ptr;
    (void)old_size;
    switch (g_realloc_mode) {
    case 1: return MEM_SIZE - 1;                /* out of bounds for most sizes */
    case 2: return HEAP_BASE + 1;               /* misaligned for align > 1 */
    default: break;
    }
    uint32_t p = (g_heap + align - 1) & ~(align - 1);
    if ((uint64_t)p + new_size > MEM_SIZE)
        p = HEAP_BASE;
    g_heap = p + new_size;
    return p;
}

static void setup(uint32_t max_handles, uint32_t max_value)
{
    memset(&g_guest, 0, sizeof g_guest);
    g_guest.realloc_fn = fuzz_realloc;
    kvrt_ctx_init(&g_ctx, &g_guest);
    g_ctx.limits.max_handles = max_handles;
    g_ctx.limits.max_value = max_value;
    kvrt_handles_init(&g_ctx.handles, max_handles);
    g_ctx.store = kvrt_store_new();
    if (g_ctx.store == NULL)
        abort();
    g_ctx.kv = kvrt_kv_mem(g_ctx.store);
    g_ctx.wasi.out_fd = -1;
    memset(&g_mem, 0, sizeof g_mem);
    g_mem.data = calloc(1, MEM_SIZE);
    if (g_mem.data == NULL)
        abort();
    g_mem.size = MEM_SIZE;
    g_mem.pages = MEM_SIZE / 65536;
    g_mem.max_pages = g_mem.pages;
    g_ctx.mem = &g_mem;
    g_ctx.inst = &g_guest;
    g_heap = HEAP_BASE;
    g_realloc_mode = 0;
    g_npool = 0;
}

static void teardown(void)
{
    kvrt_ctx_fini(&g_ctx);
    kvrt_store_free(g_ctx.store);
    free(g_mem.data);
}

/* ---- the calls --------------------------------------------------------------------- */

/* A WASI call (preview 1, more of 0.2, AssemblyScript's env): none that
 * can sleep (clock pollables are due at once, poll_oneoff is left out). */
static void wasi_call(uint8_t op)
{
    kvrt_ctx *c = &g_ctx;
    uint32_t fd = next8() % 5;
    switch (op % 32) {
    case 0: (void)kvrt_wasi_p1_fd_write(c, fd, ptr(), next8() % 8, ptr()); return;
    case 1: (void)kvrt_wasi_p1_fd_read(c, fd, ptr(), next8() % 8, ptr()); return;
    case 2: (void)kvrt_wasi_p1_fd_pwrite(c, fd, ptr(), next8() % 8, next8(), ptr()); return;
    case 3: (void)kvrt_wasi_p1_environ_sizes_get(c, ptr(), ptr()); return;
    case 4: (void)kvrt_wasi_p1_environ_get(c, ptr(), ptr()); return;
    case 5: (void)kvrt_wasi_p1_args_sizes_get(c, ptr(), ptr()); return;
    case 6: (void)kvrt_wasi_p1_args_get(c, ptr(), ptr()); return;
    case 7: (void)kvrt_wasi_p1_fd_fdstat_get(c, fd, ptr()); return;
    case 8: (void)kvrt_wasi_p1_fd_prestat_get(c, fd, ptr()); return;
    case 9: (void)kvrt_wasi_p1_fd_seek(c, fd, next8(), next8() % 4, ptr()); return;
    case 10: (void)kvrt_wasi_p1_fd_tell(c, fd, ptr()); return;
    case 11: (void)kvrt_wasi_p1_fd_close(c, fd); return;
    case 12: (void)kvrt_wasi_p1_clock_res_get(c, next8() % 6, ptr()); return;
    case 13: (void)kvrt_wasi_p1_clock_time_get(c, next8() % 6, next8(), ptr()); return;
    case 14: (void)kvrt_wasi_p1_random_get(c, ptr(), len()); return;
    case 15: (void)kvrt_wasi_p1_sched_yield(c); return;
    case 16: kvrt_wasi_p1_proc_exit(c, next8()); return;
    case 17: kvrt_wasi_p2_out_check_write(c, handle(), ret()); return;
    case 18: kvrt_wasi_p2_out_flush(c, handle(), ret()); return;
    case 19: {
        uint32_t s = handle();
        kvrt_wasi_p2_out_write_zeroes(c, s, next8(), ret());
        return;
    }
    case 20: {
        uint32_t d = handle(), src = handle();
        kvrt_wasi_p2_out_splice(c, d, src, next8(), ret());
        return;
    }
    case 21: {
        uint32_t s = handle();
        kvrt_wasi_p2_in_skip(c, s, next8(), ret());
        return;
    }
    case 22: remember(kvrt_wasi_p2_in_subscribe(c, handle())); return;
    case 23: remember(next8() & 1 ? kvrt_wasi_p2_mono_subscribe_duration(c, 0)
                                  : kvrt_wasi_p2_mono_subscribe_instant(c, 0)); return;
    case 24: {      /* poll: a list of pool handles (due pollables, or not pollables) */
        uint32_t at = (ptr() % (DATA_END - 64)) & ~3u;
        uint32_t n = next8() % 5;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t h = handle();
            memcpy(g_mem.data + at + 4 * i, &h, 4);
        }
        kvrt_wasi_p2_poll(c, next8() < 240 ? at : ptr(), n, ret());
        return;
    }
    case 25: kvrt_wasi_p2_pollable_block(c, handle()); return;
    case 26: kvrt_wasi_p2_error_to_debug_string(c, handle(), ret()); return;
    case 27: {
        uint8_t k = next8() % 6;
        uint32_t r = ret();
        if (k == 0) kvrt_wasi_p2_get_arguments(c, r);
        else if (k == 1) kvrt_wasi_p2_initial_cwd(c, r);
        else if (k == 2) kvrt_wasi_p2_get_directories(c, r);
        else if (k == 3) kvrt_wasi_p2_get_terminal(c, r);
        else if (k == 4) kvrt_wasi_p2_insecure_seed(c, r);
        else kvrt_wasi_p2_wall_now(c, r);
        return;
    }
    case 28: {
        uint64_t n = next8();
        kvrt_wasi_p2_random_bytes(c, n, ret());
        return;
    }
    case 29: {
        uint32_t e = handle();
        kvrt_wasi_p2_filesystem_error_code(c, e, ret());
        return;
    }
    case 30: {
        uint8_t k = next8() % 4;
        uint32_t h = handle();
        if (k == 0) kvrt_wasi_p2_drop_input_stream(c, h);
        else if (k == 1) kvrt_wasi_p2_drop_pollable(c, h);
        else if (k == 2) kvrt_wasi_p2_drop_error(c, h);
        else kvrt_wasi_p2_drop_terminal(c, h);
        return;
    }
    default: {
        uint32_t m = ptr(), f = ptr();
        if (next8() & 1)
            kvrt_as_abort(c, m, f, next8(), next8());
        else
            kvrt_as_trace(c, m, next8() % 7, 1.5, -0.0, 1e300, 0, 2);
        return;
    }
    }
}

/* One call picked by op; its results' handles go to the pool. */
static void call(uint8_t op)
{
    kvrt_ctx *c = &g_ctx;
    uint32_t r;
    if (op >= 128) {
        wasi_call(op);
        return;
    }
    switch (op % 34) {
    case 0: {       /* poke: bytes of the input into the data */
        uint32_t at = ptr() % DATA_END;
        uint32_t n = next8() % 32;
        for (uint32_t i = 0; i < n && at + i < DATA_END; i++)
            g_mem.data[at + i] = next8();
        return;
    }
    case 1: {       /* a string list (ptr, len pairs) into the data */
        uint32_t at = (ptr() % (DATA_END - 64)) & ~3u;
        for (uint32_t i = 0; i < 8; i++) {
            uint32_t p = ptr(), l = len();
            memcpy(g_mem.data + at + 8 * i, &p, 4);
            memcpy(g_mem.data + at + 8 * i + 4, &l, 4);
        }
        return;
    }
    case 2: g_realloc_mode = next8() % 4; return;
    case 3: remember(kvrt_types_new_outgoing_value(c)); return;
    case 4: {
        uint32_t p = ptr(), l = len();
        kvrt_types_open_bucket(c, p, l, r = ret());
        break;
    }
    case 5: kvrt_types_outgoing_value_write_body(c, handle(), r = ret()); break;
    case 6: {
        uint32_t b = handle(), p = ptr(), l = len(), ov = handle();
        kvrt_readwrite_set(c, b, p, l, ov, r = ret());
        break;
    }
    case 7: {
        uint32_t b = handle(), p = ptr(), l = len();
        kvrt_readwrite_get(c, b, p, l, r = ret());
        break;
    }
    case 8: {
        uint32_t b = handle(), p = ptr(), l = len();
        kvrt_readwrite_delete(c, b, p, l, r = ret());
        break;
    }
    case 9: {
        uint32_t b = handle(), p = ptr(), l = len();
        kvrt_readwrite_exists(c, b, p, l, r = ret());
        break;
    }
    case 10: {
        uint32_t b = handle(), p = ptr(), l = len();
        uint64_t d = next8() < 250 ? next8() : UINT64_MAX - next8();
        kvrt_atomic_increment(c, b, p, l, d, r = ret());
        break;
    }
    case 11: {
        uint32_t b = handle(), p = ptr(), l = len();
        uint64_t o = next8(), n = next8();
        kvrt_atomic_compare_and_swap(c, b, p, l, o, n, r = ret());
        break;
    }
    case 12: {
        uint32_t b = handle(), p = ptr(), n = next8() % 10;
        kvrt_batch_get_many(c, b, p, n, r = ret());
        break;
    }
    case 13: kvrt_batch_get_keys(c, handle(), r = ret()); break;
    case 14: {
        uint32_t b = handle(), kp = ptr(), kn = next8() % 10, vp = ptr(), vn = next8() % 10;
        kvrt_batch_set_many(c, b, kp, kn, vp, vn, r = ret());
        break;
    }
    case 15: {
        uint32_t b = handle(), p = ptr(), n = next8() % 10;
        kvrt_batch_delete_many(c, b, p, n, r = ret());
        break;
    }
    case 16: kvrt_types_incoming_value_consume_sync(c, handle(), r = ret()); break;
    case 17: kvrt_types_incoming_value_consume_async(c, handle(), r = ret()); break;
    case 18: (void)kvrt_types_size(c, handle()); return;
    case 19: {
        uint32_t s = handle();
        kvrt_streams_read(c, s, next8(), r = ret());
        break;
    }
    case 20: {
        uint32_t s = handle();
        kvrt_streams_skip(c, s, next8(), r = ret());
        break;
    }
    case 21: {
        uint32_t s = handle(), p = ptr(), l = len();
        kvrt_streams_write(c, s, p, l, r = ret());
        break;
    }
    case 22: {
        uint32_t s = handle(), b = next8();
        kvrt_streams_write_repeated(c, s, b, next8() * 8u, r = ret());
        break;
    }
    case 23: {
        uint32_t d = handle(), s = handle();
        kvrt_streams_splice(c, d, s, next8(), r = ret());
        break;
    }
    case 24: {
        uint32_t d = handle(), s = handle();
        kvrt_streams_forward(c, d, s, r = ret());
        break;
    }
    case 25: kvrt_wasi_cloud_error_trace(c, handle(), r = ret()); break;
    case 26: {      /* a drop of some kind */
        uint8_t k = next8() % 7;
        uint32_t h = handle();
        if (k == 0) kvrt_types_drop_bucket(c, h);
        else if (k == 1) kvrt_types_drop_outgoing_value(c, h);
        else if (k == 2) kvrt_types_drop_incoming_value(c, h);
        else if (k == 3) kvrt_streams_drop_input_stream(c, h);
        else if (k == 4) kvrt_streams_drop_output_stream(c, h);
        else if (k == 5) kvrt_wasi_cloud_error_drop_error(c, h);
        else kvrt_wasi_p2_drop_output_stream(c, h);
        return;
    }
    case 27: remember(kvrt_wasi_p2_get_stdout(c)); return;
    case 28: remember(kvrt_wasi_p2_get_stdin(c)); return;
    case 29: {
        uint32_t s = handle(), p = ptr(), l = len();
        kvrt_wasi_p2_out_write(c, s, p, l, r = ret());
        break;
    }
    case 30: {
        uint32_t s = handle();
        kvrt_wasi_p2_in_read(c, s, next8(), r = ret());
        break;
    }
    case 31: remember(kvrt_wasi_p2_out_subscribe(c, handle())); return;
    case 32: (void)kvrt_wasi_p2_pollable_ready(c, handle()); return;
    default: kvrt_wasi_p2_get_environment(c, r = ret()); break;
    }
    /* handles a result may hold */
    if (r <= MEM_SIZE - 12) {
        uint32_t h;
        memcpy(&h, g_mem.data + r + 4, 4);
        remember(h);
        memcpy(&h, g_mem.data + r + 8, 4);
        remember(h);
    }
}

/* After a trap: what loop.c does (the held values released, the event's
 * store changes undone, the instance's handles gone), then a new unit. */
static void recover(void)
{
    kvrt_release_held(&g_ctx);
    kvrt_set_in_realloc(&g_ctx.head, 0);
    g_ctx.head.in_host = 1;
    g_ctx.kv.ops->rollback(g_ctx.kv.self);
    kvrt_handles_reset(&g_ctx.handles);
    g_npool = 0;
    g_realloc_mode = 0;
    g_ctx.kv.ops->begin(g_ctx.kv.self);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_in = data;
    g_left = size;
    uint32_t max_handles = 1 + next8() % 64;
    uint32_t max_value = (uint32_t)next8() * 4;
    setup(max_handles, max_value);
    wasm_rt_set_unwind_target(&wasm_rt_jmp_buf);
    g_ctx.kv.ops->begin(g_ctx.kv.self);
    /* volatile: it lives across the sigsetjmp below */
    volatile unsigned calls = 0;
    while (g_left > 0 && calls < 4096) {
        calls++;
        if (sigsetjmp(wasm_rt_jmp_buf, 0) != 0) {
            recover();
            continue;
        }
        call(next8());
    }
    g_ctx.kv.ops->commit(g_ctx.kv.self);
    teardown();
    return 0;
}
