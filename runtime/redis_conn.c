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

kvrt_redis *kvrt_redis_open(const kvrt_redis_addr *a, int timeout_ms, char *why, size_t cap)
{
    kvrt_redis *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    r->addr = *a;
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
    if (a->db != 0) {
        char db[16];
        snprintf(db, sizeof db, "%d", a->db);
        const char *argv[2] = {"SELECT", db};
        size_t lens[2] = {6, strlen(db)};
        redisReply *rep = command(r, 2, argv, lens, why, cap);
        if (rep == NULL) {
            kvrt_redis_close(r);
            return NULL;
        }
        freeReplyObject(rep);
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
