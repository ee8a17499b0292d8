/*
 * runtime/kv_mem.c - the in-memory backend of the store interface (kv.h):
 * thin calls into store.c, which holds the data and the journal.
 */
#include "kv.h"

static kvrt_bucket *mem_open(void *self, const uint8_t *name, size_t len, bool *created)
{
    return kvrt_store_open_created(self, name, len, created);
}

static int mem_get(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val **out)
{
    (void)self;
    return kvrt_bucket_get(b, key, klen, out);
}

static int mem_has(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    (void)self;
    return kvrt_bucket_has(b, key, klen);
}

static int mem_set(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val *v)
{
    return kvrt_bucket_set(self, b, key, klen, v);
}

static int mem_set_bytes(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen,
                         const uint8_t *data, size_t len)
{
    return kvrt_bucket_set_bytes(self, b, key, klen, data, len);
}
static int mem_del(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen, bool blind)
{
    (void)blind;
    return kvrt_bucket_delete(self, b, key, klen) ? 1 : 0;
}

static int64_t mem_keys(void *self, kvrt_bucket *b, kvrt_keyiter *it)
{
    (void)self;
    it->pos = kvrt_bucket_first(b);
    it->i = 0;
    return (int64_t)kvrt_bucket_count(b);
}

static const uint8_t *mem_key_next(void *self, kvrt_keyiter *it, size_t *len)
{
    (void)self;
    kvrt_entry *e = it->pos;
    if (e == NULL)
        return NULL;
    it->pos = kvrt_entry_next(e);
    it->i++;
    return kvrt_entry_key(e, len);
}

static void mem_begin(void *self) { kvrt_store_begin(self); }
static size_t mem_mark(void *self) { return kvrt_store_mark(self); }
static void mem_rollback_to(void *self, size_t mark) { kvrt_store_rollback_to(self, mark); }
static void mem_rollback(void *self) { kvrt_store_rollback(self); }

static kvrt_commit_res mem_commit(void *self)
{
    kvrt_store_commit(self);
    return KVRT_COMMIT_OK;
}

static const char *mem_why(void *self)
{
    (void)self;
    return "out of memory";
}

static const kvrt_kv_ops mem_ops = {
    .open = mem_open,
    .get = mem_get,
    .has = mem_has,
    .prefetch = NULL,
    .set = mem_set,
    .set_bytes = mem_set_bytes,
    .del = mem_del,
    .keys = mem_keys,
    .key_next = mem_key_next,
    .begin = mem_begin,
    .mark = mem_mark,
    .rollback_to = mem_rollback_to,
    .rollback = mem_rollback,
    .commit = mem_commit,
    .why = mem_why,
};

kvrt_kv kvrt_kv_mem(kvrt_store *s)
{
    kvrt_kv kv = {&mem_ops, s};
    return kv;
}
