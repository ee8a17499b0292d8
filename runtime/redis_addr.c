/*
 * runtime/redis_addr.c - parsing `--store` Redis URLs; see redis_addr.h.
 */
#include "redis_addr.h"

#include <stdio.h>
#include <string.h>

/* Decimal digits s[0..n) as a number in [lo, hi]; -1 when not. */
static long parse_number(const char *s, size_t n, long lo, long hi)
{
    if (n == 0 || n > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v < lo || v > hi ? -1 : v;
}

static int fail(char *why, size_t cap, const char *url, const char *what)
{
    snprintf(why, cap, "%s: %s", url, what);
    return -1;
}

static int parse_unix(const char *url, const char *rest, kvrt_redis_addr *a, char *why, size_t cap)
{
    const char *q = strchr(rest, '?');
    size_t plen = q ? (size_t)(q - rest) : strlen(rest);
    if (plen == 0 || rest[0] != '/')
        return fail(why, cap, url, "expected an absolute socket path: unix:///PATH/redis.sock");
    if (plen > KVRT_REDIS_PATH_MAX)
        return fail(why, cap, url, "the socket path is longer than 107 bytes (sun_path)");
    memcpy(a->path, rest, plen);
    a->path[plen] = '\0';
    if (q == NULL)
        return 0;
    if (strncmp(q, "?db=", 4) != 0)
        return fail(why, cap, url, "the only option of a unix socket URL is ?db=N");
    long db = parse_number(q + 4, strlen(q + 4), 0, 999999999);
    if (db < 0)
        return fail(why, cap, url, "db must be a number (0, 1, ...)");
    a->db = (int)db;
    return 0;
}

static int parse_tcp(const char *url, const char *rest, kvrt_redis_addr *a, char *why, size_t cap)
{
    const char *end = rest + strcspn(rest, "/?#");
    const char *host = rest, *host_end, *port = NULL;
    if (memchr(rest, '@', (size_t)(end - rest)) != NULL)
        return fail(why, cap, url, "user names and passwords are not supported");
    if (*rest == '[') {
        host = rest + 1;
        host_end = memchr(host, ']', (size_t)(end - host));
        if (host_end == NULL)
            return fail(why, cap, url, "an IPv6 address needs its closing ']'");
        if (host_end + 1 < end) {
            if (host_end[1] != ':')
                return fail(why, cap, url, "expected ':PORT' after ']'");
            port = host_end + 2;
        }
    } else {
        host_end = memchr(host, ':', (size_t)(end - host));
        if (host_end != NULL)
            port = host_end + 1;
        else
            host_end = end;
    }
    size_t hlen = (size_t)(host_end - host);
    if (hlen == 0)
        return fail(why, cap, url, "no host: expected redis://HOST:PORT[/DB]");
    if (hlen > KVRT_REDIS_HOST_MAX)
        return fail(why, cap, url, "the host name is longer than 255 bytes");
    memcpy(a->host, host, hlen);
    a->host[hlen] = '\0';
    a->port = 6379;
    if (port != NULL) {
        long p = parse_number(port, (size_t)(end - port), 1, 65535);
        if (p < 0)
            return fail(why, cap, url, "the port must be a number from 1 to 65535");
        a->port = (int)p;
    }
    if (*end == '\0')
        return 0;
    if (*end != '/')
        return fail(why, cap, url, "expected /DB after the port, and nothing else");
    if (end[1] == '\0')
        return 0;
    long db = parse_number(end + 1, strlen(end + 1), 0, 999999999);
    if (db < 0)
        return fail(why, cap, url, "the database after '/' must be a number (0, 1, ...)");
    a->db = (int)db;
    return 0;
}

int kvrt_redis_addr_parse(const char *url, kvrt_redis_addr *a, char *why, size_t cap)
{
    memset(a, 0, sizeof *a);
    if (strncmp(url, "redis://", 8) == 0) {
        a->kind = KVRT_REDIS_TCP;
        return parse_tcp(url, url + 8, a, why, cap);
    }
    if (strncmp(url, "unix://", 7) == 0) {
        a->kind = KVRT_REDIS_UNIX;
        return parse_unix(url, url + 7, a, why, cap);
    }
    return fail(why, cap, url, "expected redis://HOST:PORT[/DB] or unix:///PATH[?db=N]");
}

void kvrt_redis_addr_format(const kvrt_redis_addr *a, char *out, size_t cap)
{
    if (a->kind == KVRT_REDIS_UNIX)
        snprintf(out, cap, "unix://%s?db=%d", a->path, a->db);
    else if (strchr(a->host, ':') != NULL)
        snprintf(out, cap, "redis://[%s]:%d/%d", a->host, a->port, a->db);
    else
        snprintf(out, cap, "redis://%s:%d/%d", a->host, a->port, a->db);
}
