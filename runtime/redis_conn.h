/*
 * runtime/redis_conn.h - a connection to the Redis server of `--store`
 * (SPEC §10) over Debian's hiredis 0.14.1 (synchronous API): connect with a
 * timeout, select the database, and say what failed naming the address.
 * This is the only file that includes hiredis.
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

/* PING: true when the server answered PONG (else why says what happened). */
bool kvrt_redis_ping(kvrt_redis *r, char *why, size_t cap);

#endif
