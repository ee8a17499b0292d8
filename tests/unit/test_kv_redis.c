/*
 * tests/unit/test_kv_redis.c - the Redis backend of the store interface
 * (runtime/kv_redis.c) against the in-memory one (kv_mem.c) as the oracle:
 * random events (an own change, then reads and writes, get-keys included;
 * committed, rolled back to the mark, or rolled back whole) run through
 * both must answer every read the same and end with the same dump. Also a
 * conflict (another client writes a key the event read), a connection
 * killed under an event, and a value past the server's proto-max-bulk-len.
 * Each test starts its own redis-server (test_support_redis.h).
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "kv.h"
#include "kv_redis.h"
#include "redis_conn.h"
#include "snapshot.h"
#include "test_support_redis.h"

/* A write to a connection the server closed must be EPIPE, not SIGPIPE
 * (the executable ignores it the same way). */
static void start(void)
{
    signal(SIGPIPE, SIG_IGN);
    kvt_redis_start();
}

TestSuite(kv_redis, .init = start, .fini = kvt_redis_stop);

static kvrt_kv open_redis(void)
{
    char url[160], why[512] = "";
    snprintf(url, sizeof url, "unix://%s", kvt_redis_sock);
    kvrt_redis_addr a;
    cr_assert_eq(kvrt_redis_addr_parse(url, &a, why, sizeof why), 0, "%s", why);
    kvrt_kv kv;
    cr_assert_eq(kvrt_kv_redis_open(&a, 2000, &kv, why, sizeof why), 0, "%s", why);
    return kv;
}

/* A second client, for writes behind the backend's back. */
static void other_client(const char **argv, int argc)
{
    char url[160], why[512] = "";
    snprintf(url, sizeof url, "unix://%s", kvt_redis_sock);
    kvrt_redis_addr a;
    cr_assert_eq(kvrt_redis_addr_parse(url, &a, why, sizeof why), 0, "%s", why);
    kvrt_redis *r = kvrt_redis_open(&a, 2000, why, sizeof why);
    cr_assert_not_null(r, "%s", why);
    size_t lens[8];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    redisReply *rep;
    cr_assert_eq(kvrt_redis_append(r, argc, argv, lens), 0);
    cr_assert_eq(kvrt_redis_reply(r, &rep, why, sizeof why), 0, "%s", why);
    cr_assert_neq(rep->type, REDIS_REPLY_ERROR, "%s: %s", argv[0], rep->str);
    kvrt_redis_free(rep);
    kvrt_redis_close(r);
}

static uint64_t rng = 88172645463325252ull;

static uint32_t pick(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static const char *const bucket_names[3] = {"a", "b{x}", "%"};
enum { NKEYS = 9 };
static const char *const key_names[NKEYS] = {"k0", "k1", "k2", "k3", "k4", "", "long-key-5",
                                             "k:7", "k8"};

typedef struct side {
    kvrt_kv kv;
    kvrt_bucket *b[3];
} side;

static void open_buckets(side *s)
{
    for (int i = 0; i < 3; i++) {
        bool created;
        s->b[i] = s->kv.ops->open(s->kv.self, (const uint8_t *)bucket_names[i],
                                  strlen(bucket_names[i]), &created);
        cr_assert_not_null(s->b[i]);
    }
}

static kvrt_val *value(uint32_t n)
{
    char text[100];
    int len = snprintf(text, sizeof text, "v%u", n);
    if (n % 5 == 0)
        len = snprintf(text, sizeof text, "%070u", n); /* past 64 bytes */
    return kvrt_val_new((const uint8_t *)text, (size_t)len);
}

/* The keys of bucket i as "k,k,k" (both sides must agree). */
static void keys_of(side *s, int i, char *out, size_t cap)
{
    kvrt_keyiter it;
    int64_t n = s->kv.ops->keys(s->kv.self, s->b[i], &it);
    cr_assert_geq(n, 0, "%s", s->kv.ops->why(s->kv.self));
    size_t at = 0, len;
    out[0] = 0;
    for (const uint8_t *k; (k = s->kv.ops->key_next(s->kv.self, &it, &len)) != NULL;)
        at += (size_t)snprintf(out + at, cap - at, "%.*s,", (int)len, (const char *)k);
}

/* One random operation on both sides, the answers compared. */
static void one_op(side *m, side *r, int step)
{
    int bi = (int)pick(3);
    const char *key = key_names[pick(NKEYS)];
    size_t klen = strlen(key);
    const uint8_t *k = (const uint8_t *)key;
    switch (pick(6)) {
    case 0:
    case 1: {
        kvrt_val *v = value(pick(1000));
        cr_assert_eq(m->kv.ops->set(m->kv.self, m->b[bi], k, klen, kvrt_val_ref(v)), 0);
        cr_assert_eq(r->kv.ops->set(r->kv.self, r->b[bi], k, klen, v), 0);
        break;
    }
    case 2: {
        int a = m->kv.ops->del(m->kv.self, m->b[bi], k, klen, false);
        int b = r->kv.ops->del(r->kv.self, r->b[bi], k, klen, false);
        cr_assert_eq(a, b, "step %d: delete %s/%s: %d in memory, %d in Redis", step,
                     bucket_names[bi], key, a, b);
        break;
    }
    case 3: {
        kvrt_val *a, *b;
        cr_assert_eq(m->kv.ops->get(m->kv.self, m->b[bi], k, klen, &a), 0);
        cr_assert_eq(r->kv.ops->get(r->kv.self, r->b[bi], k, klen, &b), 0,
                     "%s", r->kv.ops->why(r->kv.self));
        cr_assert_eq(a == NULL, b == NULL, "step %d: get %s/%s", step, bucket_names[bi], key);
        if (a != NULL)
            cr_assert(a->len == b->len && memcmp(a->data, b->data, a->len) == 0,
                      "step %d: get %s/%s: different values", step, bucket_names[bi], key);
        kvrt_val_unref(a);
        kvrt_val_unref(b);
        break;
    }
    case 4: {
        int a = m->kv.ops->has(m->kv.self, m->b[bi], k, klen);
        int b = r->kv.ops->has(r->kv.self, r->b[bi], k, klen);
        cr_assert_eq(a, b, "step %d: exists %s/%s", step, bucket_names[bi], key);
        break;
    }
    default: {
        char a[512], b[512];
        keys_of(m, bi, a, sizeof a);
        keys_of(r, bi, b, sizeof b);
        cr_assert_str_eq(a, b, "step %d: get-keys of %s", step, bucket_names[bi]);
        break;
    }
    }
}

static char *render(kvrt_store *s)
{
    kvrt_buf out;
    kvrt_buf_init(&out);
    cr_assert_eq(kvrt_snapshot_render(s, &out, false), 0);
    cr_assert_eq(kvrt_buf_putc(&out, 0), 0);
    return (char *)out.data;
}

Test(kv_redis, random_events_answer_as_the_in_memory_store)
{
    if (!kvt_redis_started)
        cr_skip_test("redis-server is not installed");
    kvrt_store *ms = kvrt_store_new();
    side m = {kvrt_kv_mem(ms), {0}}, r = {open_redis(), {0}};
    for (int ev = 0; ev < 300; ev++) {
        m.kv.ops->begin(m.kv.self);
        r.kv.ops->begin(r.kv.self);
        open_buckets(&m);
        open_buckets(&r);
        /* the own change: blind */
        int bi = (int)pick(3);
        const char *key = key_names[pick(NKEYS)];
        if (pick(2)) {
            kvrt_val *v = value(pick(1000));
            cr_assert_eq(m.kv.ops->set(m.kv.self, m.b[bi], (const uint8_t *)key, strlen(key),
                                       kvrt_val_ref(v)), 0);
            cr_assert_eq(r.kv.ops->set(r.kv.self, r.b[bi], (const uint8_t *)key, strlen(key), v), 0);
        } else {
            m.kv.ops->del(m.kv.self, m.b[bi], (const uint8_t *)key, strlen(key), true);
            r.kv.ops->del(r.kv.self, r.b[bi], (const uint8_t *)key, strlen(key), true);
        }
        size_t mm = m.kv.ops->mark(m.kv.self), rm = r.kv.ops->mark(r.kv.self);
        int n = 1 + (int)pick(12);
        for (int i = 0; i < n; i++)
            one_op(&m, &r, ev * 100 + i);
        uint32_t end = pick(10);
        if (end == 0) {
            m.kv.ops->rollback(m.kv.self);
            r.kv.ops->rollback(r.kv.self);
            continue;
        }
        if (end < 3) {
            /* a trap: only the own change stays */
            m.kv.ops->rollback_to(m.kv.self, mm);
            r.kv.ops->rollback_to(r.kv.self, rm);
            one_op(&m, &r, ev * 100 + 99);
        }
        cr_assert_eq(m.kv.ops->commit(m.kv.self), KVRT_COMMIT_OK);
        cr_assert_eq(r.kv.ops->commit(r.kv.self), KVRT_COMMIT_OK, "event %d: %s", ev,
                     r.kv.ops->why(r.kv.self));
    }
    kvrt_store *dump = kvrt_store_new();
    cr_assert_eq(kvrt_kv_redis_dump(&r.kv, dump), 0, "%s", r.kv.ops->why(r.kv.self));
    char *want = render(ms), *got = render(dump);
    cr_expect_str_eq(got, want);
    free(want);
    free(got);
    kvrt_store_free(dump);
    kvrt_store_free(ms);
    kvrt_kv_redis_close(&r.kv);
}

Test(kv_redis, a_write_behind_a_read_is_a_conflict)
{
    if (!kvt_redis_started)
        cr_skip_test("redis-server is not installed");
    kvrt_kv kv = open_redis();
    bool created;
    kv.ops->begin(kv.self);
    kvrt_bucket *b = kv.ops->open(kv.self, (const uint8_t *)"c", 1, &created);
    kvrt_val *v;
    cr_assert_eq(kv.ops->get(kv.self, b, (const uint8_t *)"n", 1, &v), 0);
    cr_assert_null(v);
    const char *set[3] = {"SET", "kv:{=c}:k:n", "7"};
    other_client(set, 3);
    cr_assert_eq(kv.ops->set(kv.self, b, (const uint8_t *)"n", 1, kvrt_val_new((const uint8_t *)"1", 1)), 0);
    cr_expect_eq(kv.ops->commit(kv.self), KVRT_COMMIT_CONFLICT);
    /* the rerun sees the other client's value and commits */
    kv.ops->begin(kv.self);
    b = kv.ops->open(kv.self, (const uint8_t *)"c", 1, &created);
    cr_assert_eq(kv.ops->get(kv.self, b, (const uint8_t *)"n", 1, &v), 0);
    cr_assert(v != NULL && v->len == 1 && v->data[0] == '7');
    kvrt_val_unref(v);
    cr_assert_eq(kv.ops->set(kv.self, b, (const uint8_t *)"n", 1, kvrt_val_new((const uint8_t *)"8", 1)), 0);
    cr_expect_eq(kv.ops->commit(kv.self), KVRT_COMMIT_OK);
    kvrt_kv_redis_close(&kv);
}

Test(kv_redis, a_connection_killed_under_an_event_reruns_it)
{
    if (!kvt_redis_started)
        cr_skip_test("redis-server is not installed");
    kvrt_kv kv = open_redis();
    bool created;
    kv.ops->begin(kv.self);
    kvrt_bucket *b = kv.ops->open(kv.self, (const uint8_t *)"c", 1, &created);
    kvrt_val *v;
    cr_assert_eq(kv.ops->get(kv.self, b, (const uint8_t *)"x", 1, &v), 0);
    const char *kill[5] = {"CLIENT", "KILL", "TYPE", "normal", "SKIPME"};
    const char *killx[6] = {kill[0], kill[1], kill[2], kill[3], kill[4], "yes"};
    other_client(killx, 6);
    /* the next read reconnects: its WATCHes are gone, so the attempt is
     * doomed and its commit reports a conflict without writing */
    cr_assert_eq(kv.ops->get(kv.self, b, (const uint8_t *)"y", 1, &v), 0,
                 "%s", kv.ops->why(kv.self));
    cr_assert_eq(kv.ops->set(kv.self, b, (const uint8_t *)"x", 1, kvrt_val_new((const uint8_t *)"1", 1)), 0);
    cr_expect_eq(kv.ops->commit(kv.self), KVRT_COMMIT_CONFLICT);
    kv.ops->begin(kv.self);
    b = kv.ops->open(kv.self, (const uint8_t *)"c", 1, &created);
    cr_assert_eq(kv.ops->get(kv.self, b, (const uint8_t *)"x", 1, &v), 0);
    cr_expect_null(v, "the doomed attempt wrote");
    cr_assert_eq(kv.ops->set(kv.self, b, (const uint8_t *)"x", 1, kvrt_val_new((const uint8_t *)"1", 1)), 0);
    cr_expect_eq(kv.ops->commit(kv.self), KVRT_COMMIT_OK);
    /* killed right before the commit: the commit reconnects and goes on */
    other_client(killx, 6);
    kv.ops->begin(kv.self);
    b = kv.ops->open(kv.self, (const uint8_t *)"c", 1, &created);
    cr_assert_eq(kv.ops->set(kv.self, b, (const uint8_t *)"z", 1, kvrt_val_new((const uint8_t *)"2", 1)), 0);
    kvrt_commit_res cr = kv.ops->commit(kv.self);
    cr_expect(cr == KVRT_COMMIT_CONFLICT || cr == KVRT_COMMIT_OK, "%s", kv.ops->why(kv.self));
    kvrt_kv_redis_close(&kv);
}

Test(kv_redis, a_value_past_proto_max_bulk_len_is_refused_before_sending)
{
    if (!kvt_redis_started)
        cr_skip_test("redis-server is not installed");
    const char *cfg[4] = {"CONFIG", "SET", "proto-max-bulk-len", "1048576"};
    other_client(cfg, 4);
    kvrt_kv kv = open_redis();
    bool created;
    kv.ops->begin(kv.self);
    kvrt_bucket *b = kv.ops->open(kv.self, (const uint8_t *)"c", 1, &created);
    size_t n = 2u << 20;
    uint8_t *big = calloc(1, n);
    cr_assert_not_null(big);
    cr_assert_eq(kv.ops->set(kv.self, b, (const uint8_t *)"big", 3, kvrt_val_new(big, n)), 0);
    free(big);
    cr_expect_eq(kv.ops->commit(kv.self), KVRT_COMMIT_FAILED);
    cr_expect(strstr(kv.ops->why(kv.self), "proto-max-bulk-len 1048576") != NULL, "%s",
              kv.ops->why(kv.self));
    /* nothing went out: the connection still works */
    kv.ops->rollback(kv.self);
    kv.ops->begin(kv.self);
    b = kv.ops->open(kv.self, (const uint8_t *)"c", 1, &created);
    cr_assert_eq(kv.ops->set(kv.self, b, (const uint8_t *)"s", 1, kvrt_val_new((const uint8_t *)"1", 1)), 0);
    cr_expect_eq(kv.ops->commit(kv.self), KVRT_COMMIT_OK, "%s", kv.ops->why(kv.self));
    kvrt_kv_redis_close(&kv);
}
