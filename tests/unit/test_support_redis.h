/*
 * tests/unit/test_support_redis.h - a redis-server of the test's own, for the
 * unit tests that talk to Redis: started per test on a unix socket in a
 * fresh short directory (no TCP port, no persistence, 4 databases), stopped
 * by its pid. When redis-server is not installed, kvt_redis_started is
 * false and the tests skip.
 */
#ifndef KVT_SUPPORT_REDIS_H
#define KVT_SUPPORT_REDIS_H

#include <stdbool.h>

extern char kvt_redis_sock[128];
extern bool kvt_redis_started;

void kvt_redis_start(void);
void kvt_redis_stop(void);

#endif
