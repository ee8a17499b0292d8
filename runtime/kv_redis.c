/*
 * runtime/kv_redis.c - the Redis backend of the store; see kv_redis.h.
 *
 * State of one event attempt:
 *   ov     the overlay: (bucket, key) -> present with its value (or with
 *          the value not fetched yet) / absent; filled by reads (each
 *          WATCHed) and by the event's writes
 *   ops    the writes in order (B bucket, S set, D delete), the commit's
 *          argument list; mark/rollback_to cut it, and the overlay is
 *          rebuilt from what is left
 * Reads happen only after the event's own change (the mark), so
 * rollback_to also forgets every read: the trapped handler's WATCHes are
 * dropped (UNWATCH) and only the own change is committed.
 */
#include "kv_redis.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "os.h"
#include "redis_conn.h"
#include "redis_keys.h"
#include "redis_script.h"

typedef struct okey {
    UT_hash_handle hh;
    bool known;             /* false: made for a read still under way */
    bool fetching;          /* its read is in the pipeline */
    bool present;
    kvrt_val *val;          /* present: the value, or NULL when not fetched */
    size_t len;
    uint8_t k[];            /* the bucket pointer's bytes, then the key */
} okey;

typedef struct op {
    char kind;              /* 'B', 'S', 'D' */
    kvrt_bucket *b;
    kvrt_val *val;          /* S */
    size_t klen;
    uint8_t *key;           /* S, D */
} op;

typedef struct kidx {
    UT_hash_handle hh;
    size_t i;
} kidx;

typedef struct rkv {
    kvrt_redis *conn;
    int timeout_ms;
    unsigned long long max_bulk;   /* the server's proto-max-bulk-len */
    kvrt_store *names;      /* bucket objects (no keys in them) */
    okey *ov;
    op *ops;
    size_t nops, cap;
    bool watched;           /* WATCHes may be active on the connection */
    bool stale;             /* ... and they belong to a dropped attempt */
    bool doomed;            /* a read reconnected: this attempt cannot commit */
    bool lost;
    bool broken;            /* commands were queued whose replies were not read */
    char why[512];
    kvrt_buf kb;            /* a key being built */
    /* get-keys: the list (pointing into keys_rep and ops) */
    redisReply *keys_rep;
    kvrt_keyref *kl;
    size_t nkl, capkl;
    /* commit */
    const kvrt_stream_entry *entry; /* --events: the entry being processed */
    size_t own_mark;        /* ops before it are the event's own change */
    unsigned long long reconnects;
    char marker[96];
    char token[24];
    unsigned long long seq;
    kvrt_buf pfx;
    const char **argv;
    size_t *lens;
    size_t acap;
} rkv;

/* ---- small helpers ------------------------------------------------------- */

static int oom(rkv *r)
{
    snprintf(r->why, sizeof r->why, "out of memory");
    return -1;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Queue a command. A failure (out of memory) may leave earlier commands of
 * the batch queued: the connection is then out of step with its replies
 * and is made again before the next batch (prelude). */
static int cmd(rkv *r, int argc, const char **argv, const size_t *lens)
{
    if (kvrt_redis_append(r->conn, argc, argv, lens) == 0)
        return 0;
    r->broken = true;
    return oom(r);
}

static int cmd2(rkv *r, const char *a, const uint8_t *b, size_t blen)
{
    const char *argv[2] = {a, (const char *)b};
    size_t lens[2] = {strlen(a), blen};
    return cmd(r, 2, argv, lens);
}

static int reply(rkv *r, redisReply **out)
{
    return kvrt_redis_reply(r->conn, out, r->why, sizeof r->why);
}

/* Read n replies and drop them; -1 on an I/O error. */
static int skip_replies(rkv *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        redisReply *rep;
        if (reply(r, &rep) != 0)
            return -1;
        kvrt_redis_free(rep);
    }
    return 0;
}

static int load_functions(rkv *r)
{
    const char *argv[4] = {"FUNCTION", "LOAD", "REPLACE", kvrt_redis_script};
    size_t lens[4] = {8, 4, 7, strlen(kvrt_redis_script)};
    redisReply *rep;
    if (cmd(r, 4, argv, lens) != 0 || reply(r, &rep) != 0)
        return -1;
    int rc = 0;
    if (rep->type == REDIS_REPLY_ERROR) {
        snprintf(r->why, sizeof r->why, "%s: FUNCTION LOAD (kvaot needs Redis 7.0 or later): %.*s",
                 kvrt_redis_name(r->conn), (int)rep->len, rep->str);
        rc = -1;
    }
    kvrt_redis_free(rep);
    return rc;
}

/* The connection broke: reconnect with backoff for up to the timeout (or
 * until SIGINT/SIGTERM). The WATCHes are gone, so an attempt that had any
 * is doomed. -1 when Redis stayed away (the backend is lost). */
static int recover(rkv *r)
{
    char first[sizeof r->why];
    snprintf(first, sizeof first, "%s", r->why);
    uint64_t start = now_ms();
    unsigned delay = 10;
    if (r->watched && !r->stale)
        r->doomed = true;
    r->watched = false;
    r->stale = false;
    for (;;) {
        uint64_t spent = now_ms() - start;
        int left = spent >= (uint64_t)r->timeout_ms ? 1 : r->timeout_ms - (int)spent;
        if (kvrt_redis_reconnect(r->conn, left < 1000 ? left : 1000, r->why, sizeof r->why) == 0 &&
            load_functions(r) == 0) {
            r->broken = false;
            r->reconnects++;
            return 0;
        }
        if (now_ms() - start >= (uint64_t)r->timeout_ms || kvrt_os_stop_signal() != 0) {
            r->lost = true;
            char last[sizeof r->why];
            snprintf(last, sizeof last, "%s", r->why);
            snprintf(r->why, sizeof r->why, "%s (gave up after --redis-timeout %d ms: %s)",
                     first, r->timeout_ms, last);
            return -1;
        }
        sleep_ms(delay);
        delay = delay * 2 > 500 ? 500 : delay * 2;
    }
}

/* ---- the overlay ------------------------------------------------------- */

static void overlay_clear(rkv *r)
{
    okey *e, *tmp;
    HASH_ITER(hh, r->ov, e, tmp) {
        HASH_DEL(r->ov, e);
        if (e->val != NULL)
            kvrt_val_unref(e->val);
        free(e);
    }
}

/* The composite key (bucket, key) in r->kb. */
static int okey_bytes(rkv *r, kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    kvrt_buf_truncate(&r->kb, 0);
    if (kvrt_buf_append(&r->kb, &b, sizeof b) != 0 || kvrt_buf_append(&r->kb, key, klen) != 0)
        return oom(r);
    return 0;
}

static okey *overlay_find(rkv *r, kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    if (okey_bytes(r, b, key, klen) != 0)
        return NULL;
    okey *e;
    HASH_FIND(hh, r->ov, r->kb.data, r->kb.len, e);
    return e;
}

/* The entry for (b, key), made (absent) when missing. NULL when out of
 * memory. */
static okey *overlay_put(rkv *r, kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    if (okey_bytes(r, b, key, klen) != 0)
        return NULL;
    okey *e;
    HASH_FIND(hh, r->ov, r->kb.data, r->kb.len, e);
    if (e != NULL)
        return e;
    e = calloc(1, sizeof *e + r->kb.len);
    if (e == NULL)
        return NULL;
    e->len = r->kb.len;
    memcpy(e->k, r->kb.data, r->kb.len);
    HASH_ADD(hh, r->ov, k, e->len, e);
    if (e->hh.tbl == NULL) {
        free(e);
        return NULL;
    }
    return e;
}

static void okey_set(okey *e, bool present, kvrt_val *val)
{
    if (e->val != NULL)
        kvrt_val_unref(e->val);
    e->known = true;
    e->present = present;
    e->val = val;
}

/* ---- the operation list ------------------------------------------------ */

static void op_free(op *o)
{
    if (o->val != NULL)
        kvrt_val_unref(o->val);
    free(o->key);
}

static void ops_truncate(rkv *r, size_t n)
{
    while (r->nops > n)
        op_free(&r->ops[--r->nops]);
}

/* Append an op (taking the reference to val). */
static int op_add(rkv *r, char kind, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val *val)
{
    if (r->nops == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        op *n = realloc(r->ops, cap * sizeof *n);
        if (n == NULL)
            goto fail;
        r->ops = n;
        r->cap = cap;
    }
    op *o = &r->ops[r->nops];
    o->kind = kind;
    o->b = b;
    o->val = val;
    o->klen = klen;
    o->key = NULL;
    if (kind != 'B') {
        o->key = malloc(klen ? klen : 1);
        if (o->key == NULL)
            goto fail;
        memcpy(o->key, key, klen);
    }
    r->nops++;
    return 0;
fail:
    if (val != NULL)
        kvrt_val_unref(val);
    return oom(r);
}

/* The overlay as the remaining ops make it (reads forgotten). */
static int overlay_rebuild(rkv *r)
{
    overlay_clear(r);
    for (size_t i = 0; i < r->nops; i++) {
        op *o = &r->ops[i];
        if (o->kind == 'B')
            continue;
        okey *e = overlay_put(r, o->b, o->key, o->klen);
        if (e == NULL)
            return oom(r);
        okey_set(e, o->kind == 'S', o->kind == 'S' ? kvrt_val_ref(o->val) : NULL);
    }
    return 0;
}

/* Forget the reads: their WATCHes go with the next command (UNWATCH). */
static void forget_reads(rkv *r)
{
    r->doomed = false;
    r->stale = r->watched;
}

/* Before the first command of a batch: UNWATCH what a dropped attempt
 * left. Returns how many replies that adds. */
static int prelude(rkv *r, size_t *extra)
{
    *extra = 0;
    if (r->broken) {
        r->broken = false;
        if (recover(r) != 0)
            return -1;
    }
    if (!r->stale)
        return 0;
    r->stale = false;
    const char *argv[1] = {"UNWATCH"};
    size_t lens[1] = {7};
    if (cmd(r, 1, argv, lens) != 0)
        return -1;
    r->watched = false;
    *extra = 1;
    return 0;
}

/* ---- reads --------------------------------------------------------------- */

/* WATCH + GET (values) or EXISTS of the keys the overlay does not know,
 * in one round trip. */
static int fetch(rkv *r, kvrt_bucket *b, const kvrt_keyref *keys, size_t n, bool values)
{
    size_t blen;
    const uint8_t *bname = kvrt_bucket_name(b, &blen);
    const char *what = values ? "GET" : "EXISTS";
    for (;;) {
        size_t sent = 0, extra;
        if (prelude(r, &extra) != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            okey *e = overlay_put(r, b, keys[i].key, keys[i].len);
            if (e != NULL && (e->fetching || (e->known && (!e->present || e->val != NULL ||
                                                           !values))))
                continue;   /* in this batch already, or known well enough */
            if (e == NULL || kvrt_rk_value(&r->kb, bname, blen, keys[i].key, keys[i].len) != 0) {
                r->broken = sent + extra > 0;
                return oom(r);
            }
            if (cmd2(r, "WATCH", r->kb.data, r->kb.len) != 0 ||
                cmd2(r, what, r->kb.data, r->kb.len) != 0)
                return -1;
            e->fetching = true;
            sent++;
        }
        if (sent == 0 && extra == 0)
            return 0;
        r->watched = r->watched || sent > 0;
        bool io = skip_replies(r, extra) != 0;
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
            okey *e = overlay_find(r, b, keys[i].key, keys[i].len);
            if (e == NULL || !e->fetching)
                continue;
            e->fetching = false;
            redisReply *w = NULL, *v = NULL;
            if (io || reply(r, &w) != 0 || reply(r, &v) != 0) {
                kvrt_redis_free(w);
                io = true;
                continue;
            }
            kvrt_redis_free(w);
            if (rc != 0 || v->type == REDIS_REPLY_ERROR) {
                if (rc == 0)
                    snprintf(r->why, sizeof r->why, "%s: %s: %.*s", kvrt_redis_name(r->conn),
                             what, (int)v->len, v->str);
                kvrt_redis_free(v);
                rc = -1;
                continue;
            }
            kvrt_val *val = NULL;
            bool present;
            if (values) {
                present = v->type == REDIS_REPLY_STRING;
                if (present && (val = kvrt_val_new((const uint8_t *)v->str, v->len)) == NULL)
                    rc = oom(r);
            } else {
                present = v->type == REDIS_REPLY_INTEGER && v->integer == 1;
            }
            kvrt_redis_free(v);
            if (rc == 0)
                okey_set(e, present, val);
        }
        if (!io)
            return rc;
        if (recover(r) != 0)
            return -1;
    }
}

/* ---- the backend's operations --------------------------------------------- */

static kvrt_bucket *r_open(void *self, const uint8_t *name, size_t len, bool *created)
{
    rkv *r = self;
    *created = kvrt_store_find(r->names, name, len) == NULL;
    kvrt_bucket *b = kvrt_store_open(r->names, name, len);
    if (b == NULL) {
        oom(r);
        return NULL;
    }
    return op_add(r, 'B', b, NULL, 0, NULL) == 0 ? b : NULL;
}

static int r_get(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val **out)
{
    rkv *r = self;
    kvrt_keyref k = {key, klen};
    *out = NULL;
    if (fetch(r, b, &k, 1, true) != 0)
        return -1;
    okey *e = overlay_find(r, b, key, klen);
    if (e != NULL && e->known && e->present)
        *out = kvrt_val_ref(e->val);
    return 0;
}

static int r_has(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen)
{
    rkv *r = self;
    kvrt_keyref k = {key, klen};
    if (fetch(r, b, &k, 1, false) != 0)
        return -1;
    okey *e = overlay_find(r, b, key, klen);
    return e != NULL && e->known && e->present;
}

static int r_prefetch(void *self, kvrt_bucket *b, const kvrt_keyref *keys, size_t n)
{
    return fetch(self, b, keys, n, true);
}

static int r_set(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen, kvrt_val *v)
{
    rkv *r = self;
    okey *e = overlay_put(r, b, key, klen);
    if (e == NULL) {
        kvrt_val_unref(v);
        return oom(r);
    }
    if (op_add(r, 'S', b, key, klen, kvrt_val_ref(v)) != 0) {
        kvrt_val_unref(v);
        return -1;
    }
    okey_set(e, true, v);
    return 0;
}

static int r_del(void *self, kvrt_bucket *b, const uint8_t *key, size_t klen, bool blind)
{
    rkv *r = self;
    int was = 0;
    if (!blind && (was = r_has(r, b, key, klen)) <= 0)
        return was;
    okey *e = overlay_put(r, b, key, klen);
    if (e == NULL)
        return oom(r);
    if (op_add(r, 'D', b, key, klen, NULL) != 0)
        return -1;
    okey_set(e, false, NULL);
    return was;
}

/* Append a key to the get-keys list r->kl[*n] and its index (idx[*n] in
 * *map). */
static int kl_add(rkv *r, kidx *idx, kidx **map, size_t *n, const uint8_t *key, size_t len)
{
    r->kl[*n].key = key;
    r->kl[*n].len = len;
    idx[*n].i = *n;
    HASH_ADD_KEYPTR(hh, *map, key, len, &idx[*n]);
    if (idx[*n].hh.tbl == NULL)
        return oom(r);
    (*n)++;
    return 0;
}

/* get-keys: WATCH the order set and read it, then apply this event's ops
 * on that list (a new key goes to the end, a deleted one leaves). */
static int64_t r_keys(void *self, kvrt_bucket *b, kvrt_keyiter *it)
{
    rkv *r = self;
    size_t blen;
    const uint8_t *bname = kvrt_bucket_name(b, &blen);
    kvrt_redis_free(r->keys_rep);
    r->keys_rep = NULL;
    redisReply *z = NULL;
    for (;;) {
        size_t extra;
        if (prelude(r, &extra) != 0)
            return -1;
        if (kvrt_rk_order(&r->kb, bname, blen) != 0) {
            r->broken = extra > 0;
            return oom(r);
        }
        const char *argv[4] = {"ZRANGE", (const char *)r->kb.data, "0", "-1"};
        size_t lens[4] = {6, r->kb.len, 1, 2};
        if (cmd2(r, "WATCH", r->kb.data, r->kb.len) != 0 || cmd(r, 4, argv, lens) != 0)
            return -1;
        r->watched = true;
        redisReply *w;
        if (skip_replies(r, extra) == 0 && reply(r, &w) == 0 &&
            (kvrt_redis_free(w), reply(r, &z)) == 0)
            break;
        if (recover(r) != 0)
            return -1;
    }
    r->keys_rep = z;
    if (z->type != REDIS_REPLY_ARRAY) {
        snprintf(r->why, sizeof r->why, "%s: ZRANGE: %.*s", kvrt_redis_name(r->conn),
                 z->type == REDIS_REPLY_ERROR ? (int)z->len : 0, z->str ? z->str : "");
        return -1;
    }
    size_t want = z->elements + r->nops;
    if (want > r->capkl) {
        kvrt_keyref *n = realloc(r->kl, (want ? want : 1) * sizeof *n);
        if (n == NULL)
            return oom(r);
        r->kl = n;
        r->capkl = want;
    }
    kidx *idx = calloc(want ? want : 1, sizeof *idx), *map = NULL, *f;
    if (idx == NULL)
        return oom(r);
    size_t n = 0;
    int64_t rc = 0;
    for (size_t i = 0; i < z->elements; i++) {
        if (kl_add(r, idx, &map, &n, (const uint8_t *)z->element[i]->str, z->element[i]->len) != 0) {
            rc = -1;
            goto out;
        }
    }
    for (size_t i = 0; i < r->nops; i++) {
        op *o = &r->ops[i];
        if (o->b != b || o->kind == 'B')
            continue;
        HASH_FIND(hh, map, o->key, o->klen, f);
        if (o->kind == 'D' && f != NULL) {
            r->kl[f->i].key = NULL;
            HASH_DEL(map, f);
        } else if (o->kind == 'S' && f == NULL && kl_add(r, idx, &map, &n, o->key, o->klen) != 0) {
            rc = -1;
            goto out;
        }
    }
    size_t live = 0;
    for (size_t i = 0; i < n; i++)
        if (r->kl[i].key != NULL)
            r->kl[live++] = r->kl[i];
    r->nkl = live;
    rc = (int64_t)live;
out:
    HASH_CLEAR(hh, map);
    free(idx);
    it->pos = NULL;
    it->i = 0;
    return rc;
}

static const uint8_t *r_key_next(void *self, kvrt_keyiter *it, size_t *len)
{
    rkv *r = self;
    if (it->i >= r->nkl)
        return NULL;
    *len = r->kl[it->i].len;
    return r->kl[it->i++].key;
}

static void reset_attempt(rkv *r)
{
    overlay_clear(r);
    ops_truncate(r, 0);
    kvrt_redis_free(r->keys_rep);
    r->keys_rep = NULL;
    r->nkl = 0;
    forget_reads(r);
}

static void r_begin(void *self)
{
    reset_attempt(self);
    ((rkv *)self)->own_mark = 0;
}

static size_t r_mark(void *self)
{
    rkv *r = self;
    r->own_mark = r->nops;
    return r->nops;
}

static void r_rollback_to(void *self, size_t mark)
{
    rkv *r = self;
    ops_truncate(r, mark);
    forget_reads(r);
    if (overlay_rebuild(r) != 0)
        overlay_clear(r);
}

static void r_rollback(void *self)
{
    reset_attempt(self);
}

/* The server's largest argument (proto-max-bulk-len; 512 MB, its default,
 * when CONFIG is not allowed). */
static void read_max_bulk(rkv *r)
{
    r->max_bulk = 512ull << 20;
    const char *argv[3] = {"CONFIG", "GET", "proto-max-bulk-len"};
    size_t lens[3] = {6, 3, 18};
    redisReply *rep;
    if (cmd(r, 3, argv, lens) != 0 || reply(r, &rep) != 0)
        return;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
        rep->element[1]->type == REDIS_REPLY_STRING)
        r->max_bulk = strtoull(rep->element[1]->str, NULL, 10);
    kvrt_redis_free(rep);
}

/* A value Redis would refuse (it drops the connection on a bulk longer
 * than proto-max-bulk-len): said before anything is sent. */
static int check_sizes(rkv *r)
{
    for (size_t i = 0; i < r->nops; i++) {
        op *o = &r->ops[i];
        if (o->kind != 'S' || o->val->len <= r->max_bulk)
            continue;
        size_t blen;
        const uint8_t *bname = kvrt_bucket_name(o->b, &blen);
        snprintf(r->why, sizeof r->why, "a value of %zu bytes (bucket \"%.*s\", key \"%.*s\") "
                 "is larger than %s takes (proto-max-bulk-len %llu)", o->val->len,
                 (int)(blen > 64 ? 64 : blen), (const char *)bname,
                 (int)(o->klen > 64 ? 64 : o->klen), (const char *)o->key,
                 kvrt_redis_name(r->conn), r->max_bulk);
        return -1;
    }
    return 0;
}

/* The FCALL's arguments in r->argv / r->lens; returns argc or -1. */
static int64_t commit_args(rkv *r)
{
    if (check_sizes(r) != 0)
        return -1;
    size_t head = r->entry != NULL ? 10 : 5;
    size_t want = head + 5 * r->nops;
    if (want > r->acap) {
        const char **a = realloc(r->argv, want * sizeof *a);
        if (a == NULL)
            return oom(r);
        r->argv = a;
        size_t *l = realloc(r->lens, want * sizeof *l);
        if (l == NULL)
            return oom(r);
        r->lens = l;
        r->acap = want;
    }
    /* Prefixes first (the buffer may move while it grows), as offsets. */
    kvrt_buf_truncate(&r->pfx, 0);
    size_t *at = r->lens;   /* borrowed as scratch: 2 slots per op, rewritten below */
    for (size_t i = 0; i < r->nops; i++) {
        size_t blen;
        const uint8_t *bname = kvrt_bucket_name(r->ops[i].b, &blen);
        at[2 * i] = r->pfx.len;
        if (r->ops[i].kind != 'B') {
            if (kvrt_buf_puts(&r->pfx, "kv:{") != 0 || kvrt_rk_tag(&r->pfx, bname, blen) != 0 ||
                kvrt_buf_puts(&r->pfx, "}:") != 0)
                return oom(r);
        }
        at[2 * i + 1] = r->pfx.len - at[2 * i];
    }
    /* Rewrite back to front so the scratch offsets are read before the
     * slots that hold them are overwritten. */
    /* With a stream entry, the guest's part (after the own change) goes
     * to the feed too: s/d carry the bucket name. */
    size_t argc = head;
    for (size_t i = 0; i < r->nops; i++) {
        bool fed = r->entry != NULL && i >= r->own_mark;
        argc += r->ops[i].kind == 'B' ? 2 : r->ops[i].kind == 'S' ? 4 + fed : 3 + fed;
    }
    size_t pos = argc;
    for (size_t i = r->nops; i-- > 0;) {
        op *o = &r->ops[i];
        size_t off = at[2 * i], plen = at[2 * i + 1];
        const char *p = (const char *)r->pfx.data + off;
        size_t blen;
        const char *bname = (const char *)kvrt_bucket_name(o->b, &blen);
        static const char *const kinds[5] = {"B", "S", "D", "s", "d"};
        bool fed = r->entry != NULL && i >= r->own_mark;
        if (o->kind == 'B') {
            pos -= 2;
            r->argv[pos] = kinds[0], r->lens[pos] = 1;
            r->argv[pos + 1] = bname, r->lens[pos + 1] = blen;
            continue;
        }
        size_t w = (o->kind == 'S' ? 4 : 3) + fed;
        pos -= w;
        r->argv[pos] = kinds[(o->kind == 'S' ? 1 : 2) + 2 * fed], r->lens[pos] = 1;
        r->argv[pos + 1] = p, r->lens[pos + 1] = plen;
        r->argv[pos + 2] = (const char *)o->key, r->lens[pos + 2] = o->klen;
        if (o->kind == 'S')
            r->argv[pos + 3] = (const char *)o->val->data, r->lens[pos + 3] = o->val->len;
        if (fed)
            r->argv[pos + w - 1] = bname, r->lens[pos + w - 1] = blen;
    }
    snprintf(r->token, sizeof r->token, "%llu", ++r->seq);
    r->argv[0] = "FCALL", r->lens[0] = 5;
    r->argv[1] = r->entry ? "kvaot_commit_entry" : "kvaot_commit";
    r->lens[1] = strlen(r->argv[1]);
    r->argv[2] = "0", r->lens[2] = 1;
    r->argv[3] = r->marker, r->lens[3] = strlen(r->marker);
    r->argv[4] = r->token, r->lens[4] = strlen(r->token);
    if (r->entry != NULL) {
        const kvrt_stream_entry *e = r->entry;
        r->argv[5] = e->stream, r->lens[5] = strlen(e->stream);
        r->argv[6] = e->group, r->lens[6] = strlen(e->group);
        r->argv[7] = e->consumer, r->lens[7] = strlen(e->consumer);
        r->argv[8] = e->id, r->lens[8] = strlen(e->id);
        r->argv[9] = e->ordered ? "1" : "0", r->lens[9] = 1;
    }
    return (int64_t)argc;
}

/* After a lost reply: did the commit go through? 1 yes, 0 no, -1 lost.
 * The old connection may still be alive on the server (a socket timeout
 * while Redis was paused), its commit not yet run: CLIENT KILL it first,
 * so that the commit has either run or never will when the marker is
 * read. */
static int settle(rkv *r)
{
    char old[24];
    snprintf(old, sizeof old, "%lld", kvrt_redis_client_id(r->conn));
    if (recover(r) != 0)
        return -1;
    redisReply *k, *m;
    const char *kill[4] = {"CLIENT", "KILL", "ID", old};
    size_t kl[4] = {6, 4, 2, strlen(old)};
    const char *argv[2] = {"GET", r->marker};
    size_t lens[2] = {3, strlen(r->marker)};
    if (cmd(r, 4, kill, kl) != 0 || cmd(r, 2, argv, lens) != 0)
        return -1;
    if (reply(r, &k) != 0)
        return settle(r);
    kvrt_redis_free(k);     /* an error when it is gone already */
    if (reply(r, &m) != 0)
        return settle(r);
    int done = m->type == REDIS_REPLY_STRING && m->len == strlen(r->token) &&
               memcmp(m->str, r->token, m->len) == 0;
    kvrt_redis_free(m);
    return done;
}

static kvrt_commit_res r_commit(void *self)
{
    rkv *r = self;
    if (r->doomed) {
        reset_attempt(r);
        return KVRT_COMMIT_CONFLICT;
    }
    int64_t argc = commit_args(r);
    size_t extra;
    if (argc < 0 || prelude(r, &extra) != 0)
        return KVRT_COMMIT_FAILED;
    const char *multi[1] = {"MULTI"}, *exec[1] = {"EXEC"};
    size_t ml[1] = {5}, el[1] = {4};
    if (cmd(r, 1, multi, ml) != 0 || cmd(r, (int)argc, r->argv, r->lens) != 0 ||
        cmd(r, 1, exec, el) != 0)
        return KVRT_COMMIT_FAILED;
    r->watched = false;     /* EXEC ends them, whatever it answers */
    r->stale = false;
    redisReply *x = NULL;
    if (skip_replies(r, extra + 2) != 0 || reply(r, &x) != 0) {
        int done = settle(r);
        reset_attempt(r);
        return done < 0 ? KVRT_COMMIT_FAILED : done ? KVRT_COMMIT_OK : KVRT_COMMIT_CONFLICT;
    }
    kvrt_commit_res res = KVRT_COMMIT_OK;
    if (x->type == REDIS_REPLY_NIL) {
        res = KVRT_COMMIT_CONFLICT;
    } else if (x->type != REDIS_REPLY_ARRAY || x->elements != 1) {
        snprintf(r->why, sizeof r->why, "%s: EXEC: %.*s", kvrt_redis_name(r->conn),
                 x->type == REDIS_REPLY_ERROR ? (int)x->len : 0, x->str ? x->str : "");
        res = KVRT_COMMIT_FAILED;
    } else if (x->element[0]->type == REDIS_REPLY_STRING &&
               (strcmp(x->element[0]->str, "LOST") == 0 || strcmp(x->element[0]->str, "WAIT") == 0)) {
        res = x->element[0]->str[0] == 'L' ? KVRT_COMMIT_LOST : KVRT_COMMIT_WAIT;
    } else if (x->element[0]->type == REDIS_REPLY_ERROR) {
        redisReply *e = x->element[0];
        /* A Redis restarted without its data has no functions: load them
         * and run the event again (its reads are gone too). */
        if (strstr(e->str, "Function not found") != NULL && load_functions(r) == 0) {
            res = KVRT_COMMIT_CONFLICT;
        } else {
            snprintf(r->why, sizeof r->why, "%s: FCALL kvaot_commit: %.*s",
                     kvrt_redis_name(r->conn), (int)e->len, e->str);
            res = KVRT_COMMIT_FAILED;
        }
    }
    kvrt_redis_free(x);
    reset_attempt(r);
    return res;
}

static const char *r_why(void *self)
{
    return ((rkv *)self)->why;
}

static bool r_lost(void *self)
{
    return ((rkv *)self)->lost;
}

static const kvrt_kv_ops redis_ops = {
    .open = r_open,
    .get = r_get,
    .has = r_has,
    .prefetch = r_prefetch,
    .set = r_set,
    .del = r_del,
    .keys = r_keys,
    .key_next = r_key_next,
    .begin = r_begin,
    .mark = r_mark,
    .rollback_to = r_rollback_to,
    .rollback = r_rollback,
    .commit = r_commit,
    .why = r_why,
    .lost = r_lost,
};

/* ---- open, dump, close ------------------------------------------------------ */

/* A name for this process's commit marker: host, pid and random bits. */
static void make_marker(rkv *r)
{
    unsigned long long rnd = (unsigned long long)now_ms() * 6364136223846793005ULL;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        unsigned long long x;
        if (read(fd, &x, sizeof x) == (ssize_t)sizeof x)
            rnd = x;
        close(fd);
    }
    snprintf(r->marker, sizeof r->marker, "kvaot:commit:%ld:%016llx", (long)getpid(), rnd);
}

int kvrt_kv_redis_open(const kvrt_redis_addr *a, int timeout_ms, kvrt_kv *kv, char *why,
                       size_t cap)
{
    rkv *r = calloc(1, sizeof *r);
    if (r == NULL || (r->names = kvrt_store_new()) == NULL) {
        free(r);
        snprintf(why, cap, "out of memory");
        return -1;
    }
    r->timeout_ms = timeout_ms;
    kvrt_buf_init(&r->kb);
    kvrt_buf_init(&r->pfx);
    make_marker(r);
    r->conn = kvrt_redis_open(a, timeout_ms, why, cap);
    kv->ops = &redis_ops;
    kv->self = r;
    if (r->conn == NULL) {
        kvrt_kv_redis_close(kv);
        return -1;
    }
    if (load_functions(r) != 0) {
        snprintf(why, cap, "%s", r->why);
        kvrt_kv_redis_close(kv);
        return -1;
    }
    read_max_bulk(r);
    return 0;
}

void kvrt_kv_redis_close(kvrt_kv *kv)
{
    rkv *r = kv->self;
    if (r == NULL)
        return;
    reset_attempt(r);
    free(r->ops);
    free(r->kl);
    free(r->argv);
    free(r->lens);
    kvrt_buf_fini(&r->kb);
    kvrt_buf_fini(&r->pfx);
    kvrt_redis_close(r->conn);
    kvrt_store_free(r->names);
    free(r);
    kv->self = NULL;
}

/* One try at the dump: WATCH and read the bucket list, then MULTI / FCALL
 * kvaot_dump / EXEC. 1 done, 0 a bucket appeared meanwhile, -1 failed. */
static int dump_once(rkv *r, kvrt_store *into)
{
    size_t extra;
    const char *zr[4] = {"ZRANGE", KVRT_REDIS_BUCKETS_KEY, "0", "-1"};
    size_t zl[4] = {6, strlen(KVRT_REDIS_BUCKETS_KEY), 1, 2};
    redisReply *names = NULL, *x = NULL;
    if (prelude(r, &extra) != 0 ||
        cmd2(r, "WATCH", (const uint8_t *)KVRT_REDIS_BUCKETS_KEY, zl[1]) != 0 ||
        cmd(r, 4, zr, zl) != 0)
        return -1;
    r->watched = true;
    if (skip_replies(r, extra + 1) != 0 || reply(r, &names) != 0)
        return recover(r) == 0 ? 0 : -1;
    int rc = -1;
    if (names->type != REDIS_REPLY_ARRAY) {
        snprintf(r->why, sizeof r->why, "%s: ZRANGE %s: an unexpected reply",
                 kvrt_redis_name(r->conn), KVRT_REDIS_BUCKETS_KEY);
        goto out;
    }
    size_t n = names->elements;
    const char **argv = malloc((n + 3) * sizeof *argv);
    size_t *lens = malloc((n + 3) * sizeof *lens);
    if (argv == NULL || lens == NULL) {
        free(argv);
        free(lens);
        oom(r);
        goto out;
    }
    /* The prefixes go into r->pfx one after another; lens[] holds their
     * offsets until the buffer is complete (it may move while it grows). */
    kvrt_buf_truncate(&r->pfx, 0);
    for (size_t i = 0; i < n; i++) {
        redisReply *e = names->element[i];
        lens[3 + i] = r->pfx.len;
        if (kvrt_rk_prefix(&r->kb, (const uint8_t *)e->str, e->len) != 0 ||
            kvrt_buf_append(&r->pfx, r->kb.data, r->kb.len) != 0) {
            free(argv);
            free(lens);
            oom(r);
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t off = lens[3 + i], end = i + 1 < n ? lens[4 + i] : r->pfx.len;
        argv[3 + i] = (const char *)r->pfx.data + off;
        lens[3 + i] = end - off;
    }
    argv[0] = "FCALL", lens[0] = 5;
    argv[1] = "kvaot_dump", lens[1] = 10;
    argv[2] = "0", lens[2] = 1;
    const char *multi[1] = {"MULTI"}, *exec[1] = {"EXEC"};
    size_t ml[1] = {5}, el[1] = {4};
    int bad = cmd(r, 1, multi, ml) != 0 || cmd(r, (int)(n + 3), argv, lens) != 0 ||
              cmd(r, 1, exec, el) != 0;
    free(argv);
    free(lens);
    if (bad)
        goto out;
    r->watched = false;
    if (skip_replies(r, 2) != 0 || reply(r, &x) != 0) {
        rc = recover(r) == 0 ? 0 : -1;
        goto out;
    }
    if (x->type == REDIS_REPLY_NIL) {
        rc = 0;
        goto out;
    }
    redisReply *d = x->type == REDIS_REPLY_ARRAY && x->elements == 1 ? x->element[0] : NULL;
    if (d == NULL || d->type != REDIS_REPLY_ARRAY || d->elements != n) {
        snprintf(r->why, sizeof r->why, "%s: FCALL kvaot_dump: %.*s", kvrt_redis_name(r->conn),
                 d && d->type == REDIS_REPLY_ERROR ? (int)d->len : 0,
                 d && d->str ? d->str : "an unexpected reply");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        redisReply *nm = names->element[i], *kv2 = d->element[i];
        kvrt_bucket *b = kvrt_store_open(into, (const uint8_t *)nm->str, nm->len);
        if (b == NULL || kv2->type != REDIS_REPLY_ARRAY || kv2->elements != 2) {
            oom(r);
            goto out;
        }
        redisReply *ks = kv2->element[0], *vs = kv2->element[1];
        for (size_t j = 0; j < ks->elements && j < vs->elements; j++) {
            if (vs->element[j]->type != REDIS_REPLY_STRING)
                continue;
            kvrt_val *v = kvrt_val_new((const uint8_t *)vs->element[j]->str, vs->element[j]->len);
            if (v == NULL || kvrt_bucket_set(into, b, (const uint8_t *)ks->element[j]->str,
                                             ks->element[j]->len, v) != 0) {
                oom(r);
                goto out;
            }
        }
    }
    rc = 1;
out:
    kvrt_redis_free(names);
    kvrt_redis_free(x);
    return rc;
}

int kvrt_kv_redis_dump(kvrt_kv *kv, kvrt_store *into)
{
    rkv *r = kv->self;
    if (r->lost)
        return -1;
    for (int i = 0; i < 100; i++) {
        int rc = dump_once(r, into);
        if (rc != 0)
            return rc > 0 ? 0 : -1;
    }
    snprintf(r->why, sizeof r->why, "%s: the bucket list kept changing during the dump",
             kvrt_redis_name(r->conn));
    return -1;
}

void kvrt_kv_redis_print_stats(kvrt_kv *kv, FILE *f, const char *prog, unsigned long long events)
{
    rkv *r = kv->self;
    unsigned long long trips = kvrt_redis_round_trips(r->conn);
    fprintf(f, "%s: stats: store %s, %llu round trips (%.2f per event)\n", prog,
            kvrt_redis_name(r->conn), trips, events ? (double)trips / (double)events : 0.0);
}

void kvrt_kv_redis_set_entry(kvrt_kv *kv, const kvrt_stream_entry *e)
{
    ((rkv *)kv->self)->entry = e;
}

int kvrt_kv_redis_call(kvrt_kv *kv, int argc, const char **argv, const size_t *lens,
                       redisReply **out)
{
    rkv *r = kv->self;
    *out = NULL;
    if (r->lost)
        return -1;
    for (;;) {
        size_t extra;
        if (prelude(r, &extra) != 0 || cmd(r, argc, argv, lens) != 0)
            return -1;
        if (skip_replies(r, extra) == 0 && reply(r, out) == 0)
            return 0;
        if (recover(r) != 0)
            return -1;
    }
}

unsigned long long kvrt_kv_redis_reconnects(kvrt_kv *kv)
{
    return ((rkv *)kv->self)->reconnects;
}
