/*
 * runtime/redis_stream_url.c - parsing redis-stream:// URLs; see
 * redis_stream_url.h. The server part is handed to redis_addr.c as the
 * redis:// or unix:// URL it stands for.
 */
#include "redis_stream_url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* s[0..n) with %XX decoded into out (NUL-terminated, at most cap - 1
 * bytes, no NUL inside). 0 or -1. */
static int decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0 || (h == 0 && l == 0))
                return -1;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    out[o] = 0;
    return 0;
}

static int number(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
    if (*v < '0' || *v > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    if (errno != 0 || *end != 0 || x < min || x > max)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

int kvrt_stream_url_parse(const char *url, bool need_group, kvrt_stream_url *u, char *why,
                          size_t cap)
{
    static const char tcp[] = "redis-stream://", unx[] = "redis-stream+unix://";
    memset(u, 0, sizeof *u);
    u->block_ms = 2000;
    u->batch = 16;
    u->claim_idle_ms = 30000;
    u->max_deliveries = 5;
    const char *rest;
    bool is_unix = false;
    if (strncmp(url, tcp, sizeof tcp - 1) == 0) {
        rest = url + sizeof tcp - 1;
    } else if (strncmp(url, unx, sizeof unx - 1) == 0) {
        rest = url + sizeof unx - 1;
        is_unix = true;
    } else {
        snprintf(why, cap, "%s: not a redis-stream:// or redis-stream+unix:// URL", url);
        return -1;
    }
    const char *q = strchr(rest, '?');
    size_t blen = q ? (size_t)(q - rest) : strlen(rest);
    char base[KVRT_REDIS_PATH_MAX + KVRT_REDIS_HOST_MAX + 64];
    char db[24] = "";
    /* the query's db= (unix) goes into the base URL */
    const char *p = q ? q + 1 : NULL;
    while (p != NULL && *p != 0) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (eq == NULL) {
            snprintf(why, cap, "%s: '%.*s' in the query is not NAME=VALUE", url, (int)n, p);
            return -1;
        }
        size_t kn = (size_t)(eq - p);
        char val[KVRT_STREAM_NAME_MAX + 1];
        if (decode(eq + 1, n - kn - 1, val, sizeof val) != 0) {
            snprintf(why, cap, "%s: the value of %.*s is too long or badly escaped", url,
                     (int)kn, p);
            return -1;
        }
#define IS(name) (kn == sizeof name - 1 && memcmp(p, name, kn) == 0)
        int bad = 0;
        if (IS("stream"))
            bad = val[0] == 0 || snprintf(u->stream, sizeof u->stream, "%s", val) < 0;
        else if (IS("group"))
            bad = val[0] == 0 || snprintf(u->group, sizeof u->group, "%s", val) < 0;
        else if (IS("consumer"))
            bad = val[0] == 0 || snprintf(u->consumer, sizeof u->consumer, "%s", val) < 0;
        else if (IS("block"))
            bad = number(val, 1, 3600000, &u->block_ms);
        else if (IS("batch"))
            bad = number(val, 1, 100000, &u->batch);
        else if (IS("claim-idle"))
            bad = number(val, 1, 86400000, &u->claim_idle_ms);
        else if (IS("max-deliveries"))
            bad = number(val, 1, 1000000, &u->max_deliveries);
        else if (IS("order") && strcmp(val, "stream") == 0)
            u->ordered = true;
        else if (IS("order") && strcmp(val, "free") == 0)
            u->ordered = false;
        else if (IS("db") && is_unix)
            bad = snprintf(db, sizeof db, "?db=%s", val) >= (int)sizeof db;
        else {
            snprintf(why, cap, "%s: unknown option or value '%.*s'", url, (int)n, p);
            return -1;
        }
#undef IS
        if (bad) {
            snprintf(why, cap, "%s: invalid value for %.*s: '%s'", url, (int)kn, p, val);
            return -1;
        }
        p = amp ? amp + 1 : NULL;
    }
    if (u->stream[0] == 0) {
        snprintf(why, cap, "%s: no stream=NAME in the query", url);
        return -1;
    }
    if (need_group && u->group[0] == 0) {
        snprintf(why, cap, "%s: no group=NAME in the query", url);
        return -1;
    }
    if (snprintf(base, sizeof base, "%s://%.*s%s", is_unix ? "unix" : "redis", (int)blen, rest,
                 db) >= (int)sizeof base) {
        snprintf(why, cap, "%s: the server part is too long", url);
        return -1;
    }
    char w[512];
    if (kvrt_redis_addr_parse(base, &u->addr, w, sizeof w) != 0) {
        snprintf(why, cap, "%s: %s", url, w);
        return -1;
    }
    return 0;
}
