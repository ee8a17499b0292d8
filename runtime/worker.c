/*
 * runtime/worker.c - one consumer of a Redis stream of events; see
 * worker.h. Every Redis command goes through kvrt_kv_redis_call (the store's
 * connection, with its reconnects).
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "kv_redis.h"
#include "os.h"
#include "redis_conn.h"
#include "utf8.h"

static uint64_t now_ms(void)
{
    return kvrt_os_now_ns() / 1000000u;
}

/* A command of up to 12 words, all C strings but the ones given lengths. */
static int call(kvrt_worker *w, int argc, const char **argv, redisReply **out)
{
    size_t lens[12];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    return kvrt_kv_redis_call(&w->ctx->kv, argc, argv, lens, out);
}

static int lost(kvrt_worker *w)
{
    fprintf(stderr, "%s: stream %s: the store is lost: %s\n", w->lo->prog, w->url->stream,
            w->ctx->kv.ops->why(w->ctx->kv.self));
    return 4;
}

static bool is_str(const redisReply *r, const char *s)
{
    return r != NULL && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
           strcmp(r->str, s) == 0;
}

/* XGROUP CREATE S G 0 MKSTREAM; an existing group is fine. */
static int ensure_group(kvrt_worker *w)
{
    const char *argv[6] = {"XGROUP", "CREATE", w->url->stream, w->url->group, "0", "MKSTREAM"};
    redisReply *r;
    if (call(w, 6, argv, &r) != 0)
        return lost(w);
    int rc = 0;
    if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9) != 0) {
        fprintf(stderr, "%s: stream %s: XGROUP CREATE: %s\n", w->lo->prog, w->url->stream, r->str);
        rc = 4;
    }
    kvrt_redis_free(r);
    return rc;
}

/* Move entry id to S:dead with reason (and ack it), if still ours. */
static int dead_letter(kvrt_worker *w, const char *id, const char *reason)
{
    const char *argv[8] = {"FCALL", "kvaot_dead", "0", w->url->stream, w->url->group,
                           w->consumer, id, reason};
    redisReply *r;
    if (call(w, 8, argv, &r) != 0)
        return lost(w);
    if (is_str(r, "OK")) {
        w->st.dead++;
        fprintf(stderr, "%s: %s#%s: to %s:dead: %s\n", w->lo->prog, w->url->stream, id,
                w->url->stream, reason);
    } else if (is_str(r, "LOST")) {
        w->st.lost++;
    } else if (r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "%s: stream %s: FCALL kvaot_dead: %s\n", w->lo->prog, w->url->stream,
                r->str);
        kvrt_redis_free(r);
        return 4;
    }
    kvrt_redis_free(r);
    return 0;
}

/* The event of an entry's fields (op, bucket, key, value). NULL when it
 * is none, with why. */
static bool entry_event(const redisReply *f, kvrt_event *ev, char *why, size_t cap)
{
    const redisReply *op = NULL, *bucket = NULL, *key = NULL, *value = NULL;
    if (f == NULL || f->type != REDIS_REPLY_ARRAY || f->elements % 2 != 0) {
        snprintf(why, cap, "not an event: the entry has no fields");
        return false;
    }
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const redisReply *k = f->element[i], *v = f->element[i + 1];
        if (is_str(k, "op"))
            op = v;
        else if (is_str(k, "bucket"))
            bucket = v;
        else if (is_str(k, "key"))
            key = v;
        else if (is_str(k, "value"))
            value = v;
    }
    bool set = is_str(op, "set");
    if (!set && !is_str(op, "delete")) {
        snprintf(why, cap, "not an event: field op must be set or delete");
        return false;
    }
    if (bucket == NULL || key == NULL) {
        snprintf(why, cap, "not an event: no %s field", bucket == NULL ? "bucket" : "key");
        return false;
    }
    if (!kvrt_utf8_valid((const uint8_t *)bucket->str, bucket->len) ||
        !kvrt_utf8_valid((const uint8_t *)key->str, key->len)) {
        snprintf(why, cap, "not an event: the bucket or key is not valid UTF-8");
        return false;
    }
    ev->op = set ? KVRT_EV_SET : KVRT_EV_DELETE;
    ev->bucket = (const uint8_t *)bucket->str;
    ev->bucket_len = bucket->len;
    ev->key = (const uint8_t *)key->str;
    ev->key_len = key->len;
    ev->value = value != NULL && set ? (const uint8_t *)value->str : (const uint8_t *)"";
    ev->value_len = value != NULL && set ? value->len : 0;
    return true;
}

static int process_entry(kvrt_worker *w, const redisReply *e, bool claimed);
static int maybe_claim(kvrt_worker *w, bool force, const char *before);

/* Stream IDs "MS-SEQ" in order: a < b. */
static bool id_before(const char *a, const char *b)
{
    unsigned long long am = 0, as = 0, bm = 0, bs = 0;
    sscanf(a, "%llu-%llu", &am, &as);
    sscanf(b, "%llu-%llu", &bm, &bs);
    return am < bm || (am == bm && as < bs);
}

/* order=stream: wait until id is the group's oldest pending entry (claiming
 * a dead worker's entries meanwhile). 0 to go on, 1 when the entry is no
 * longer ours, or an exit status > 1. */
static int wait_turn(kvrt_worker *w, const char *id)
{
    unsigned pause = 100;
    for (;;) {
        const char *argv[3] = {"XPENDING", w->url->stream, w->url->group};
        redisReply *r;
        if (call(w, 3, argv, &r) != 0)
            return lost(w);
        bool first = r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
                     r->element[1]->type == REDIS_REPLY_STRING && strcmp(r->element[1]->str, id) == 0;
        bool none = r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
                    r->element[0]->type == REDIS_REPLY_INTEGER && r->element[0]->integer == 0;
        kvrt_redis_free(r);
        if (first)
            return 0;
        if (none)
            return 1;   /* not pending at all: dead-lettered or acked by another */
        if (kvrt_os_stop_signal() != 0)
            return 128 + kvrt_os_stop_signal();
        int st = maybe_claim(w, false, id);
        if (st != 0)
            return st;
        kvrt_os_sleep_us(pause);
        pause = pause * 2 > 2000 ? 2000 : pause * 2;
    }
}

/* What an event's result means for the run: 0 to go on, else an exit
 * status. */
static int after_event(kvrt_worker *w, kvrt_evres er)
{
    switch (er) {
    case KVRT_EV_OK:
        w->st.committed++;
        return 0;
    case KVRT_EV_LOST:
        w->st.lost++;
        return 0;
    case KVRT_EV_TRAPPED:
        w->st.committed++;  /* its own change was */
        if (w->lo->stop_on_trap)
            return 1;
        return kvrt_loop_ensure_instance(w->ctx, w->lo) == KVRT_EV_OK ? 0 : 5;
    case KVRT_EV_START_FAILED:
        return 5;
    case KVRT_EV_NOMEM:
        fprintf(stderr, "%s: stream %s: out of memory\n", w->lo->prog, w->url->stream);
        return 4;
    default:
        return 4;
    }
}

/* One entry [id, fields] (read, or claimed: counted as such). 0 to go
 * on, else an exit status. */
static int process_entry(kvrt_worker *w, const redisReply *e, bool claimed)
{
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING)
        return 0;
    kvrt_stream_entry se;
    snprintf(se.id, sizeof se.id, "%s", e->element[0]->str);
    se.stream = w->url->stream;
    se.group = w->url->group;
    se.consumer = w->consumer;
    se.ordered = w->url->ordered;
    if (!claimed)
        w->st.read++;
    kvrt_event ev;
    char why[160];
    if (!entry_event(e->element[1], &ev, why, sizeof why))
        return dead_letter(w, se.id, why);
    if (se.ordered) {
        int st = wait_turn(w, se.id);
        if (st == 1) {
            w->st.lost++;
            return 0;
        }
        if (st != 0)
            return st;
    }
    char label[KVRT_STREAM_NAME_MAX + 64];
    snprintf(label, sizeof label, "%s#%s", w->url->stream, se.id);
    kvrt_kv_redis_set_entry(&w->ctx->kv, &se);
    kvrt_evres er = kvrt_loop_event(w->ctx, w->lo, &ev, label, 0, NULL);
    kvrt_kv_redis_set_entry(&w->ctx->kv, NULL);
    return after_event(w, er);
}

/* Each entry of a reply to XREADGROUP ([[stream, [entry...]]] or nil).
 * *n the number of entries. 0 to go on, else an exit status. */
static int process_read(kvrt_worker *w, const redisReply *r, size_t *n)
{
    *n = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
        return 0;
    const redisReply *s = r->element[0];
    if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 || s->element[1]->type != REDIS_REPLY_ARRAY)
        return 0;
    const redisReply *list = s->element[1];
    for (size_t i = 0; i < list->elements; i++) {
        int st = process_entry(w, list->element[i], false);
        if (st != 0)
            return st;
        (*n)++;
        if (kvrt_os_stop_signal() != 0)
            return 128 + kvrt_os_stop_signal();
    }
    return 0;
}

/* Delivery count of a pending entry (0 when it is not pending). */
static long long deliveries(kvrt_worker *w, const char *id)
{
    const char *argv[6] = {"XPENDING", w->url->stream, w->url->group, id, id, "1"};
    redisReply *r;
    if (call(w, 6, argv, &r) != 0)
        return -1;
    long long n = 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->elements == 4 &&
        r->element[0]->element[3]->type == REDIS_REPLY_INTEGER)
        n = r->element[0]->element[3]->integer;
    kvrt_redis_free(r);
    return n;
}

/* XAUTOCLAIM what idled past claim-idle (every claim-idle / 2, or now when
 * force); each claimed entry is processed, or dead-lettered past
 * max-deliveries failed deliveries. Waiting for the turn of entry `before`
 * (order=stream), only the entries before it are processed now (the others
 * would wait for it): the rest stay in this consumer's pending list, read
 * again by the main loop (reread_own). */
static int maybe_claim(kvrt_worker *w, bool force, const char *before)
{
    uint64_t every = w->url->claim_idle_ms / 2 ? w->url->claim_idle_ms / 2 : 1;
    if ((!force && now_ms() - w->last_claim_ms < every) || w->depth > 8)
        return 0;
    w->last_claim_ms = now_ms();
    char idle[24], count[24];
    snprintf(idle, sizeof idle, "%u", w->url->claim_idle_ms);
    snprintf(count, sizeof count, "%u", w->url->batch);
    const char *argv[8] = {"XAUTOCLAIM", w->url->stream, w->url->group, w->consumer, idle, "0-0",
                           "COUNT", count};
    redisReply *r;
    if (call(w, 8, argv, &r) != 0)
        return lost(w);
    int st = 0;
    w->depth++;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 && r->element[1]->type == REDIS_REPLY_ARRAY) {
        const redisReply *list = r->element[1];
        for (size_t i = 0; i < list->elements && st == 0; i++) {
            const redisReply *e = list->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
                continue;
            w->st.claimed++;
            long long d = deliveries(w, e->element[0]->str);
            if (d < 0) {
                st = lost(w);
            } else if (d - 1 >= (long long)w->url->max_deliveries) {
                char why[96];
                snprintf(why, sizeof why, "delivered %lld times without a commit (max-deliveries %u)",
                         d, w->url->max_deliveries);
                st = dead_letter(w, e->element[0]->str, why);
            } else if (before != NULL && !id_before(e->element[0]->str, before)) {
                w->reread_own = true;
            } else {
                st = process_entry(w, e, true);
            }
        }
    }
    w->depth--;
    kvrt_redis_free(r);
    return st;
}

/* XREADGROUP GROUP G C COUNT batch [BLOCK ms] STREAMS S id. */
static int read_group(kvrt_worker *w, const char *id, bool block, redisReply **r)
{
    char count[24], ms[24];
    snprintf(count, sizeof count, "%u", w->url->batch);
    snprintf(ms, sizeof ms, "%u", w->url->block_ms);
    const char *argv[12] = {"XREADGROUP", "GROUP", w->url->group, w->consumer, "COUNT", count};
    int argc = 6;
    if (block) {
        argv[argc++] = "BLOCK";
        argv[argc++] = ms;
    }
    argv[argc++] = "STREAMS";
    argv[argc++] = w->url->stream;
    argv[argc++] = id;
    return call(w, argc, argv, r);
}

int kvrt_worker_run(kvrt_worker *w)
{
    if (w->url->consumer[0] != 0) {
        snprintf(w->consumer, sizeof w->consumer, "%s", w->url->consumer);
    } else {
        char host[128] = "host";
        gethostname(host, sizeof host - 1);
        snprintf(w->consumer, sizeof w->consumer, "%s-%ld", host, (long)getpid());
    }
    int st = ensure_group(w);
    /* first this consumer's own pending entries (a restart), then new ones */
    bool own = true;
    unsigned long long seen_reconnects = kvrt_kv_redis_reconnects(&w->ctx->kv);
    while (st == 0) {
        if (kvrt_os_stop_signal() != 0)
            return 128 + kvrt_os_stop_signal();
        if ((st = maybe_claim(w, false, NULL)) != 0)
            break;
        if (w->reread_own) {
            w->reread_own = false;
            own = true;
        }
        if (!own)
            w->flush(w->flush_arg);
        redisReply *r;
        if (read_group(w, own ? "0" : ">", !own, &r) != 0) {
            st = lost(w);
            break;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            fprintf(stderr, "%s: stream %s: XREADGROUP: %s\n", w->lo->prog, w->url->stream, r->str);
            kvrt_redis_free(r);
            st = 4;
            break;
        }
        size_t n;
        st = process_read(w, r, &n);
        kvrt_redis_free(r);
        /* a reconnect may have lost a reply with entries delivered to us:
         * they are in our pending list, read it again */
        unsigned long long rc = kvrt_kv_redis_reconnects(&w->ctx->kv);
        if (rc != seen_reconnects) {
            seen_reconnects = rc;
            own = true;
        } else if (own && n == 0) {
            own = false;
        }
    }
    w->flush(w->flush_arg);
    return st;
}

void kvrt_worker_print_stats(const kvrt_worker *w, FILE *f, const char *prog)
{
    fprintf(f, "%s: stats: stream %s, group %s, consumer %s: read %llu, committed %llu, "
            "retried %llu, claimed %llu, dead-lettered %llu, lost to other workers %llu\n",
            prog, w->url->stream, w->url->group, w->consumer, (unsigned long long)w->st.read,
            (unsigned long long)w->st.committed, (unsigned long long)w->ctx->stats.retries,
            (unsigned long long)w->st.claimed, (unsigned long long)w->st.dead,
            (unsigned long long)w->st.lost);
}
