/*
 * runtime/publish.c - `kvaot publish`; see publish.h.
 */
#include "publish.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "evline.h"
#include "input.h"
#include "redis_conn.h"
#include "redis_stream_url.h"

enum { PIPELINE = 512 };

typedef struct pub {
    kvrt_redis *conn;
    const char *stream;
    unsigned long long queued, acked;
    char why[600];
} pub;

/* Read the replies of what is queued. 0, or -1 with why. */
static int drain(pub *p)
{
    while (p->acked < p->queued) {
        redisReply *rep;
        if (kvrt_redis_reply(p->conn, &rep, p->why, sizeof p->why) != 0)
            return -1;
        int bad = rep->type == REDIS_REPLY_ERROR;
        if (bad)
            snprintf(p->why, sizeof p->why, "%s: XADD %s: %.*s", kvrt_redis_name(p->conn),
                     p->stream, (int)rep->len, rep->str);
        kvrt_redis_free(rep);
        if (bad)
            return -1;
        p->acked++;
    }
    return 0;
}

static int xadd(pub *p, const kvrt_event *ev)
{
    const char *argv[11] = {"XADD", p->stream, "*", "op", ev->op == KVRT_EV_SET ? "set" : "delete",
                            "bucket", (const char *)ev->bucket, "key", (const char *)ev->key,
                            "value", (const char *)ev->value};
    size_t lens[11] = {4, strlen(p->stream), 1, 2, ev->op == KVRT_EV_SET ? 3u : 6u, 6,
                       ev->bucket_len, 3, ev->key_len, 5, ev->value_len};
    int argc = ev->op == KVRT_EV_SET ? 11 : 9;
    if (kvrt_redis_append(p->conn, argc, argv, lens) != 0) {
        snprintf(p->why, sizeof p->why, "out of memory");
        return -1;
    }
    p->queued++;
    return p->queued - p->acked >= PIPELINE ? drain(p) : 0;
}

/* One input. -1 to go on, else an exit status. */
static int publish_input(pub *p, const char *path, kvrt_evparser *ps)
{
    kvrt_input in;
    if (kvrt_input_open(&in, path) != 0) {
        fprintf(stderr, "kvaot: %s: cannot open: %s\n", path, strerror(errno));
        return 4;
    }
    int status = -1;
    while (status < 0) {
        const uint8_t *line;
        size_t len;
        int r = kvrt_input_next(&in, &line, &len);
        if (r == 0)
            break;
        if (r < 0) {
            fprintf(stderr, "kvaot: %s: read error: %s\n", in.name, strerror(errno));
            status = 4;
            break;
        }
        kvrt_event ev;
        kvrt_everr err;
        kvrt_lineres lr = kvrt_evline_parse(ps, line, len, &ev, &err);
        if (lr == KVRT_LINE_SKIP)
            continue;
        if (lr == KVRT_LINE_ERROR) {
            fprintf(stderr, "kvaot: %s:%llu:%zu: %s\n", in.name, (unsigned long long)in.line,
                    err.col, err.msg);
            status = 3;
            break;
        }
        if (xadd(p, &ev) != 0)
            status = 4;
    }
    kvrt_input_close(&in);
    return status;
}

int kvrt_publish_main(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fprintf(argc < 1 ? stderr : stdout,
                "usage: kvaot publish redis-stream://HOST[:PORT][/DB]?stream=S [EVENTS_FILE|-]...\n"
                "       kvaot publish redis-stream+unix:///PATH?stream=S[&db=N] [EVENTS_FILE|-]...\n"
                "XADDs every event line (text or JSON) to the stream S, as fields op, bucket,\n"
                "key, value. exit: 0 ok, 2 usage, 3 malformed input, 4 I/O error\n");
        return argc < 1 ? 2 : 0;
    }
    kvrt_stream_url u;
    char why[600];
    if (kvrt_stream_url_parse(argv[0], false, &u, why, sizeof why) != 0) {
        fprintf(stderr, "kvaot: publish: %s\n", why);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    pub p = {0};
    p.stream = u.stream;
    p.conn = kvrt_redis_open(&u.addr, 10000, why, sizeof why);
    if (p.conn == NULL) {
        fprintf(stderr, "kvaot: publish: %s\n", why);
        return 4;
    }
    kvrt_evparser ps;
    kvrt_evparser_init(&ps);
    int status = -1;
    if (argc == 1)
        status = publish_input(&p, "-", &ps);
    for (int i = 1; i < argc && status < 0; i++)
        status = publish_input(&p, argv[i], &ps);
    /* what was queued before a bad line still goes */
    if (drain(&p) != 0) {
        fprintf(stderr, "kvaot: publish: %s (%llu of %llu entries acknowledged)\n", p.why,
                p.acked, p.queued);
        status = 4;
    } else if (status == 4 && p.why[0] != 0) {
        fprintf(stderr, "kvaot: publish: %s\n", p.why);
    }
    kvrt_evparser_fini(&ps);
    kvrt_redis_close(p.conn);
    return status < 0 ? 0 : status;
}
