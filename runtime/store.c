/*
 * runtime/store.c - buckets and keys over uthash, insertion order kept in our
 * own doubly linked lists (uthash's app order cannot re-insert an entry at
 * its old place, which rollback needs). See store.h for the contract.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Out of memory inside uthash must not exit the process (its default):
 * with HASH_NONFATAL_OOM a failed add leaves the item's hh.tbl NULL (and a
 * failed table expansion just keeps the table as it is). */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

struct kvrt_entry {
    UT_hash_handle hh;
    kvrt_entry *prev, *next;    /* insertion order */
    kvrt_val *val;
    size_t klen;
    uint8_t key[];
};

struct kvrt_bucket {
    UT_hash_handle hh;
    kvrt_bucket *prev, *next;   /* creation order */
    kvrt_entry *map;            /* uthash head */
    kvrt_entry *first, *last;
    size_t count;
    size_t nlen;
    uint8_t name[];
};

typedef enum jkind {
    J_NEW_KEY,      /* undo: unlink and free entry */
    J_REPLACE,      /* undo: put `old` value back */
    J_DELETE,       /* undo: relink entry after `prev` */
    J_NEW_BUCKET    /* undo: unlink and free (empty) bucket */
} jkind;

typedef struct jrec {
    jkind kind;
    kvrt_bucket *b;
    kvrt_entry *e;
    kvrt_entry *prev;
    kvrt_val *old;
} jrec;

struct kvrt_store {
    kvrt_bucket *map;
    kvrt_bucket *first, *last;
    kvrt_bucket *recent;        /* the bucket found last: events and replayed
                                 * lines mostly name the previous one's */
    bool journaling;
    jrec *jr;
    size_t jlen, jcap;
};

kvrt_store *kvrt_store_new(void)
{
    return calloc(1, sizeof(kvrt_store));
}

static void free_entry(kvrt_entry *e)
{
    kvrt_val_unref(e->val);
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
    free(s);
}

/* Reserve one journal record; -1 when out of memory. */
static int reserve_journal(kvrt_store *s)
{
    if (!s->journaling || s->jlen < s->jcap)
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

kvrt_val *kvrt_bucket_get(kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    kvrt_entry *e = find_entry(b, key, klen);
    return e ? e->val : NULL;
}

/* Put e into b's list right after prev (at the front when prev is NULL). */
static void link_after(kvrt_bucket *b, kvrt_entry *e, kvrt_entry *prev)
{
    e->prev = prev;
    e->next = prev ? prev->next : b->first;
    if (e->next)
        e->next->prev = e;
    else
        b->last = e;
    if (prev)
        prev->next = e;
    else
        b->first = e;
}

static void unlink_entry(kvrt_bucket *b, kvrt_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        b->first = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        b->last = e->prev;
    e->prev = e->next = NULL;
}

int kvrt_bucket_set(kvrt_store *s, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val *v)
{
    if (reserve_journal(s) != 0)
        goto fail;
    kvrt_entry *e = find_entry(b, key, klen);
    if (e != NULL) {
        kvrt_val *old = e->val;
        e->val = v;
        if (s->journaling)
            record(s, J_REPLACE, b, e, NULL, old);
        else
            kvrt_val_unref(old);
        return 0;
    }
    if (klen > SIZE_MAX - sizeof(kvrt_entry))
        goto fail;
    e = malloc(sizeof(kvrt_entry) + klen);
    if (e == NULL)
        goto fail;
    e->val = v;
    e->klen = klen;
    if (klen)
        memcpy(e->key, key, klen);
    HASH_ADD_KEYPTR(hh, b->map, e->key, e->klen, e);
    if (e->hh.tbl == NULL) {
        free(e);
        goto fail;
    }
    link_after(b, e, b->last);
    b->count++;
    record(s, J_NEW_KEY, b, e, NULL, NULL);
    return 0;
fail:
    kvrt_val_unref(v);
    return -1;
}

bool kvrt_bucket_delete(kvrt_store *s, kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    kvrt_entry *e = find_entry(b, key, klen);
    if (e == NULL)
        return false;
    /* Without journal room the delete still happens, just not undoably:
     * only reachable when out of memory mid-event. */
    bool keep = s->journaling && reserve_journal(s) == 0;
    kvrt_entry *prev = e->prev;
    HASH_DELETE(hh, b->map, e);
    unlink_entry(b, e);
    b->count--;
    if (keep)
        record(s, J_DELETE, b, e, prev, NULL);
    else
        free_entry(e);
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
kvrt_entry *kvrt_bucket_first(kvrt_bucket *b) { return b->first; }
kvrt_entry *kvrt_entry_next(kvrt_entry *e) { return e->next; }
kvrt_val *kvrt_entry_val(const kvrt_entry *e) { return e->val; }

const uint8_t *kvrt_entry_key(const kvrt_entry *e, size_t *len)
{
    *len = e->klen;
    return e->key;
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
    s->journaling = false;
}

static void undo(kvrt_store *s, jrec *r)
{
    kvrt_bucket *b = r->b;
    switch (r->kind) {
    case J_NEW_KEY:
        HASH_DELETE(hh, b->map, r->e);
        unlink_entry(b, r->e);
        b->count--;
        free_entry(r->e);
        break;
    case J_REPLACE:
        kvrt_val_unref(r->e->val);
        r->e->val = r->old;
        break;
    case J_DELETE:
        HASH_ADD_KEYPTR(hh, b->map, r->e->key, r->e->klen, r->e);
        if (r->e->hh.tbl == NULL) {
            /* Out of memory putting a deleted key back: the store cannot be
             * restored exactly, and going on would save a wrong store. */
            fputs("kvaot runtime: out of memory while rolling back an event\n", stderr);
            abort();
        }
        link_after(b, r->e, r->prev);
        b->count++;
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
