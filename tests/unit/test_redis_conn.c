/*
 * tests/unit/test_redis_conn.c - connecting to a real redis-server
 * (runtime/redis_conn.c): each test starts its own server on a unix socket
 * in a fresh short directory (no TCP port, no persistence) and stops it by
 * its pid; skipped when redis-server is not installed. A missing server
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

static char dir[64];
static char sock[128];
static bool started;

/* The pid in path, or 0 when there is none (yet). */
static long read_pid(const char *path)
{
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f != NULL) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
}

static void start_server(void)
{
    started = false;
    if (system("command -v redis-server >/dev/null 2>&1") != 0)
        return;
    snprintf(dir, sizeof dir, "/tmp/kru.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(sock, sizeof sock, "%s/r.sock", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "redis-server --port 0 --unixsocket %s --unixsocketperm 700 --save '' "
             "--appendonly no --dir %s --daemonize yes --pidfile %s/r.pid --logfile %s/r.log "
             "--databases 4",
             sock, dir, dir, dir);
    cr_assert_eq(system(cmd), 0, "redis-server did not start");
    /* redis-server opens its socket before it writes its pid file: wait
     * for both, or stop_server could not find the server to stop */
    char pidfile[128];
    snprintf(pidfile, sizeof pidfile, "%s/r.pid", dir);
    for (int i = 0; i < 500 && (access(sock, F_OK) != 0 || read_pid(pidfile) <= 0); i++)
        usleep(10000);
    started = true;
    cr_assert_eq(access(sock, F_OK), 0, "no socket %s after 5 s", sock);
    cr_assert_gt(read_pid(pidfile), 0, "no pid in %s after 5 s", pidfile);
}

static void stop_server(void)
{
    if (!started)
        return;
    char path[128];
    snprintf(path, sizeof path, "%s/r.pid", dir);
    long pid = read_pid(path);
    if (pid > 0) {
        kill((pid_t)pid, SIGTERM);
        for (int i = 0; i < 500 && kill((pid_t)pid, 0) == 0; i++)
            usleep(10000);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(redis_conn, .init = start_server, .fini = stop_server);

static kvrt_redis_addr addr_of(const char *url)
{
    kvrt_redis_addr a;
    char why[256];
    cr_assert_eq(kvrt_redis_addr_parse(url, &a, why, sizeof why), 0, "%s", why);
    return a;
}

Test(redis_conn, connects_and_pings)
{
    if (!started)
        cr_skip_test("redis-server is not installed");
    char url[160], why[512] = "";
    snprintf(url, sizeof url, "unix://%s?db=2", sock);
    kvrt_redis_addr a = addr_of(url);
    kvrt_redis *r = kvrt_redis_open(&a, 2000, why, sizeof why);
    cr_assert_not_null(r, "%s", why);
    cr_expect(kvrt_redis_ping(r, why, sizeof why), "%s", why);
    kvrt_redis_close(r);
}

Test(redis_conn, a_database_past_the_servers_is_refused)
{
    if (!started)
        cr_skip_test("redis-server is not installed");
    char url[160], why[512] = "";
    snprintf(url, sizeof url, "unix://%s?db=7", sock);
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
