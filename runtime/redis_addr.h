/*
 * runtime/redis_addr.h - the address of a Redis server as `--store` names it
 * (SPEC §10): redis://HOST[:PORT][/DB] or unix:///PATH[?db=N].
 *
 * HOST is a name, an IPv4 address or an IPv6 address in brackets
 * ([::1]:6379); PORT defaults to 6379, DB to 0. A unix socket's PATH is
 * absolute and fits sun_path (at most 107 bytes). Parsing only: nothing
 * here connects.
 */
#ifndef KVRT_REDIS_ADDR_H
#define KVRT_REDIS_ADDR_H

#include <stddef.h>

enum { KVRT_REDIS_HOST_MAX = 255, KVRT_REDIS_PATH_MAX = 107 };

typedef enum kvrt_redis_kind { KVRT_REDIS_TCP, KVRT_REDIS_UNIX } kvrt_redis_kind;

typedef struct kvrt_redis_addr {
    kvrt_redis_kind kind;
    char host[KVRT_REDIS_HOST_MAX + 1]; /* TCP: without the brackets */
    int port;                           /* TCP: 1..65535 */
    char path[KVRT_REDIS_PATH_MAX + 1]; /* unix */
    int db;                             /* 0.. */
} kvrt_redis_addr;

/* Parse url into *a. 0, or -1 with what is wrong in why (one line, naming
 * the part of the URL at fault). */
int kvrt_redis_addr_parse(const char *url, kvrt_redis_addr *a, char *why, size_t cap);

/* The address as messages show it: redis://HOST:PORT/DB or unix://PATH?db=N
 * (the default parts included, so the user sees what was used). */
void kvrt_redis_addr_format(const kvrt_redis_addr *a, char *out, size_t cap);

#endif
