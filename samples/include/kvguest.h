/*
 * samples/include/kvguest.h - hand-written guest bindings for the
 * keyvalue-handle-watch world (wit/keyvalue-handle-watch.wit), for sample
 * guests built with `clang --target=wasm32 -nostdlib`.
 *
 * Provides: one import declaration per function of the world, with exactly
 * the core ABI of SPEC §2 (return pointer last, i64 for u64, return areas as
 * structs whose offsets are checked below); the export-name macros for the
 * two handlers; a bump allocator exported as the canonical-ABI realloc;
 * memcpy/memset/memcmp/strlen (clang emits calls to the first two); and small
 * static inline helpers the samples share.
 *
 * Pick the naming scheme before including (SPEC §2, "Names the core module
 * may use"):
 *   #define KV_SCHEME_LEGACY   import `wasi:keyvalue/readwrite`,
 *                              export `wasi:keyvalue/handle-watch#on-set`,
 *                              `memory`, `cabi_realloc`, `_initialize`
 *   #define KV_SCHEME_CM32P2   import `cm32p2|wasi:keyvalue/readwrite`,
 *                              export `cm32p2|wasi:keyvalue/handle-watch|on-set`,
 *                              `cm32p2_memory`, `cm32p2_realloc`,
 *                              `cm32p2_initialize`
 *   #define KV_SCHEME_2023     import `readwrite`,
 *                              export `handle-watch#on-set`, `memory`,
 *                              `cabi_realloc`, `_initialize`
 * wasm-ld 14 always exports the memory as `memory`: a cm32p2 sample renames
 * it after linking (see samples/streams/build.mk).
 *
 * The whole header is one translation unit's worth of definitions: include
 * it from exactly one .c file (every sample is a single guest.c).
 *
 * With a libc (wasi-libc, libc++ on it), define KV_WITH_LIBC first: the
 * libc's own memcpy & co. are used, and realloc is the libc's (malloc) heap
 * instead of the bump allocator. The header also compiles as C++.
 */
#ifndef KVGUEST_H
#define KVGUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- naming scheme ------------------------------------------------------ */

#if defined(KV_SCHEME_LEGACY) + defined(KV_SCHEME_CM32P2) + defined(KV_SCHEME_2023) != 1
#error "define exactly one of KV_SCHEME_LEGACY, KV_SCHEME_CM32P2, KV_SCHEME_2023"
#endif

#if defined(KV_SCHEME_LEGACY)
#define KV_MOD(iface) "wasi:keyvalue/" iface
#define KV_EXPORT(fn) "wasi:keyvalue/handle-watch#" fn
#define KV_REALLOC_NAME "cabi_realloc"
#define KV_INITIALIZE_NAME "_initialize"
#elif defined(KV_SCHEME_CM32P2)
#define KV_MOD(iface) "cm32p2|wasi:keyvalue/" iface
#define KV_EXPORT(fn) "cm32p2|wasi:keyvalue/handle-watch|" fn
#define KV_REALLOC_NAME "cm32p2_realloc"
#define KV_INITIALIZE_NAME "cm32p2_initialize"
#else
#define KV_MOD(iface) iface
#define KV_EXPORT(fn) "handle-watch#" fn
#define KV_REALLOC_NAME "cabi_realloc"
#define KV_INITIALIZE_NAME "_initialize"
#endif

#define KV_IMPORT(iface, fn) \
    __attribute__((import_module(KV_MOD(iface)), import_name(fn)))

/* Put these on the guest's handler definitions:
 *   KV_ON_SET void on_set(kv_bucket b, const char *key, size_t key_len,
 *                         kv_incoming_value iv) { ... }
 *   KV_ON_DELETE void on_delete(kv_bucket b, const char *key, size_t key_len)
 *   KV_INITIALIZE void initialize(void)            (optional) */
#define KV_ON_SET __attribute__((export_name(KV_EXPORT("on-set"))))
#define KV_ON_DELETE __attribute__((export_name(KV_EXPORT("on-delete"))))
#define KV_INITIALIZE __attribute__((export_name(KV_INITIALIZE_NAME)))

/* Helpers below are not part of the guest's interface: keep them out of the
 * export section that --export-dynamic would otherwise fill. */
#define KV_HIDDEN __attribute__((visibility("hidden")))

/* ---- handles (all u32) -------------------------------------------------- */

typedef uint32_t kv_input_stream;
typedef uint32_t kv_output_stream;
typedef uint32_t kv_error;
typedef uint32_t kv_bucket;
typedef uint32_t kv_outgoing_value;
typedef uint32_t kv_incoming_value;

/* ---- return areas (SPEC §2 table; sizes/alignments of SPEC §7 ABI) ------ */

/* list<u8> / string as the canonical ABI lays it out: ptr, len. */
typedef struct kv_bytes {
    uint8_t *ptr;
    size_t len;
} kv_bytes;

/* An element of list<string> (8 bytes). */
typedef struct kv_str {
    const char *ptr;
    size_t len;
} kv_str;

/* An element of list<tuple<key, outgoing-value>> (12 bytes). */
typedef struct kv_key_value {
    const char *key;
    size_t key_len;
    kv_outgoing_value value;
} kv_key_value;

/* streams.read: result<tuple<list<u8>, bool>, stream-error>; 16/4. */
typedef struct kv_ret_read {
    uint8_t is_err;
    kv_bytes data;      /* @4, @8 */
    uint8_t eos;        /* @12 */
} kv_ret_read;

/* streams.skip, streams.splice: result<tuple<u64, bool>, stream-error>; 24/8. */
typedef struct kv_ret_u64_bool {
    uint8_t is_err;
    uint64_t n;         /* @8 */
    uint8_t eos;        /* @16 */
} kv_ret_u64_bool;

/* streams.write/write-repeated/forward: result<u64, stream-error>;
 * atomic.increment: result<u64, error> (error u32 @8); 16/8. */
typedef struct kv_ret_u64 {
    uint8_t is_err;
    union {
        uint64_t ok;    /* @8 */
        kv_error err;   /* @8 */
    } u;
} kv_ret_u64;

/* open-bucket, write-body, consume-async, get, set, delete, set-many,
 * delete-many: tag@0, handle (ok or error) u32@4; 8/4. For set/delete/
 * set-many/delete-many only the error case has a payload. */
typedef struct kv_ret_handle {
    uint8_t is_err;
    uint32_t handle;    /* @4 */
} kv_ret_handle;

/* exists, compare-and-swap: result<bool, error>; 8/4. */
typedef struct kv_ret_bool {
    uint8_t is_err;
    union {
        uint8_t ok;     /* @4 */
        kv_error err;   /* @4 */
    } u;
} kv_ret_bool;

/* consume-sync: result<list<u8>, error>; get-many: result<list<u32>, error>;
 * 12/4. */
typedef struct kv_ret_list {
    uint8_t is_err;
    union {
        kv_bytes ok;    /* @4, @8 */
        kv_error err;   /* @4 */
    } u;
} kv_ret_list;

_Static_assert(sizeof(void *) == 4, "wasm32 only");
_Static_assert(sizeof(kv_str) == 8, "list<string> element");
_Static_assert(sizeof(kv_key_value) == 12, "tuple<string, u32> element");
_Static_assert(offsetof(kv_ret_read, data) == 4 && offsetof(kv_ret_read, eos) == 12 &&
               sizeof(kv_ret_read) == 16 && _Alignof(kv_ret_read) == 4, "read");
_Static_assert(offsetof(kv_ret_u64_bool, n) == 8 && offsetof(kv_ret_u64_bool, eos) == 16 &&
               sizeof(kv_ret_u64_bool) == 24 && _Alignof(kv_ret_u64_bool) == 8, "skip");
_Static_assert(offsetof(kv_ret_u64, u) == 8 && sizeof(kv_ret_u64) == 16 &&
               _Alignof(kv_ret_u64) == 8, "write");
_Static_assert(offsetof(kv_ret_handle, handle) == 4 && sizeof(kv_ret_handle) == 8, "get");
_Static_assert(offsetof(kv_ret_bool, u) == 4 && sizeof(kv_ret_bool) == 8, "exists");
_Static_assert(offsetof(kv_ret_list, u) == 4 && sizeof(kv_ret_list) == 12, "consume-sync");

/* ---- imports: streams --------------------------------------------------- */

KV_IMPORT("streams", "read")
void kv_streams_read(kv_input_stream src, uint64_t len, kv_ret_read *ret);
KV_IMPORT("streams", "skip")
void kv_streams_skip(kv_input_stream src, uint64_t len, kv_ret_u64_bool *ret);
KV_IMPORT("streams", "write")
void kv_streams_write(kv_output_stream dst, const void *buf, size_t len, kv_ret_u64 *ret);
/* `byte` is a u8, passed as an i32. */
KV_IMPORT("streams", "write-repeated")
void kv_streams_write_repeated(kv_output_stream dst, uint32_t byte, uint64_t len,
                               kv_ret_u64 *ret);
KV_IMPORT("streams", "splice")
void kv_streams_splice(kv_output_stream dst, kv_input_stream src, uint64_t len,
                       kv_ret_u64_bool *ret);
KV_IMPORT("streams", "forward")
void kv_streams_forward(kv_output_stream dst, kv_input_stream src, kv_ret_u64 *ret);
KV_IMPORT("streams", "drop-input-stream")
void kv_streams_drop_input_stream(kv_input_stream f);
KV_IMPORT("streams", "drop-output-stream")
void kv_streams_drop_output_stream(kv_output_stream f);

/* ---- imports: wasi-cloud-error ------------------------------------------ */

KV_IMPORT("wasi-cloud-error", "drop-error")
void kv_drop_error(kv_error error);
KV_IMPORT("wasi-cloud-error", "trace")
void kv_trace(kv_error error, kv_bytes *ret);

/* ---- imports: types ----------------------------------------------------- */

KV_IMPORT("types", "drop-bucket")
void kv_drop_bucket(kv_bucket bucket);
KV_IMPORT("types", "open-bucket")
void kv_open_bucket(const char *name, size_t name_len, kv_ret_handle *ret);
KV_IMPORT("types", "drop-outgoing-value")
void kv_drop_outgoing_value(kv_outgoing_value ov);
KV_IMPORT("types", "new-outgoing-value")
kv_outgoing_value kv_new_outgoing_value(void);
KV_IMPORT("types", "outgoing-value-write-body")
void kv_outgoing_value_write_body(kv_outgoing_value ov, kv_ret_handle *ret);
KV_IMPORT("types", "drop-incoming-value")
void kv_drop_incoming_value(kv_incoming_value iv);
KV_IMPORT("types", "incoming-value-consume-sync")
void kv_incoming_value_consume_sync(kv_incoming_value iv, kv_ret_list *ret);
KV_IMPORT("types", "incoming-value-consume-async")
void kv_incoming_value_consume_async(kv_incoming_value iv, kv_ret_handle *ret);
KV_IMPORT("types", "size")
uint64_t kv_size(kv_incoming_value iv);

/* ---- imports: readwrite ------------------------------------------------- */

KV_IMPORT("readwrite", "get")
void kv_get(kv_bucket bucket, const char *key, size_t key_len, kv_ret_handle *ret);
KV_IMPORT("readwrite", "set")
void kv_set(kv_bucket bucket, const char *key, size_t key_len, kv_outgoing_value ov,
            kv_ret_handle *ret);
KV_IMPORT("readwrite", "delete")
void kv_delete(kv_bucket bucket, const char *key, size_t key_len, kv_ret_handle *ret);
KV_IMPORT("readwrite", "exists")
void kv_exists(kv_bucket bucket, const char *key, size_t key_len, kv_ret_bool *ret);

/* ---- imports: atomic ---------------------------------------------------- */

KV_IMPORT("atomic", "increment")
void kv_increment(kv_bucket bucket, const char *key, size_t key_len, uint64_t delta,
                  kv_ret_u64 *ret);
KV_IMPORT("atomic", "compare-and-swap")
void kv_compare_and_swap(kv_bucket bucket, const char *key, size_t key_len,
                         uint64_t old, uint64_t new_value, kv_ret_bool *ret);

/* ---- imports: batch ----------------------------------------------------- */

/* ok: kv_ret_list.u.ok is a list<u32> (ptr to kv_incoming_value[len]). */
KV_IMPORT("batch", "get-many")
void kv_get_many(kv_bucket bucket, const kv_str *keys, size_t nkeys, kv_ret_list *ret);
/* ret->ptr points to kv_str[ret->len]. */
KV_IMPORT("batch", "get-keys")
void kv_get_keys(kv_bucket bucket, kv_bytes *ret);
KV_IMPORT("batch", "set-many")
void kv_set_many(kv_bucket bucket, const kv_str *keys, size_t nkeys,
                 const kv_key_value *values, size_t nvalues, kv_ret_handle *ret);
KV_IMPORT("batch", "delete-many")
void kv_delete_many(kv_bucket bucket, const kv_str *keys, size_t nkeys, kv_ret_handle *ret);

#ifndef KV_WITH_LIBC
/* ---- libc replacements -------------------------------------------------- */

/* Real external functions: clang lowers struct copies and zeroing to calls
 * of memcpy/memset. no_builtin keeps the optimizer from turning these very
 * loops back into calls to themselves. */
KV_HIDDEN __attribute__((no_builtin)) void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

KV_HIDDEN __attribute__((no_builtin)) void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

KV_HIDDEN __attribute__((no_builtin)) void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

KV_HIDDEN __attribute__((no_builtin)) int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

KV_HIDDEN __attribute__((no_builtin)) size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* ---- bump allocator, exported as the canonical-ABI realloc -------------- */

extern unsigned char __heap_base;

static uintptr_t kv_heap_top;   /* next free byte; 0 until first use */
static uintptr_t kv_heap_end;   /* end of linear memory */

/*
 * realloc(old_ptr, old_size, align, new_size) -> ptr (canonical ABI).
 * Never frees; a shrink (or same size) keeps the old block; a grow copies
 * old_size bytes into a fresh block. Grows linear memory as needed and traps
 * (unreachable) when it cannot, or when align is not a power of two.
 */
__attribute__((export_name(KV_REALLOC_NAME)))
void *kv_realloc(void *old_ptr, size_t old_size, size_t align, size_t new_size)
{
    if (align == 0 || (align & (align - 1)) != 0)
        __builtin_trap();
    if (old_ptr != NULL && new_size <= old_size)
        return old_ptr;
    if (kv_heap_top == 0) {
        kv_heap_top = (uintptr_t)&__heap_base;
        kv_heap_end = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
    }
    uintptr_t p = (kv_heap_top + (align - 1)) & ~(uintptr_t)(align - 1);
    if (p < kv_heap_top || new_size > UINTPTR_MAX - p)
        __builtin_trap();
    if (p + new_size > kv_heap_end) {
        uintptr_t need = p + new_size - kv_heap_end;
        size_t pages = (need + 65535u) / 65536u;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
            __builtin_trap();
        kv_heap_end += pages * 65536u;
    }
    kv_heap_top = p + new_size;
    if (old_ptr != NULL && old_size != 0)
        memcpy((void *)p, old_ptr, old_size);
    return (void *)p;
}

static inline void *kv_alloc(size_t size, size_t align)
{
    return kv_realloc(NULL, 0, align, size);
}

/*
 * Release everything allocated since the first allocation. Call at the end
 * of a handler, when nothing allocated during it (the event's key, returned
 * lists, the guest's scratch) is used any more: the host allocates the next
 * event's key only right before the next call.
 */
static inline void kv_heap_reset(void)
{
    if (kv_heap_top != 0)
        kv_heap_top = (uintptr_t)&__heap_base;
}

#else   /* KV_WITH_LIBC */
#include <stdlib.h>
#include <string.h>

/* realloc(old_ptr, old_size, align, new_size) -> ptr (canonical ABI) on the
 * libc heap; malloc's alignment (16) covers every canonical ABI alignment. */
__attribute__((export_name(KV_REALLOC_NAME)))
void *kv_realloc(void *old_ptr, size_t old_size, size_t align, size_t new_size)
{
    (void)old_size;
    (void)align;
    void *p = realloc(old_ptr, new_size ? new_size : 1);
    if (p == NULL)
        __builtin_trap();
    return p;
}

static inline void *kv_alloc(size_t size, size_t align)
{
    return kv_realloc(NULL, 0, align, size);
}

/* With a real heap, what a handler allocates is freed by the handler. */
static inline void kv_heap_reset(void)
{
}
#endif  /* KV_WITH_LIBC */

/* ---- growable byte buffer on the bump heap ------------------------------ */

typedef struct kv_buf {
    uint8_t *data;
    size_t len, cap;
} kv_buf;

static inline void kv_buf_add(kv_buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n)
            cap *= 2;
        b->data = (uint8_t *)kv_realloc(b->data, b->cap, 1, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void kv_buf_str(kv_buf *b, const char *s)
{
    kv_buf_add(b, s, strlen(s));
}

static inline void kv_buf_byte(kv_buf *b, uint8_t c)
{
    kv_buf_add(b, &c, 1);
}

static inline void kv_buf_u64(kv_buf *b, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    kv_buf_add(b, tmp + i, sizeof tmp - i);
}

/* ---- small helpers over the imports ------------------------------------- */

static inline bool kv_bytes_eq(const void *p, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(p, s, n) == 0;
}

static inline bool kv_bytes_prefix(const void *p, size_t n, const char *s)
{
    size_t sl = strlen(s);
    return n >= sl && memcmp(p, s, sl) == 0;
}

/* Whether p[0..n) is valid UTF-8 (the host traps on a string that is not). */
static inline bool kv_utf8_valid(const void *p, size_t n)
{
    const uint8_t *s = (const uint8_t *)p;
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len > n - i)
            return false;
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += len;
    }
    return true;
}

/* Parse all of p[0..n) as a decimal u64; false on anything else. */
static inline bool kv_parse_u64(const void *p, size_t n, uint64_t *out)
{
    const uint8_t *s = (const uint8_t *)p;
    uint64_t v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        /* No __builtin_mul_overflow: on wasm32 it needs __multi3. */
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* The error's trace text (a fresh string on the bump heap); drops the error. */
static inline kv_bytes kv_trace_take(kv_error err)
{
    kv_bytes t;
    kv_trace(err, &t);
    kv_drop_error(err);
    return t;
}

/* Open a bucket by C-string name; traps if the host refuses. */
static inline kv_bucket kv_open(const char *name)
{
    kv_ret_handle r;
    kv_open_bucket(name, strlen(name), &r);
    if (r.is_err)
        __builtin_trap();
    return r.handle;
}

/* A new outgoing-value whose body is p[0..n), written through one stream. */
static inline kv_outgoing_value kv_value_new(const void *p, size_t n)
{
    kv_outgoing_value ov = kv_new_outgoing_value();
    kv_ret_handle ws;
    kv_outgoing_value_write_body(ov, &ws);
    if (ws.is_err)
        __builtin_trap();
    kv_ret_u64 w;
    kv_streams_write(ws.handle, p, n, &w);
    if (w.is_err || w.u.ok != n)
        __builtin_trap();
    kv_streams_drop_output_stream(ws.handle);
    return ov;
}

/*
 * set(bucket, key, value) with the value written through a fresh
 * outgoing-value. Returns true on success; on failure the error is dropped
 * and, when trace is not NULL, its text stored there.
 */
static inline bool kv_put(kv_bucket b, const void *key, size_t key_len, const void *val,
                          size_t val_len, kv_bytes *trace)
{
    kv_outgoing_value ov = kv_value_new(val, val_len);
    kv_ret_handle r;
    kv_set(b, (const char *)key, key_len, ov, &r);
    kv_drop_outgoing_value(ov);
    if (r.is_err) {
        kv_bytes t = kv_trace_take(r.handle);
        if (trace != NULL)
            *trace = t;
        return false;
    }
    return true;
}

static inline bool kv_put_str(kv_bucket b, const char *key, const char *val)
{
    return kv_put(b, key, strlen(key), val, strlen(val), NULL);
}

static inline bool kv_put_buf(kv_bucket b, const kv_buf *key, const kv_buf *val)
{
    return kv_put(b, key->data, key->len, val->data, val->len, (kv_bytes *)NULL);
}

#ifdef __cplusplus
}
#endif

#endif
