/*
 * tests/unit/test_support_redis.c - the unit tests' own redis-server; see
 * test_support_redis.h.
 */
#include "test_support_redis.h"

#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
char kvt_redis_sock[128];
bool kvt_redis_started;

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

void kvt_redis_start(void)
{
    kvt_redis_started = false;
    if (system("command -v redis-server >/dev/null 2>&1") != 0)
        return;
    snprintf(dir, sizeof dir, "/tmp/kru.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(kvt_redis_sock, sizeof kvt_redis_sock, "%s/r.sock", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "redis-server --port 0 --unixsocket %s --unixsocketperm 700 --save '' "
             "--appendonly no --dir %s --daemonize yes --pidfile %s/r.pid --logfile %s/r.log "
             "--databases 4",
             kvt_redis_sock, dir, dir, dir);
    cr_assert_eq(system(cmd), 0, "redis-server did not start");
    /* redis-server opens its socket before it writes its pid file: wait
     * for both, or stop_server could not find the server to stop */
    char pidfile[128];
    snprintf(pidfile, sizeof pidfile, "%s/r.pid", dir);
    for (int i = 0; i < 500 && (access(kvt_redis_sock, F_OK) != 0 || read_pid(pidfile) <= 0); i++)
        usleep(10000);
    kvt_redis_started = true;
    cr_assert_eq(access(kvt_redis_sock, F_OK), 0, "no socket %s after 5 s", kvt_redis_sock);
    cr_assert_gt(read_pid(pidfile), 0, "no pid in %s after 5 s", pidfile);
}

void kvt_redis_stop(void)
{
    if (!kvt_redis_started)
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

