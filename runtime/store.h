/*
 * runtime/store.h - the in-memory key-value store: buckets by name (in
 * creation order), each a map key -> value (in insertion order), over uthash.
 * This is the only file that knows uthash.
 *
 * Journal: between kvrt_store_begin and kvrt_store_commit/rollback every
 * mutation is recorded, so a trapped event's changes can be undone exactly:
 * deleted keys come back at their original place, replaced values come back,
 * new keys and buckets disappear (SPEC §7).
 *
 * Ownership: the store copies keys and names in; a value is shared
 * (kvrt_bucket_set takes over the caller's reference) unless it is small
 * (at most 64 bytes), whose bytes are copied into the key's entry. get
 * hands out a reference of the caller's own. Entries and small values come
 * from the slab (slab.h): a key with a short value costs one allocation of
 * about 60 bytes plus the key and the value.
 * Errors: functions returning int give 0, or -1 when out of memory (the
 * store is then unchanged).
 */
#ifndef KVRT_STORE_H
#define KVRT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "val.h"

typedef struct kvrt_entry kvrt_entry;
typedef struct kvrt_bucket kvrt_bucket;
typedef struct kvrt_store kvrt_store;

kvrt_store *kvrt_store_new(void);
void kvrt_store_free(kvrt_store *s);

/* Bucket by name, created (at the end of creation order) when missing.
 * NULL when out of memory. */
kvrt_bucket *kvrt_store_open(kvrt_store *s, const uint8_t *name, size_t len);
/* The same, saying whether the bucket was made now. */
kvrt_bucket *kvrt_store_open_created(kvrt_store *s, const uint8_t *name, size_t len,
                                     bool *created);
/* Existing bucket or NULL. */
kvrt_bucket *kvrt_store_find(kvrt_store *s, const uint8_t *name, size_t len);

/* *out = the current value of key as a reference of the caller's own
 * (kvrt_val_unref it), NULL when the key is absent. -1 when out of memory
 * (small values are kept as bytes and made into a value here). */
int kvrt_bucket_get(kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val **out);
bool kvrt_bucket_has(kvrt_bucket *b, const uint8_t *key, size_t klen);
/* Store v under key (taking the caller's reference, also on failure).
 * An existing key keeps its place; a new one goes to the end. */
int kvrt_bucket_set(kvrt_store *s, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val *v);
/* The same for the bytes data[0..len) (copied): a small value that fits
 * its entry makes no value object at all. */
int kvrt_bucket_set_bytes(kvrt_store *s, kvrt_bucket *b, const uint8_t *key, size_t klen,
                          const uint8_t *data, size_t len);
/* Remove key; returns true when it was present. */
bool kvrt_bucket_delete(kvrt_store *s, kvrt_bucket *b, const uint8_t *key, size_t klen);
size_t kvrt_bucket_count(const kvrt_bucket *b);
const uint8_t *kvrt_bucket_name(const kvrt_bucket *b, size_t *len);

/* Iteration in creation / insertion order. */
kvrt_bucket *kvrt_store_first(kvrt_store *s);
kvrt_bucket *kvrt_bucket_next(kvrt_bucket *b);
kvrt_entry *kvrt_bucket_first(kvrt_bucket *b);
kvrt_entry *kvrt_entry_next(kvrt_entry *e);
const uint8_t *kvrt_entry_key(const kvrt_entry *e, size_t *len);
/* The entry's value bytes (borrowed, until the key changes). */
const uint8_t *kvrt_entry_value(kvrt_entry *e, size_t *len);

/* Journal. begin starts recording (nothing may be pending); commit forgets
 * the records; rollback undoes them newest first. */
void kvrt_store_begin(kvrt_store *s);
void kvrt_store_commit(kvrt_store *s);
void kvrt_store_rollback(kvrt_store *s);
/* A savepoint inside the journal, and the undo of what followed it (the
 * journal stays open): an event's own change survives its handler's trap. */
size_t kvrt_store_mark(const kvrt_store *s);
void kvrt_store_rollback_to(kvrt_store *s, size_t mark);

#endif
