/*
 * runtime/redis_conn.h - a connection to the Redis server of `--store`
 * (SPEC §10) over Debian's hiredis 0.14.1 (synchronous API): connect with a
 * timeout, select the database, and say what failed naming the address.
 * Commands are pipelined: append any number (argv form, binary-safe: the
 * bytes are copied into the output buffer at once), then read their
 * replies in order. An I/O error (the server went away, a socket timeout)
 * leaves the hiredis context dead; kvrt_redis_reconnect revives it
 * (redisReconnect, then SELECT again). kv_redis.c reads the replies
 * (hiredis's redisReply); no other file includes hiredis.
 *
 * Ownership: kvrt_redis_open returns a connection the caller closes with
 * kvrt_redis_close.
 */
#ifndef KVRT_REDIS_CONN_H
#define KVRT_REDIS_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_addr.h"

typedef struct kvrt_redis kvrt_redis;

/* Connect to a (connect and reply timeout timeout_ms) and SELECT its
 * database. NULL with why ("cannot reach redis://h:p/0: Connection
 * refused") when it fails. */
kvrt_redis *kvrt_redis_open(const kvrt_redis_addr *a, int timeout_ms, char *why, size_t cap);
void kvrt_redis_close(kvrt_redis *r);
/* The address as messages show it. */
const char *kvrt_redis_name(const kvrt_redis *r);

struct redisReply;
/* Queue one command. 0, or -1 when out of memory. */
int kvrt_redis_append(kvrt_redis *r, int argc, const char **argv, const size_t *lens);
/* The next reply (the caller frees it with kvrt_redis_free). 0, or -1 on an
 * I/O error (why says what; the connection is then dead). */
int kvrt_redis_reply(kvrt_redis *r, struct redisReply **out, char *why, size_t cap);
void kvrt_redis_free(struct redisReply *rep);
/* One try at connecting again (connect timeout timeout_ms), database
 * selected. 0, or -1 with why. */
int kvrt_redis_reconnect(kvrt_redis *r, int timeout_ms, char *why, size_t cap);
/* The server's CLIENT ID of the connection (0 when unknown). */
long long kvrt_redis_client_id(const kvrt_redis *r);
/* Round trips so far (replies read after a write). */
unsigned long long kvrt_redis_round_trips(const kvrt_redis *r);

/* PING: true when the server answered PONG (else why says what happened). */
bool kvrt_redis_ping(kvrt_redis *r, char *why, size_t cap);

#endif
