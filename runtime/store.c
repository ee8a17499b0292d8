/*
 * runtime/store.c - buckets and keys over uthash. See store.h for the
 * contract.
 *
 * An entry is one allocation (from the slab for keys up to SLAB_KEY_MAX
 * bytes): uthash's handle, then a tag byte, the key, and the value area.
 * A value of up to INLINE_MAX bytes that fits the area is kept there as
 * bytes (no separate value object; a get makes one); any other value is
 * shared: the entry holds a kvrt_val pointer (tag BIG), at the first
 * 8-aligned offset after the key. Insertion order is
 * uthash's own application order (hh.prev/hh.next, the head first);
 * rollback puts a deleted entry back at its old place with move_after. A
 * value that no longer fits an entry too small for a pointer moves the key
 * to a new entry at the same place (recorded as a delete and a new key, so
 * rollback restores the old entry). A value replaced in place is
 * journaled by reference when shared, and as bytes copied into the journal's
 * byte buffer (jbytes) when inline, so neither a replace nor a set from
 * bytes (kvrt_bucket_set_bytes) makes a value object for a small value.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "slab.h"

/* Out of memory inside uthash must not exit the process (its default):
 * with HASH_NONFATAL_OOM a failed add leaves the item's hh.tbl NULL (and a
 * failed table expansion just keeps the table as it is). */
#define HASH_NONFATAL_OOM 1
/* uthash's default hash (Jenkins) stays: XXH3-64 took a third of its
 * instructions on short keys, but spread 1M sequential keys less evenly,
 * so uthash doubled its bucket array twice more (+16 B per key) and the
 * larger table ran slower in time. */
#include <uthash.h>

#define BIG 0xff                /* tag: the area holds a kvrt_val pointer */
#define INLINE_MAX 64           /* longest value kept as bytes */
#define HEAD (offsetof(kvrt_entry, bytes))
#define SLAB_KEY_MAX (KVRT_SLAB_MAX - HEAD - 2 * sizeof(kvrt_val *))   /* with ptr_off's padding */

struct kvrt_entry {
    UT_hash_handle hh;          /* hh.key = bytes, hh.keylen = the key's length */
    uint8_t tag;                /* the inline value's length, or BIG */
    uint8_t bytes[];            /* the key, then the value area */
};

struct kvrt_bucket {
    UT_hash_handle hh;
    kvrt_bucket *prev, *next;   /* creation order */
    kvrt_entry *map;            /* uthash head: the first key in insertion order */
    size_t count;
    size_t nlen;
    uint8_t name[];
};

typedef enum jkind {
    J_NEW_KEY,      /* undo: unlink and free entry */
    J_REPLACE,      /* undo: put `old` value back (NULL: the inline bytes
                     * at jbytes[off..off+olen)) */
    J_DELETE,       /* undo: relink entry after `prev` */
    J_NEW_BUCKET    /* undo: unlink and free (empty) bucket */
} jkind;

typedef struct jrec {
    jkind kind;
    kvrt_bucket *b;
    kvrt_entry *e;
    kvrt_entry *prev;
    kvrt_val *old;
    size_t off;
    uint8_t olen;
} jrec;

struct kvrt_store {
    kvrt_bucket *map;
    kvrt_bucket *first, *last;
    kvrt_bucket *recent;        /* the bucket found last: events and replayed
                                 * lines mostly name the previous one's */
    bool journaling;
    jrec *jr;
    size_t jlen, jcap;
    kvrt_buf jbytes;            /* replaced inline values, until commit */
};

/* ---- entries --------------------------------------------------------------- */

static size_t klen_of(const kvrt_entry *e) { return e->hh.keylen; }

/* Where a shared value's pointer sits: the first 8-aligned offset after
 * the key (aligned, so leak checkers and debuggers see it as a pointer). */
static size_t ptr_off(size_t klen) { return (HEAD + klen + 7) & ~(size_t)7; }
static bool in_slab(size_t klen) { return klen <= SLAB_KEY_MAX; }
static uint8_t *inline_of(kvrt_entry *e) { return e->bytes + klen_of(e); }
static kvrt_val **ptr_of(kvrt_entry *e) { return (kvrt_val **)(void *)((uint8_t *)e + ptr_off(klen_of(e))); }

/* Whether e has room for a shared value's pointer. */
static bool fits_ptr(const kvrt_entry *e)
{
    size_t klen = klen_of(e);
    return !in_slab(klen) || ptr_off(klen) + sizeof(kvrt_val *) <= kvrt_slab_size(e);
}

static kvrt_val *big_of(kvrt_entry *e)
{
    return *ptr_of(e);
}

/* Whether a value of len bytes can be kept inline in e. */
static bool fits_inline(const kvrt_entry *e, size_t len)
{
    size_t klen = klen_of(e);
    return len <= INLINE_MAX && in_slab(klen) && HEAD + klen + len <= kvrt_slab_size(e);
}

/* Make e's value the inline bytes data[0..len) (e's old value dropped
 * already; the area holds them: fits_inline). */
static void put_bytes(kvrt_entry *e, const uint8_t *data, size_t len)
{
    e->tag = (uint8_t)len;
    if (len)
        memcpy(inline_of(e), data, len);
}

/* Put v (the caller's reference) into e, whose old value is gone; e must
 * have room for it (fits_inline or fits_ptr). */
static void put_value(kvrt_entry *e, kvrt_val *v)
{
    if (fits_inline(e, v->len)) {
        put_bytes(e, v->data, v->len);
        kvrt_val_unref(v);
    } else {
        e->tag = BIG;
        *ptr_of(e) = v;
    }
}

/* Release e's value (not e). */
static void drop_value(kvrt_entry *e)
{
    if (e->tag == BIG)
        kvrt_val_unref(big_of(e));
}

/* e's value as a reference of its own (a new value for inline bytes);
 * NULL when out of memory. */
static kvrt_val *value_ref(kvrt_entry *e)
{
    if (e->tag == BIG)
        return kvrt_val_ref(big_of(e));
    return kvrt_val_new(inline_of(e), e->tag);
}

/* A new entry for key whose value area is `size` bytes past the key
 * (header and key filled, value not); NULL when out of memory. */
static kvrt_entry *alloc_entry(const uint8_t *key, size_t klen, size_t size)
{
    kvrt_entry *e = in_slab(klen) ? kvrt_slab_alloc(size) : malloc(size);
    if (e == NULL)
        return NULL;
    memset(&e->hh, 0, sizeof e->hh);
    e->hh.keylen = (unsigned)klen;
    if (klen)
        memcpy(e->bytes, key, klen);
    return e;
}

/* Whether len bytes under a key of klen bytes are kept inline in a new
 * entry (so a set needs no value object). */
static bool new_fits_inline(size_t klen, size_t len)
{
    return len <= INLINE_MAX && in_slab(klen) && HEAD + klen + len <= KVRT_SLAB_MAX;
}

/* A new entry holding key and v (borrowed: the entry takes a reference or
 * copies the bytes); NULL when out of memory. */
static kvrt_entry *new_entry(const uint8_t *key, size_t klen, kvrt_val *v)
{
    size_t size = HEAD + klen + v->len;
    if (!new_fits_inline(klen, v->len)) {
        if (klen > SIZE_MAX - HEAD - 2 * sizeof(kvrt_val *))
            return NULL;
        size = ptr_off(klen) + sizeof(kvrt_val *);
    }
    kvrt_entry *e = alloc_entry(key, klen, size);
    if (e != NULL)
        put_value(e, kvrt_val_ref(v));
    return e;
}

static void free_entry(kvrt_entry *e)
{
    drop_value(e);
    if (in_slab(klen_of(e)))
        kvrt_slab_free(e);
    else
        free(e);
}

static void free_bucket(kvrt_bucket *b)
{
    kvrt_entry *e, *tmp;
    HASH_ITER(hh, b->map, e, tmp) {
        HASH_DELETE(hh, b->map, e);
        free_entry(e);
    }
    free(b);
}

kvrt_store *kvrt_store_new(void)
{
    return calloc(1, sizeof(kvrt_store));
}

void kvrt_store_free(kvrt_store *s)
{
    if (s == NULL)
        return;
    kvrt_store_commit(s);
    kvrt_bucket *b, *tmp;
    HASH_ITER(hh, s->map, b, tmp) {
        HASH_DELETE(hh, s->map, b);
        free_bucket(b);
    }
    free(s->jr);
    kvrt_buf_fini(&s->jbytes);
    free(s);
}

/* Room for two more journal records (a move is two); -1 when out of
 * memory. */
static int reserve_journal(kvrt_store *s)
{
    if (!s->journaling || s->jlen + 2 <= s->jcap)
        return 0;
    size_t cap = s->jcap ? s->jcap * 2 : 64;
    jrec *p = realloc(s->jr, cap * sizeof(jrec));
    if (p == NULL)
        return -1;
    s->jr = p;
    s->jcap = cap;
    return 0;
}

static void record(kvrt_store *s, jkind kind, kvrt_bucket *b, kvrt_entry *e,
                   kvrt_entry *prev, kvrt_val *old)
{
    if (!s->journaling)
        return;
    jrec *r = &s->jr[s->jlen++];
    r->kind = kind;
    r->b = b;
    r->e = e;
    r->prev = prev;
    r->old = old;
}

/* Journal e's value before it is replaced in place (room reserved): a
 * shared value by reference, inline bytes copied into jbytes, so a
 * replace makes no value object. -1 when out of memory (nothing
 * recorded). */
static int record_replace(kvrt_store *s, kvrt_bucket *b, kvrt_entry *e)
{
    if (!s->journaling)
        return 0;
    if (e->tag == BIG) {
        record(s, J_REPLACE, b, e, NULL, kvrt_val_ref(big_of(e)));
        return 0;
    }
    size_t off = s->jbytes.len;
    if (kvrt_buf_append(&s->jbytes, inline_of(e), e->tag) != 0)
        return -1;
    record(s, J_REPLACE, b, e, NULL, NULL);
    s->jr[s->jlen - 1].off = off;
    s->jr[s->jlen - 1].olen = e->tag;
    return 0;
}

kvrt_bucket *kvrt_store_find(kvrt_store *s, const uint8_t *name, size_t len)
{
    kvrt_bucket *b = s->recent;
    if (b != NULL && b->nlen == len && (len == 0 || memcmp(b->name, name, len) == 0))
        return b;
    b = NULL;
    HASH_FIND(hh, s->map, name, len, b);
    if (b != NULL)
        s->recent = b;
    return b;
}

kvrt_bucket *kvrt_store_open(kvrt_store *s, const uint8_t *name, size_t len)
{
    bool created;
    return kvrt_store_open_created(s, name, len, &created);
}

kvrt_bucket *kvrt_store_open_created(kvrt_store *s, const uint8_t *name, size_t len,
                                     bool *created)
{
    kvrt_bucket *b = kvrt_store_find(s, name, len);
    *created = b == NULL;
    if (b != NULL)
        return b;
    if (len > SIZE_MAX - sizeof(kvrt_bucket) || reserve_journal(s) != 0)
        return NULL;
    b = calloc(1, sizeof(kvrt_bucket) + len);
    if (b == NULL)
        return NULL;
    b->nlen = len;
    if (len)
        memcpy(b->name, name, len);
    HASH_ADD_KEYPTR(hh, s->map, b->name, b->nlen, b);
    if (b->hh.tbl == NULL) {
        free(b);
        return NULL;
    }
    b->prev = s->last;
    if (s->last)
        s->last->next = b;
    else
        s->first = b;
    s->last = b;
    record(s, J_NEW_BUCKET, b, NULL, NULL, NULL);
    return b;
}

static kvrt_entry *find_entry(kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    kvrt_entry *e = NULL;
    HASH_FIND(hh, b->map, key, klen, e);
    return e;
}

int kvrt_bucket_get(kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val **out)
{
    kvrt_entry *e = find_entry(b, key, klen);
    *out = NULL;
    if (e == NULL)
        return 0;
    *out = value_ref(e);
    return *out != NULL ? 0 : -1;
}

bool kvrt_bucket_has(kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    return find_entry(b, key, klen) != NULL;
}

/* Add e to b's map, at the end of insertion order; -1 when out of memory. */
static int add_entry(kvrt_bucket *b, kvrt_entry *e)
{
    HASH_ADD_KEYPTR(hh, b->map, e->bytes, klen_of(e), e);
    if (e->hh.tbl == NULL)
        return -1;
    b->count++;
    return 0;
}

static void remove_entry(kvrt_bucket *b, kvrt_entry *e)
{
    HASH_DELETE(hh, b->map, e);
    b->count--;
}

/* Move e, the last in insertion order, to right after prev (to the front
 * when prev is NULL). uthash's application order is a doubly linked list
 * of items (hh.prev, hh.next), the head being the first item and
 * hh.tbl->tail the last one's handle. */
static void move_after(kvrt_bucket *b, kvrt_entry *e, kvrt_entry *prev)
{
    kvrt_entry *before = e->hh.prev;
    if (before == prev)
        return;
    UT_hash_table *tbl = e->hh.tbl;
    before->hh.next = NULL;             /* e was last and is not first */
    tbl->tail = &before->hh;
    kvrt_entry *after = prev != NULL ? prev->hh.next : b->map;
    e->hh.prev = prev;
    e->hh.next = after;
    after->hh.prev = e;                 /* e goes before something */
    if (prev != NULL)
        prev->hh.next = e;
    else
        b->map = e;
}

/* Replace e's value by v (the caller's reference) when the area can hold
 * it; false when it cannot (inline bytes too long for an area too small
 * for a pointer). The old value goes to the journal; -1 in *rc when that
 * is out of memory. */
static bool replace_in_place(kvrt_store *s, kvrt_bucket *b, kvrt_entry *e, kvrt_val *v, int *rc)
{
    *rc = 0;
    if (!fits_inline(e, v->len) && !fits_ptr(e))
        return false;
    if (record_replace(s, b, e) != 0) {
        *rc = -1;
        return true;
    }
    drop_value(e);
    put_value(e, v);
    return true;
}

/* Take e out of b: kept by the journal (J_DELETE, its predecessor being
 * its place for rollback) when keep, else freed. */
static void retire_entry(kvrt_store *s, kvrt_bucket *b, kvrt_entry *e, bool keep)
{
    kvrt_entry *prev = e->hh.prev;
    remove_entry(b, e);
    if (keep)
        record(s, J_DELETE, b, e, prev, NULL);
    else
        free_entry(e);
}

/* Put the new entry n (NULL: out of memory making it) for a key whose
 * current entry is e (NULL when the key is new) into b: a new key at the
 * end; else in e's place, e retired (journaled). -1 when out of memory, b
 * unchanged. */
static int place_entry(kvrt_store *s, kvrt_bucket *b, kvrt_entry *e, kvrt_entry *n)
{
    if (n == NULL)
        return -1;
    if (e == NULL) {
        if (add_entry(b, n) != 0) {
            free_entry(n);
            return -1;
        }
        record(s, J_NEW_KEY, b, n, NULL, NULL);
        return 0;
    }
    /* The key moves to n, at e's place. n goes in first (a duplicate key
     * for a moment: nothing looks it up meanwhile), so a failure leaves
     * the bucket as it was and the map is never empty (uthash would free
     * its table). */
    kvrt_entry *prev = e->hh.prev;
    if (add_entry(b, n) != 0) {
        free_entry(n);
        return -1;
    }
    retire_entry(s, b, e, s->journaling);
    move_after(b, n, prev);
    record(s, J_NEW_KEY, b, n, NULL, NULL);
    return 0;
}

int kvrt_bucket_set(kvrt_store *s, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val *v)
{
    if (reserve_journal(s) != 0)
        goto fail;
    kvrt_entry *e = find_entry(b, key, klen);
    if (e != NULL) {
        int rc;
        if (replace_in_place(s, b, e, v, &rc)) {
            if (rc != 0)
                goto fail;
            return 0;
        }
    }
    kvrt_entry *n = new_entry(key, klen, v);
    kvrt_val_unref(v);
    return place_entry(s, b, e, n);
fail:
    kvrt_val_unref(v);
    return -1;
}

int kvrt_bucket_set_bytes(kvrt_store *s, kvrt_bucket *b, const uint8_t *key, size_t klen,
                          const uint8_t *data, size_t len)
{
    if (!new_fits_inline(klen, len)) {
        kvrt_val *v = kvrt_val_new(data, len);
        return v != NULL ? kvrt_bucket_set(s, b, key, klen, v) : -1;
    }
    if (reserve_journal(s) != 0)
        return -1;
    kvrt_entry *e = find_entry(b, key, klen);
    if (e != NULL && fits_inline(e, len)) {
        if (record_replace(s, b, e) != 0)
            return -1;
        drop_value(e);
        put_bytes(e, data, len);
        return 0;
    }
    kvrt_entry *n = alloc_entry(key, klen, HEAD + klen + len);
    if (n != NULL)
        put_bytes(n, data, len);
    return place_entry(s, b, e, n);
}

bool kvrt_bucket_delete(kvrt_store *s, kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    kvrt_entry *e = find_entry(b, key, klen);
    if (e == NULL)
        return false;
    /* Without journal room the delete still happens, just not undoably:
     * only reachable when out of memory mid-event. */
    retire_entry(s, b, e, s->journaling && reserve_journal(s) == 0);
    return true;
}

size_t kvrt_bucket_count(const kvrt_bucket *b) { return b->count; }

const uint8_t *kvrt_bucket_name(const kvrt_bucket *b, size_t *len)
{
    *len = b->nlen;
    return b->name;
}

kvrt_bucket *kvrt_store_first(kvrt_store *s) { return s->first; }
kvrt_bucket *kvrt_bucket_next(kvrt_bucket *b) { return b->next; }
kvrt_entry *kvrt_bucket_first(kvrt_bucket *b) { return b->map; }
kvrt_entry *kvrt_entry_next(kvrt_entry *e) { return e->hh.next; }

const uint8_t *kvrt_entry_key(const kvrt_entry *e, size_t *len)
{
    *len = klen_of(e);
    return e->bytes;
}

const uint8_t *kvrt_entry_value(kvrt_entry *e, size_t *len)
{
    if (e->tag != BIG) {
        *len = e->tag;
        return inline_of(e);
    }
    kvrt_val *v = big_of(e);
    *len = v->len;
    return v->data;
}

void kvrt_store_begin(kvrt_store *s)
{
    s->journaling = true;
    s->jlen = 0;
}

void kvrt_store_commit(kvrt_store *s)
{
    for (size_t i = 0; i < s->jlen; i++) {
        jrec *r = &s->jr[i];
        if (r->kind == J_REPLACE)
            kvrt_val_unref(r->old);
        else if (r->kind == J_DELETE)
            free_entry(r->e);
    }
    s->jlen = 0;
    s->jbytes.len = 0;
    s->journaling = false;
}

static void undo(kvrt_store *s, jrec *r)
{
    kvrt_bucket *b = r->b;
    switch (r->kind) {
    case J_NEW_KEY:
        remove_entry(b, r->e);
        free_entry(r->e);
        break;
    case J_REPLACE:
        drop_value(r->e);
        if (r->old != NULL)
            put_value(r->e, r->old);
        else
            /* an empty old value has no bytes in jbytes (maybe no memory) */
            put_bytes(r->e, r->olen ? s->jbytes.data + r->off : NULL, r->olen);
        break;
    case J_DELETE:
        if (add_entry(b, r->e) != 0) {
            /* Out of memory putting a deleted key back: the store cannot be
             * restored exactly, and going on would save a wrong store. */
            fputs("kvaot runtime: out of memory while rolling back an event\n", stderr);
            abort();
        }
        move_after(b, r->e, r->prev);
        break;
    case J_NEW_BUCKET:
        if (s->recent == b)
            s->recent = NULL;
        HASH_DELETE(hh, s->map, b);
        if (b->prev)
            b->prev->next = b->next;
        else
            s->first = b->next;
        if (b->next)
            b->next->prev = b->prev;
        else
            s->last = b->prev;
        free_bucket(b);
        break;
    }
}

void kvrt_store_rollback(kvrt_store *s)
{
    while (s->jlen > 0)
        undo(s, &s->jr[--s->jlen]);
    s->jbytes.len = 0;
    s->journaling = false;
}

size_t kvrt_store_mark(const kvrt_store *s)
{
    return s->jlen;
}

void kvrt_store_rollback_to(kvrt_store *s, size_t mark)
{
    while (s->jlen > mark)
        undo(s, &s->jr[--s->jlen]);
}
