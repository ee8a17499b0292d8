/*
 * runtime/worker.h - events from a Redis stream (`--events redis-stream://…`,
 * SPEC §10.1): one worker of a consumer group. It creates the group when
 * missing, first finishes its own pending entries (a restart with the same
 * consumer name), then reads new ones (XREADGROUP … >) until SIGINT/SIGTERM.
 * Each entry is one event whose commit (kv_redis.h, kvrt_stream_entry)
 * also checks the entry is still this consumer's, appends the guest's
 * mutations to S:feed and acks it: the entry takes effect exactly once.
 * Entries idle past claim-idle with another consumer are claimed
 * (XAUTOCLAIM); one that failed max-deliveries deliveries, or that is not
 * an event, goes to S:dead. With order=stream an entry is run only when it
 * is the group's oldest pending one, so commits follow stream order.
 */
#ifndef KVRT_WORKER_H
#define KVRT_WORKER_H

#include <stdint.h>
#include <stdio.h>

#include "ctx.h"
#include "loop.h"
#include "redis_stream_url.h"

typedef struct kvrt_worker_stats {
    uint64_t read, committed, claimed, dead, lost;
} kvrt_worker_stats;

typedef struct kvrt_worker {
    kvrt_ctx *ctx;
    const kvrt_loop_opts *lo;
    const kvrt_stream_url *url;
    void (*flush)(void *arg);   /* the output so far, before a read that waits */
    void *flush_arg;
    kvrt_worker_stats st;
    /* internal */
    char consumer[KVRT_STREAM_NAME_MAX + 1];
    uint64_t last_claim_ms;
    int depth;                  /* claims inside claims (a wait for order claims too) */
    bool reread_own;            /* claimed entries left in the pending list */
} kvrt_worker;

/* Run until SIGINT/SIGTERM (128 + N) or a failure: 1 stopped on a trap
 * (--on-trap stop), 4 Redis lost or out of memory, 5 the guest failed to
 * start again. The store must be the Redis backend on the stream's
 * server. */
int kvrt_worker_run(kvrt_worker *w);
void kvrt_worker_print_stats(const kvrt_worker *w, FILE *f, const char *prog);

#endif
