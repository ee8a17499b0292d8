/*
 * runtime/kv_redis.h - the Redis backend of the store interface (kv.h),
 * SPEC §10: one Redis string per key, insertion order in a sorted set per
 * bucket, bucket creation order in kvaot:buckets (redis_keys.h).
 *
 * An event is an optimistic transaction. Reads go to Redis (WATCH + GET in
 * one round trip) and are kept in a per-event overlay, which also holds
 * the event's writes (read-your-writes); writes are buffered in an
 * operation list and sent at commit as one MULTI / FCALL kvaot_commit /
 * EXEC round trip (redis_script.h). EXEC answering nil (a key the event
 * read was changed by another client) is KVRT_COMMIT_CONFLICT: the caller
 * runs the event again.
 *
 * A lost connection is retried with backoff for up to the timeout. A read
 * that had to reconnect dooms the attempt (its WATCHes are gone): the
 * commit then reports a conflict without sending anything. A commit whose
 * reply was lost is settled after reconnecting by the marker it writes
 * first. When Redis stays away, the backend fails for good (kv.h lost()).
 */
#ifndef KVRT_KV_REDIS_H
#define KVRT_KV_REDIS_H

#include <stdbool.h>
#include <stdio.h>

#include "kv.h"
#include "redis_addr.h"

/* The stream entry an event comes from (--events, SPEC §10.1): its commit
 * then also checks that the entry is still this consumer's (and, ordered,
 * the oldest pending), appends the guest's mutations to STREAM:feed and
 * acks the entry, all in the one transaction. */
typedef struct kvrt_stream_entry {
    const char *stream, *group, *consumer;
    char id[48];
    bool ordered;
} kvrt_stream_entry;

struct redisReply;

/* Commits from now on are those of entry e (NULL: plain events). */
void kvrt_kv_redis_set_entry(kvrt_kv *kv, const kvrt_stream_entry *e);
/* One command on the store's connection, reconnecting like the backend's
 * own commands (the command is sent again after a reconnect). *out is the
 * reply (an error reply included; kvrt_redis_free it). 0, or -1 when Redis
 * is lost (why()). */
int kvrt_kv_redis_call(kvrt_kv *kv, int argc, const char **argv, const size_t *lens,
                       struct redisReply **out);
/* How many times the connection was made again. */
unsigned long long kvrt_kv_redis_reconnects(kvrt_kv *kv);

/* Connect to a, load the functions, and fill *kv. 0, or -1 with why
 * ("cannot reach unix:///tmp/r.sock?db=0: No such file or directory"). */
int kvrt_kv_redis_open(const kvrt_redis_addr *a, int timeout_ms, kvrt_kv *kv, char *why,
                       size_t cap);
void kvrt_kv_redis_close(kvrt_kv *kv);
/* The whole store, read in one transaction, into an empty in-memory
 * store (for --save). 0, or -1 (why() says). */
int kvrt_kv_redis_dump(kvrt_kv *kv, kvrt_store *into);
/* --stats: the address, round trips, and round trips per event. */
void kvrt_kv_redis_print_stats(kvrt_kv *kv, FILE *f, const char *prog, unsigned long long events);

#endif
