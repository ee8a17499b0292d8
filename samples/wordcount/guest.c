/*
 * samples/wordcount/guest.c - a guest built against wasi-libc (Debian's
 * wasi-libc, reactor model), to show kvaot runs what a real libc toolchain
 * produces: malloc/free/realloc as the canonical-ABI realloc, qsort,
 * strtoull, and an `_initialize` export that runs C constructors.
 *
 * Behaviour:
 *  - at start (a constructor, so inside `_initialize`): sets meta/started=yes,
 *    which kvaot prints before any event is processed;
 *  - on-set: splits the value into words (runs of non-blank bytes), counts
 *    each word in bucket "words" with atomic increment, and stores the
 *    sorted, de-duplicated words under key "sorted:<key>" in the event's
 *    bucket, joined by ",";
 *  - on-delete: deletes "sorted:<key>" from the event's bucket if it exists.
 * Only libc functions that need no WASI imports are used (no stdio), so the
 * module imports nothing but the keyvalue world.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(iface, name) \
    __attribute__((import_module("wasi:keyvalue/" iface), import_name(name)))

typedef struct { uint8_t tag; uint8_t pad[3]; uint32_t val; } result_u32;
typedef struct { uint8_t tag; uint8_t pad[3]; uint8_t *ptr; size_t len; } result_list;
typedef struct { uint8_t tag; uint8_t pad[7]; uint64_t val; } result_u64;
typedef struct { uint8_t tag; uint8_t pad[3]; uint8_t flag; } result_bool;

IMPORT("types", "open-bucket") void kv_open_bucket(const char *, size_t, result_u32 *);
IMPORT("types", "drop-bucket") void kv_drop_bucket(uint32_t);
IMPORT("types", "new-outgoing-value") uint32_t kv_new_outgoing_value(void);
IMPORT("types", "outgoing-value-write-body") void kv_write_body(uint32_t, result_u32 *);
IMPORT("types", "drop-outgoing-value") void kv_drop_outgoing_value(uint32_t);
IMPORT("types", "incoming-value-consume-sync") void kv_consume_sync(uint32_t, result_list *);
IMPORT("types", "drop-incoming-value") void kv_drop_incoming_value(uint32_t);
IMPORT("streams", "write") void kv_write(uint32_t, const void *, size_t, result_u64 *);
IMPORT("streams", "drop-output-stream") void kv_drop_output_stream(uint32_t);
IMPORT("readwrite", "set") void kv_set(uint32_t, const char *, size_t, uint32_t, result_u32 *);
IMPORT("readwrite", "delete") void kv_delete(uint32_t, const char *, size_t, result_u32 *);
IMPORT("readwrite", "exists") void kv_exists(uint32_t, const char *, size_t, result_bool *);
IMPORT("atomic", "increment") void kv_increment(uint32_t, const char *, size_t, uint64_t, result_u64 *);
IMPORT("wasi-cloud-error", "drop-error") void kv_drop_error(uint32_t);

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size)
{
    (void)old_size;
    (void)align;    /* malloc's alignment (16) covers every canonical ABI alignment */
    return realloc(old, new_size ? new_size : 1);
}

static uint32_t open_bucket(const char *name)
{
    result_u32 r;
    kv_open_bucket(name, strlen(name), &r);
    return r.tag == 0 ? r.val : 0;
}

static void put(uint32_t bucket, const char *key, size_t klen, const void *v, size_t vlen)
{
    uint32_t ov = kv_new_outgoing_value();
    result_u32 body;
    kv_write_body(ov, &body);
    if (body.tag == 0) {
        result_u64 w;
        kv_write(body.val, v, vlen, &w);
        kv_drop_output_stream(body.val);
    }
    result_u32 r;
    kv_set(bucket, key, klen, ov, &r);
    if (r.tag != 0)
        kv_drop_error(r.val);
    kv_drop_outgoing_value(ov);
}

__attribute__((constructor))
static void announce_start(void)
{
    uint32_t meta = open_bucket("meta");
    put(meta, "started", 7, "yes", 3);
    kv_drop_bucket(meta);
}

typedef struct word { const uint8_t *p; size_t n; } word;

static int compare_words(const void *a, const void *b)
{
    const word *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, n);
    if (c != 0)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

static char *sorted_key(const char *key, size_t klen, size_t *len)
{
    char *k = malloc(klen + 7);
    memcpy(k, "sorted:", 7);
    memcpy(k + 7, key, klen);
    *len = klen + 7;
    return k;
}

__attribute__((export_name("wasi:keyvalue/handle-watch#on-set")))
void on_set(uint32_t bucket, char *key, size_t klen, uint32_t iv)
{
    result_list body;
    kv_consume_sync(iv, &body);
    if (body.tag != 0) {
        kv_drop_error((uint32_t)(uintptr_t)body.ptr);
        free(key);
        return;
    }
    word *words = malloc((body.len / 2 + 1) * sizeof *words);
    size_t nwords = 0;
    for (size_t i = 0; i < body.len;) {
        while (i < body.len && (body.ptr[i] == ' ' || body.ptr[i] == '\t'))
            i++;
        size_t start = i;
        while (i < body.len && body.ptr[i] != ' ' && body.ptr[i] != '\t')
            i++;
        if (i > start)
            words[nwords++] = (word){body.ptr + start, i - start};
    }
    uint32_t counts = open_bucket("words");
    for (size_t i = 0; i < nwords; i++) {
        result_u64 r;
        kv_increment(counts, (const char *)words[i].p, words[i].n, 1, &r);
        if (r.tag != 0)
            kv_drop_error((uint32_t)r.val);
    }
    kv_drop_bucket(counts);
    qsort(words, nwords, sizeof *words, compare_words);
    char *joined = malloc(body.len + 1);
    size_t jlen = 0;
    for (size_t i = 0; i < nwords; i++) {
        if (i > 0 && compare_words(&words[i - 1], &words[i]) == 0)
            continue;
        if (jlen > 0)
            joined[jlen++] = ',';
        memcpy(joined + jlen, words[i].p, words[i].n);
        jlen += words[i].n;
    }
    size_t sklen;
    char *sk = sorted_key(key, klen, &sklen);
    put(bucket, sk, sklen, joined, jlen);
    free(sk);
    free(joined);
    free(words);
    free(body.ptr);
    free(key);
}

__attribute__((export_name("wasi:keyvalue/handle-watch#on-delete")))
void on_delete(uint32_t bucket, char *key, size_t klen)
{
    size_t sklen;
    char *sk = sorted_key(key, klen, &sklen);
    result_bool e;
    kv_exists(bucket, sk, sklen, &e);
    if (e.tag == 0 && e.flag) {
        result_u32 r;
        kv_delete(bucket, sk, sklen, &r);
        if (r.tag != 0)
            kv_drop_error(r.val);
    }
    free(sk);
    free(key);
}
