/*
 * runtime/redis_stream_url.h - the address of a Redis stream of events
 * (SPEC §10.1), for `--events` and `kvaot publish`:
 *
 *   redis-stream://HOST[:PORT][/DB]?stream=S&group=G[&consumer=C][&OPTION=V]...
 *   redis-stream+unix:///PATH?stream=S&group=G[&db=N]...
 *
 * Options: block=MS (how long one XREADGROUP waits, default 2000),
 * batch=N (entries per read, default 16), claim-idle=MS (an entry pending
 * that long with another consumer is claimed, default 30000),
 * max-deliveries=N (failed deliveries before an entry goes to S:dead,
 * default 5), order=stream|free (default free). Values may use %XX
 * escapes. Parsing only.
 */
#ifndef KVRT_REDIS_STREAM_URL_H
#define KVRT_REDIS_STREAM_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redis_addr.h"

enum { KVRT_STREAM_NAME_MAX = 255 };

typedef struct kvrt_stream_url {
    kvrt_redis_addr addr;
    char stream[KVRT_STREAM_NAME_MAX + 1];
    char group[KVRT_STREAM_NAME_MAX + 1];      /* "" when not given */
    char consumer[KVRT_STREAM_NAME_MAX + 1];   /* "" when not given */
    uint32_t block_ms, batch, claim_idle_ms, max_deliveries;
    bool ordered;                              /* order=stream */
} kvrt_stream_url;

/* Parse url into *u (with the defaults above). A stream is required; a
 * group too when need_group. 0, or -1 with what is wrong in why. */
int kvrt_stream_url_parse(const char *url, bool need_group, kvrt_stream_url *u, char *why,
                          size_t cap);

#endif
