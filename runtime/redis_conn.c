/*
 * runtime/redis_conn.c - connecting to Redis; see redis_conn.h.
 */
#include "redis_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

struct kvrt_redis {
    redisContext *c;
    kvrt_redis_addr addr;
    char name[KVRT_REDIS_PATH_MAX + KVRT_REDIS_HOST_MAX + 32]; /* for messages */
    int timeout_ms;
    bool sent;                  /* commands written since the last reply */
    long long id;               /* CLIENT ID of the connection, 0 when unknown */
    unsigned long long trips;
};

static struct timeval timeval_of(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

/* A command from argv (binary-safe), its reply or NULL with why. */
static redisReply *command(kvrt_redis *r, int argc, const char **argv, const size_t *lens,
                           char *why, size_t cap)
{
    redisReply *rep = redisCommandArgv(r->c, argc, argv, lens);
    if (rep == NULL) {
        snprintf(why, cap, "%s: %s: %s", r->name, argv[0],
                 r->c->errstr[0] ? r->c->errstr : "no reply");
        return NULL;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        snprintf(why, cap, "%s: %s: %.*s", r->name, argv[0], (int)rep->len, rep->str);
        freeReplyObject(rep);
        return NULL;
    }
    return rep;
}

/* SELECT the address's database (nothing to do for 0), and learn the
 * connection's CLIENT ID. */
static int select_db(kvrt_redis *r, char *why, size_t cap)
{
    const char *idv[2] = {"CLIENT", "ID"};
    size_t idl[2] = {6, 2};
    redisReply *rep = command(r, 2, idv, idl, why, cap);
    if (rep == NULL)
        return -1;
    r->id = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
    freeReplyObject(rep);
    if (r->addr.db == 0)
        return 0;
    char db[16];
    snprintf(db, sizeof db, "%d", r->addr.db);
    const char *argv[2] = {"SELECT", db};
    size_t lens[2] = {6, strlen(db)};
    rep = command(r, 2, argv, lens, why, cap);
    if (rep == NULL)
        return -1;
    freeReplyObject(rep);
    return 0;
}

kvrt_redis *kvrt_redis_open(const kvrt_redis_addr *a, int timeout_ms, char *why, size_t cap)
{
    kvrt_redis *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    r->addr = *a;
    r->timeout_ms = timeout_ms;
    kvrt_redis_addr_format(a, r->name, sizeof r->name);
    struct timeval tv = timeval_of(timeout_ms);
    r->c = a->kind == KVRT_REDIS_UNIX ? redisConnectUnixWithTimeout(a->path, tv)
                                      : redisConnectWithTimeout(a->host, a->port, tv);
    if (r->c == NULL || r->c->err) {
        snprintf(why, cap, "cannot reach %s: %s", r->name,
                 r->c ? r->c->errstr : "out of memory");
        kvrt_redis_close(r);
        return NULL;
    }
    if (redisSetTimeout(r->c, tv) != REDIS_OK) {
        snprintf(why, cap, "%s: cannot set a socket timeout: %s", r->name, r->c->errstr);
        kvrt_redis_close(r);
        return NULL;
    }
    if (select_db(r, why, cap) != 0) {
        kvrt_redis_close(r);
        return NULL;
    }
    return r;
}

void kvrt_redis_close(kvrt_redis *r)
{
    if (r == NULL)
        return;
    if (r->c != NULL)
        redisFree(r->c);
    free(r);
}

bool kvrt_redis_ping(kvrt_redis *r, char *why, size_t cap)
{
    const char *argv[1] = {"PING"};
    size_t lens[1] = {4};
    redisReply *rep = command(r, 1, argv, lens, why, cap);
    if (rep == NULL)
        return false;
    bool ok = rep->type == REDIS_REPLY_STATUS && rep->len == 4 && memcmp(rep->str, "PONG", 4) == 0;
    if (!ok)
        snprintf(why, cap, "%s: PING: an unexpected reply", r->name);
    freeReplyObject(rep);
    return ok;
}

const char *kvrt_redis_name(const kvrt_redis *r)
{
    return r->name;
}

int kvrt_redis_append(kvrt_redis *r, int argc, const char **argv, const size_t *lens)
{
    if (redisAppendCommandArgv(r->c, argc, argv, lens) != REDIS_OK)
        return -1;
    r->sent = true;
    return 0;
}

int kvrt_redis_reply(kvrt_redis *r, redisReply **out, char *why, size_t cap)
{
    void *rep = NULL;
    if (r->sent) {
        r->trips++;
        r->sent = false;
    }
    if (r->c->err == 0 && redisGetReply(r->c, &rep) == REDIS_OK && rep != NULL) {
        *out = rep;
        return 0;
    }
    snprintf(why, cap, "%s: %s", r->name, r->c->errstr[0] ? r->c->errstr : "connection lost");
    *out = NULL;
    return -1;
}

void kvrt_redis_free(redisReply *rep)
{
    if (rep != NULL)
        freeReplyObject(rep);
}

int kvrt_redis_reconnect(kvrt_redis *r, int timeout_ms, char *why, size_t cap)
{
    r->sent = false;
    /* redisReconnect takes the connect timeout the context was made with:
     * set ours first (it is kept in c->timeout). */
    struct timeval tv = timeval_of(timeout_ms);
    if (r->c->timeout == NULL)
        r->c->timeout = malloc(sizeof *r->c->timeout);
    if (r->c->timeout != NULL)
        *r->c->timeout = tv;
    if (redisReconnect(r->c) != REDIS_OK) {
        snprintf(why, cap, "cannot reach %s: %s", r->name,
                 r->c->errstr[0] ? r->c->errstr : "connection refused");
        return -1;
    }
    struct timeval io = timeval_of(r->timeout_ms);
    if (redisSetTimeout(r->c, io) != REDIS_OK) {
        snprintf(why, cap, "%s: cannot set a socket timeout: %s", r->name, r->c->errstr);
        return -1;
    }
    return select_db(r, why, cap);
}

unsigned long long kvrt_redis_round_trips(const kvrt_redis *r)
{
    return r->trips;
}

long long kvrt_redis_client_id(const kvrt_redis *r)
{
    return r->id;
}
