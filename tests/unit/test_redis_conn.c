/*
 * tests/unit/test_redis_conn.c - connecting to a real redis-server
 * (runtime/redis_conn.c), one per test (test_support_redis.h); skipped when
 * redis-server is not installed. A missing server
 * and a bad database are refused with the address in the message.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redis_addr.h"
#include "redis_conn.h"
#include "test_support_redis.h"

TestSuite(redis_conn, .init = kvt_redis_start, .fini = kvt_redis_stop);

static kvrt_redis_addr addr_of(const char *url)
{
    kvrt_redis_addr a;
    char why[256];
    cr_assert_eq(kvrt_redis_addr_parse(url, &a, why, sizeof why), 0, "%s", why);
    return a;
}

Test(redis_conn, connects_and_pings)
{
    if (!kvt_redis_started)
        cr_skip_test("redis-server is not installed");
    char url[160], why[512] = "";
    snprintf(url, sizeof url, "unix://%s?db=2", kvt_redis_sock);
    kvrt_redis_addr a = addr_of(url);
    kvrt_redis *r = kvrt_redis_open(&a, 2000, why, sizeof why);
    cr_assert_not_null(r, "%s", why);
    cr_expect(kvrt_redis_ping(r, why, sizeof why), "%s", why);
    kvrt_redis_close(r);
}

Test(redis_conn, a_database_past_the_servers_is_refused)
{
    if (!kvt_redis_started)
        cr_skip_test("redis-server is not installed");
    char url[160], why[512] = "";
    snprintf(url, sizeof url, "unix://%s?db=7", kvt_redis_sock);
    kvrt_redis_addr a = addr_of(url);
    cr_expect_null(kvrt_redis_open(&a, 2000, why, sizeof why));
    cr_expect(strstr(why, url) != NULL && strstr(why, "SELECT") != NULL, "%s", why);
}

Test(redis_conn, no_server_names_the_address)
{
    char why[512] = "";
    kvrt_redis_addr a = addr_of("unix:///tmp/kvaot-no-such-dir/r.sock");
    cr_expect_null(kvrt_redis_open(&a, 500, why, sizeof why));
    cr_expect(strstr(why, "cannot reach unix:///tmp/kvaot-no-such-dir/r.sock?db=0") != NULL, "%s",
              why);
    a = addr_of("redis://127.0.0.1:1");
    cr_expect_null(kvrt_redis_open(&a, 500, why, sizeof why));
    cr_expect(strstr(why, "cannot reach redis://127.0.0.1:1/0") != NULL, "%s", why);
}
