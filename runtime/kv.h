/*
 * runtime/kv.h - the store as the imports and the main loop see it: an
 * interface (kvrt_kv_ops) with two backends, the in-memory store (kv_mem.c,
 * over store.c) and Redis (kv_redis.c, SPEC §10). cli.c picks one (--store);
 * nothing else knows which it talks to.
 *
 * A backend works in events: begin, then reads and writes (a write is seen
 * by later reads of the same event), then commit, or rollback (everything
 * since begin), or rollback_to a mark (what followed it). Buckets are
 * kvrt_bucket objects that live as long as the backend (bucket handles hold
 * them across events); kvrt_bucket_name gives the name.
 *
 * Errors: functions returning int give 0 (or a count, or 1/0 for a yes/no
 * question), or -1 when the backend failed (out of memory, Redis lost for
 * longer than --redis-timeout); why() then says what happened. A value
 * returned by get is a reference of the caller's own (kvrt_val_unref it).
 */
#ifndef KVRT_KV_H
#define KVRT_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct kvrt_keyref {
    const uint8_t *key;
    size_t len;
} kvrt_keyref;

/* A walk over a bucket's keys in insertion order (see keys/key_next). */
typedef struct kvrt_keyiter {
    void *pos;
    size_t i;
} kvrt_keyiter;

typedef enum kvrt_commit_res {
    KVRT_COMMIT_OK = 0,
    KVRT_COMMIT_CONFLICT,   /* another client changed what the event read: run it again */
    KVRT_COMMIT_FAILED,     /* why() says; nothing of the event is stored */
    KVRT_COMMIT_WAIT,       /* a stream entry before this one is not committed yet:
                             * run it again (not a conflict) */
    KVRT_COMMIT_LOST        /* the stream entry is no longer this worker's: drop it */
} kvrt_commit_res;

typedef struct kvrt_kv_ops {
    /* Bucket by name, created when missing (*created says so). NULL on failure. */
    kvrt_bucket *(*open)(void *self, const uint8_t *name, size_t len, bool *created);
    /* *out = the current value (the caller's reference) or NULL when the
     * key is absent. */
    int (*get)(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val **out);
    /* 1 present, 0 absent. */
    int (*has)(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen);
    /* Optional (NULL): the reads of get for n keys made at once (get-many). */
    int (*prefetch)(void *self, kvrt_bucket *b, const kvrt_keyref *keys, size_t n);
    /* Store v (taking the caller's reference, also on failure). */
    int (*set)(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val *v);
    /* Optional (NULL: a value is made and set is called): store a copy of
     * data[0..len), for backends that keep small values without one. */
    int (*set_bytes)(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen,
                     const uint8_t *data, size_t len);
    /* Remove the key: 1 when it was present, 0 when not. blind: the caller
     * does not need the answer (an event's own delete), so a backend may
     * skip the read and return 0. */
    int (*del)(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen, bool blind);
    /* Start a walk over b's keys; returns how many, or -1. */
    int64_t (*keys)(void *self, kvrt_bucket *b, kvrt_keyiter *it);
    const uint8_t *(*key_next)(void *self, kvrt_keyiter *it, size_t *len);
    void (*begin)(void *self);
    size_t (*mark)(void *self);
    void (*rollback_to)(void *self, size_t mark);
    void (*rollback)(void *self);
    kvrt_commit_res (*commit)(void *self);
    const char *(*why)(void *self);
    /* Optional: true when the last failure means the store is gone (not
     * just this event's memory): the run must stop (exit 4). */
    bool (*lost)(void *self);
} kvrt_kv_ops;

typedef struct kvrt_kv {
    const kvrt_kv_ops *ops;
    void *self;
} kvrt_kv;

/* The in-memory backend over s (borrowed: the caller frees s). */
kvrt_kv kvrt_kv_mem(kvrt_store *s);

#endif
