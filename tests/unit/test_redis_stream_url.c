/*
 * tests/unit/test_redis_stream_url.c - redis-stream:// URLs
 * (runtime/redis_stream_url.c): defaults, every option, unix sockets with a
 * database, %XX escapes, and what is refused (naming the fault).
 */
#include <criterion/criterion.h>

#include <string.h>

#include "redis_stream_url.h"

static kvrt_stream_url ok(const char *url, bool group)
{
    kvrt_stream_url u;
    char why[600] = "";
    cr_assert_eq(kvrt_stream_url_parse(url, group, &u, why, sizeof why), 0, "%s: %s", url, why);
    return u;
}

static void refused(const char *url, bool group, const char *what)
{
    kvrt_stream_url u;
    char why[600] = "";
    cr_expect_neq(kvrt_stream_url_parse(url, group, &u, why, sizeof why), 0, "%s accepted", url);
    cr_expect(strstr(why, what) != NULL, "%s: '%s' lacks '%s'", url, why, what);
}

Test(stream_url, defaults)
{
    kvrt_stream_url u = ok("redis-stream://10.0.0.5?stream=ev&group=g", true);
    cr_expect_str_eq(u.addr.host, "10.0.0.5");
    cr_expect_eq(u.addr.port, 6379);
    cr_expect_eq(u.addr.db, 0);
    cr_expect_str_eq(u.stream, "ev");
    cr_expect_str_eq(u.group, "g");
    cr_expect_str_eq(u.consumer, "");
    cr_expect_eq(u.block_ms, 2000);
    cr_expect_eq(u.batch, 16);
    cr_expect_eq(u.claim_idle_ms, 30000);
    cr_expect_eq(u.max_deliveries, 5);
    cr_expect(!u.ordered);
}

Test(stream_url, every_option)
{
    kvrt_stream_url u = ok("redis-stream://[::1]:7000/3?stream=a%2Fb&group=g&consumer=w%201"
                           "&block=50&batch=7&claim-idle=900&max-deliveries=2&order=stream",
                           true);
    cr_expect_str_eq(u.addr.host, "::1");
    cr_expect_eq(u.addr.port, 7000);
    cr_expect_eq(u.addr.db, 3);
    cr_expect_str_eq(u.stream, "a/b");
    cr_expect_str_eq(u.consumer, "w 1");
    cr_expect_eq(u.block_ms, 50);
    cr_expect_eq(u.batch, 7);
    cr_expect_eq(u.claim_idle_ms, 900);
    cr_expect_eq(u.max_deliveries, 2);
    cr_expect(u.ordered);
}

Test(stream_url, unix_socket_with_a_database)
{
    kvrt_stream_url u = ok("redis-stream+unix:///tmp/r.sock?stream=s&db=2", false);
    cr_expect_eq(u.addr.kind, KVRT_REDIS_UNIX);
    cr_expect_str_eq(u.addr.path, "/tmp/r.sock");
    cr_expect_eq(u.addr.db, 2);
    cr_expect_str_eq(u.group, "");
}

Test(stream_url, refusals_name_the_fault)
{
    refused("redis://h?stream=s", false, "not a redis-stream://");
    refused("redis-stream://h?group=g", true, "no stream=");
    refused("redis-stream://h?stream=s", true, "no group=");
    refused("redis-stream://h?stream=s&batch=0", false, "invalid value for batch");
    refused("redis-stream://h?stream=s&order=random", false, "unknown option or value 'order=random'");
    refused("redis-stream://h?stream=s&colour=blue", false, "unknown option");
    refused("redis-stream://h?stream=s&db=1", false, "unknown option");
    refused("redis-stream://h?stream", false, "not NAME=VALUE");
    refused("redis-stream://h?stream=a%zz", false, "badly escaped");
    refused("redis-stream://h:99999?stream=s", false, "redis://h:99999");
}
