/*
 * runtime/cli.c - kvrt_main: the built executable's command line (SPEC §5,
 * §8, §9, §10), the walk over input files (--follow, resuming with --data),
 * output flushing and the end of each input batch (--data's group commit),
 * --save on every exit path that can, and the exit statuses:
 *   0 ok · 1 stopped on trap · 2 usage · 3 malformed input · 4 I/O error ·
 *   5 guest failed to start · 128+N stopped by signal N.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "datadir.h"
#include "evline.h"
#include "guestio.h"
#include "input.h"
#include "journal.h"
#include "kv_redis.h"
#include "loop.h"
#include "memory.h"
#include "os.h"
#include "snapshot.h"
#include "stats.h"
#include "worker.h"

#ifndef KVRT_VERSION
#define KVRT_VERSION "0.1.0"
#endif

enum { EXIT_TRAP = 1, EXIT_USAGE = 2, EXIT_BAD_INPUT = 3, EXIT_IO = 4, EXIT_START = 5 };

typedef struct cli {
    const char *prog;
    const char *load, *save;
    const char *guest_output;           /* --guest-output FILE|none, NULL = stderr */
    bool skip_bad, stats, follow;
    kvrt_loop_opts lo;
    kvrt_ctx ctx;
    kvrt_latency lat;
    bool out_failed;
    /* --data DIR (datadir.h) */
    const char *data;
    kvrt_fsync_mode fsync;
    uint64_t checkpoint_mb;
    bool fsync_given, checkpoint_given;
    kvrt_datadir dd;
    bool data_failed;
    /* --store URL (kv_redis.h): NULL = in memory */
    const char *store_url;
    const char *events_url;             /* --events redis-stream://... (worker.h) */
    kvrt_stream_url events;
    uint64_t redis_timeout;
    bool retries_given, redis_timeout_given;
} cli;

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
        "usage: %s [OPTIONS] [EVENTS_FILE|-]...\n"
        "Reads watch events (one per line, text or JSON) from the files, or stdin,\n"
        "applies them to an in-memory key-value store, calls the guest's on-set /\n"
        "on-delete, and prints the guest's own mutations on stdout.\n"
        "\n"
        "  --format text|json   output format (default text)\n"
        "  --load FILE          preload the store from FILE (no handlers, no output)\n"
        "  --save FILE          write the final store to FILE (atomically)\n"
        "  --on-trap continue|stop   after a guest trap (default continue)\n"
        "  --timeout MS         per-event time limit for the guest (default none)\n"
        "  --max-memory MIB     cap on guest linear memory\n"
        "  --skip-bad           report malformed event lines and go on\n"
        "  --max-handles N      live handles per instance (default 65536, at most %u)\n"
        "  --max-value BYTES    largest outgoing-value body (default 67108864)\n"
        "  --stats              summary on stderr at exit\n"
        "  --guest-output FILE|none  where the guest's own output (WASI fd 1/2,\n"
        "                       stdout/stderr streams) goes (default: stderr)\n"
        "  --env NAME=VALUE     an environment variable the guest sees (repeatable;\n"
        "                       the host environment is never passed on)\n"
        "  --data DIR           keep the store in DIR (snapshot + journal): it survives\n"
        "                       any crash, and a restart resumes where the committed\n"
        "                       work ends\n"
        "  --fsync always|everysec|no   with --data: when the journal is fsynced\n"
        "                       (default everysec)\n"
        "  --checkpoint-mb N    with --data: a new snapshot when the journal passes\n"
        "                       N MiB (default 64), and at every clean exit\n"
        "  --follow             at the end of the last input file, wait for it to grow\n"
        "                       (like tail -f) until SIGINT/SIGTERM\n"
        "  --store URL          keep the store in Redis: redis://HOST[:PORT][/DB] or\n"
        "                       unix:///PATH[?db=N]; several processes can share it\n"
        "  --retries N          with --store: runs of an event whose commit conflicted\n"
        "                       with another client before it counts as a trap (default 16)\n"
        "  --redis-timeout MS   with --store: how long a lost connection is retried\n"
        "                       (default 10000)\n"
        "  --events URL         with --store: take the events from a Redis stream as one\n"
        "                       worker of a consumer group, until SIGINT/SIGTERM:\n"
        "                       redis-stream://HOST[:PORT][/DB]?stream=S&group=G[&consumer=C]\n"
        "                       [&block=MS&batch=N&claim-idle=MS&max-deliveries=N\n"
        "                       &order=stream|free] (or redis-stream+unix:///PATH?...)\n"
        "  -h, --help           this help\n"
        "  --version            version\n"
        "exit: 0 ok, 1 stopped on trap, 2 usage, 3 malformed input, 4 I/O error,\n"
        "      5 guest failed to start, 128+N killed by signal N (store saved)\n",
        prog, KVRT_HANDLE_MAX_SLOTS);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

static void flush_out(cli *c)
{
    kvrt_buf *out = &c->ctx.out;
    if (out->len == 0 || c->out_failed)
        return;
    if (kvrt_os_write_all(1, out->data, out->len) != 0) {
        fprintf(stderr, "%s: cannot write output: %s\n", c->prog, strerror(errno));
        c->out_failed = true;
    }
    out->len = 0;
}

/* The end of a batch (the input is about to be read again): the output
 * first, then, with --data, the batch's journal records (SPEC §9's order)
 * and a checkpoint when the journal has grown past --checkpoint-mb.
 * Returns when it wants to be called again (an everysec fsync due). */
static uint64_t end_batch(void *arg)
{
    cli *c = arg;
    flush_out(c);
    if (c->ctx.durable == NULL || c->data_failed)
        return 0;
    if (kvrt_datadir_flush(&c->dd, false) != 0 ||
        kvrt_datadir_checkpoint(&c->dd, c->ctx.store, false) != 0) {
        c->data_failed = true;
        return 0;
    }
    return kvrt_datadir_sync_due(&c->dd);
}

/* --events: a stream on the --store server, no event files, a BLOCK
 * shorter than the socket timeout. -1 when fine, else an exit status. */
static int check_events(cli *c, int nfiles)
{
    char why[600];
    if (kvrt_stream_url_parse(c->events_url, true, &c->events, why, sizeof why) != 0) {
        fprintf(stderr, "%s: --events: %s\n", c->prog, why);
        return EXIT_USAGE;
    }
    if (c->store_url == NULL || nfiles > 0 || c->data != NULL || c->follow || c->load != NULL) {
        fprintf(stderr, "%s: --events takes the events from the stream, into the store of "
                "--store: give --store, and no event files, --data, --follow or --load\n", c->prog);
        return EXIT_USAGE;
    }
    kvrt_redis_addr st;
    if (kvrt_redis_addr_parse(c->store_url, &st, why, sizeof why) != 0)
        return -1;  /* said by open_store */
    char a[600], b[600];
    kvrt_redis_addr_format(&st, a, sizeof a);
    kvrt_redis_addr_format(&c->events.addr, b, sizeof b);
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "%s: --events must name the server and database of --store (%s, not %s): "
                "the entry's ack is part of the store's commit\n", c->prog, a, b);
        return EXIT_USAGE;
    }
    if (c->events.block_ms >= c->redis_timeout) {
        fprintf(stderr, "%s: --events: block=%u must be shorter than --redis-timeout %llu\n",
                c->prog, c->events.block_ms, (unsigned long long)c->redis_timeout);
        return EXIT_USAGE;
    }
    return -1;
}

static void flush_cb(void *arg)
{
    flush_out(arg);
}

/* Returns -1 to continue, or an exit status. */
static int parse_args(cli *c, int argc, char **argv, int *first_file)
{
    enum { O_FORMAT = 256, O_LOAD, O_SAVE, O_ONTRAP, O_TIMEOUT, O_MAXMEM, O_SKIPBAD,
           O_MAXH, O_MAXV, O_STATS, O_VERSION, O_GUEST_OUTPUT, O_ENV, O_DATA, O_FSYNC,
           O_CHECKPOINT, O_FOLLOW, O_STORE, O_RETRIES, O_REDIS_TIMEOUT, O_EVENTS };
    static const struct option opts[] = {
        {"format", required_argument, 0, O_FORMAT},
        {"load", required_argument, 0, O_LOAD},
        {"save", required_argument, 0, O_SAVE},
        {"on-trap", required_argument, 0, O_ONTRAP},
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"max-memory", required_argument, 0, O_MAXMEM},
        {"skip-bad", no_argument, 0, O_SKIPBAD},
        {"max-handles", required_argument, 0, O_MAXH},
        {"max-value", required_argument, 0, O_MAXV},
        {"stats", no_argument, 0, O_STATS},
        {"guest-output", required_argument, 0, O_GUEST_OUTPUT},
        {"env", required_argument, 0, O_ENV},
        {"data", required_argument, 0, O_DATA},
        {"fsync", required_argument, 0, O_FSYNC},
        {"checkpoint-mb", required_argument, 0, O_CHECKPOINT},
        {"follow", no_argument, 0, O_FOLLOW},
        {"store", required_argument, 0, O_STORE},
        {"retries", required_argument, 0, O_RETRIES},
        {"redis-timeout", required_argument, 0, O_REDIS_TIMEOUT},
        {"events", required_argument, 0, O_EVENTS},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION},
        {0, 0, 0, 0},
    };
    uint64_t v;
    int ch, which = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+h", opts, &which)) != -1) {
        switch (ch) {
        case O_FORMAT:
            if (strcmp(optarg, "text") == 0)
                c->ctx.format = KVRT_FMT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                c->ctx.format = KVRT_FMT_JSON;
            else
                goto bad_value;
            break;
        case O_LOAD: c->load = optarg; break;
        case O_SAVE: c->save = optarg; break;
        case O_ONTRAP:
            if (strcmp(optarg, "continue") == 0)
                c->lo.stop_on_trap = false;
            else if (strcmp(optarg, "stop") == 0)
                c->lo.stop_on_trap = true;
            else
                goto bad_value;
            break;
        case O_TIMEOUT:
            if (!parse_u64(optarg, 86400000, &v))
                goto bad_value;
            c->lo.timeout_ms = (uint32_t)v;
            break;
        case O_MAXMEM:
            if (!parse_u64(optarg, 4096, &v) || v == 0)
                goto bad_value;
            c->ctx.limits.max_memory_pages = (uint32_t)(v * 16);
            break;
        case O_SKIPBAD: c->skip_bad = true; break;
        case O_MAXH:
            if (!parse_u64(optarg, KVRT_HANDLE_MAX_SLOTS, &v) || v < 2)
                goto bad_value;
            c->ctx.limits.max_handles = (uint32_t)v;
            break;
        case O_MAXV:
            if (!parse_u64(optarg, (uint64_t)SIZE_MAX / 4, &v))
                goto bad_value;
            c->ctx.limits.max_value = v;
            break;
        case O_STATS: c->stats = true; break;
        case O_GUEST_OUTPUT: c->guest_output = optarg; break;
        case O_DATA: c->data = optarg; break;
        case O_FSYNC:
            if (strcmp(optarg, "always") == 0)
                c->fsync = KVRT_FSYNC_ALWAYS;
            else if (strcmp(optarg, "everysec") == 0)
                c->fsync = KVRT_FSYNC_EVERYSEC;
            else if (strcmp(optarg, "no") == 0)
                c->fsync = KVRT_FSYNC_NO;
            else
                goto bad_value;
            c->fsync_given = true;
            break;
        case O_CHECKPOINT:
            if (!parse_u64(optarg, 1u << 20, &v))
                goto bad_value;
            c->checkpoint_mb = v;
            c->checkpoint_given = true;
            break;
        case O_FOLLOW: c->follow = true; break;
        case O_STORE: c->store_url = optarg; break;
        case O_EVENTS: c->events_url = optarg; break;
        case O_RETRIES:
            if (!parse_u64(optarg, 1000000, &v))
                goto bad_value;
            c->lo.retries = (uint32_t)v;
            c->retries_given = true;
            break;
        case O_REDIS_TIMEOUT:
            if (!parse_u64(optarg, 86400000, &v) || v == 0)
                goto bad_value;
            c->redis_timeout = v;
            c->redis_timeout_given = true;
            break;
        case O_ENV:
            if (kvrt_guestio_add_env(&c->ctx.wasi, optarg) != 0) {
                if (errno == ENOMEM) {
                    fprintf(stderr, "%s: out of memory\n", c->prog);
                    return EXIT_IO;
                }
                fprintf(stderr, "%s: --env takes NAME=VALUE with a non-empty NAME: '%s'\n",
                        c->prog, optarg);
                fprintf(stderr, "try '%s --help'\n", c->prog);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout, c->prog);
            return 0;
        case O_VERSION:
            printf("%s (kvaot runtime %s)\n", c->prog, KVRT_VERSION);
            return 0;
        default:
            fprintf(stderr, "%s: unknown option or missing value: %s\n", c->prog,
                    argv[optind - 1]);
            fprintf(stderr, "try '%s --help'\n", c->prog);
            return EXIT_USAGE;
        }
    }
    *first_file = optind;
    if (c->data == NULL && (c->fsync_given || c->checkpoint_given)) {
        fprintf(stderr, "%s: --%s only goes with --data DIR\n", c->prog,
                c->fsync_given ? "fsync" : "checkpoint-mb");
        return EXIT_USAGE;
    }
    if (c->store_url == NULL && (c->retries_given || c->redis_timeout_given)) {
        fprintf(stderr, "%s: --%s only goes with --store URL\n", c->prog,
                c->retries_given ? "retries" : "redis-timeout");
        return EXIT_USAGE;
    }
    if (c->events_url != NULL) {
        int st = check_events(c, argc - optind);
        if (st >= 0)
            return st;
    }
    if (c->store_url != NULL && c->data != NULL) {
        fprintf(stderr, "%s: --store and --data are two different homes for the store: "
                "give one\n", c->prog);
        return EXIT_USAGE;
    }
    /* Positions are kept per input name: one given twice could not be
     * resumed. */
    for (int i = optind; c->data != NULL && i < argc; i++) {
        for (int j = optind; j < i; j++) {
            if (strcmp(argv[i], argv[j]) == 0) {
                fprintf(stderr, "%s: with --data, each input may be given once ('%s' is "
                        "given twice)\n", c->prog, argv[i]);
                return EXIT_USAGE;
            }
        }
    }
    return -1;
bad_value:
    fprintf(stderr, "%s: invalid value for --%s: '%s'\n", c->prog, opts[which].name, optarg);
    fprintf(stderr, "try '%s --help'\n", c->prog);
    return EXIT_USAGE;
}

/* What an event's result means for the run: -1 to go on, else an exit
 * status. */
static int status_after(cli *c, kvrt_evres er, const kvrt_input *in)
{
    if (er == KVRT_EV_TRAPPED) {
        if (c->lo.stop_on_trap)
            return EXIT_TRAP;
        if (kvrt_os_stop_signal() != 0)
            return -1;      /* the loop stops on the signal next */
        /* The trapped instance is gone: make the fresh one now, so its
         * initialize runs (and prints) right after the trap, before the
         * next event is read. */
        er = kvrt_loop_ensure_instance(&c->ctx, &c->lo);
    }
    if (er == KVRT_EV_START_FAILED)
        return EXIT_START;
    if (er == KVRT_EV_STORE_LOST)
        return EXIT_IO;
    if (er == KVRT_EV_NOMEM) {
        /* The event may be in the store and not in the journal: no
         * checkpoint may make it look committed. */
        c->data_failed = c->ctx.durable != NULL;
        fprintf(stderr, "%s: %s:%llu: out of memory\n", c->prog, in->name,
                (unsigned long long)in->line);
        return EXIT_IO;
    }
    return -1;
}

/* Events of one input (`last`: the last one, which --follow follows).
 * Returns -1 to go on with the next input, else an exit status. */
static int run_input(cli *c, const char *path, bool last, kvrt_evparser *p)
{
    kvrt_input in;
    if (kvrt_input_open(&in, path) != 0) {
        fprintf(stderr, "%s: %s: cannot open: %s\n", c->prog, path, strerror(errno));
        return EXIT_IO;
    }
    in.flush = end_batch;
    in.flush_arg = c;
    in.follow = c->follow && last;
    int status = -1;
    if (c->ctx.durable != NULL && (status = kvrt_datadir_resume(&c->dd, &in, path)) == 0)
        status = -1;
    while (status < 0) {
        if (kvrt_os_stop_signal() != 0) {
            status = 128 + kvrt_os_stop_signal();
            break;
        }
        const uint8_t *line;
        size_t len;
        int r = kvrt_input_next(&in, &line, &len);
        if (r == 0) {
            /* --follow ends its wait on SIGINT/SIGTERM as at an end */
            if (kvrt_os_stop_signal() != 0)
                status = 128 + kvrt_os_stop_signal();
            break;
        }
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (in.shrank)
                fprintf(stderr, "%s: %s: the file got shorter while it was followed "
                        "(truncated?)\n", c->prog, in.name);
            else
                fprintf(stderr, "%s: %s: read error: %s\n", c->prog, in.name, strerror(errno));
            status = EXIT_IO;
            break;
        }
        kvrt_event ev;
        kvrt_everr err;
        kvrt_lineres lr = kvrt_evline_parse(p, line, len, &ev, &err);
        if (lr == KVRT_LINE_SKIP)
            continue;
        if (lr == KVRT_LINE_ERROR) {
            fprintf(stderr, "%s: %s:%llu:%zu: %s\n", c->prog, in.name,
                    (unsigned long long)in.line, err.col, err.msg);
            c->ctx.stats.bad_lines++;
            if (!c->skip_bad)
                status = EXIT_BAD_INPUT;
            continue;
        }
        kvrt_inpos pos = { (const uint8_t *)path, strlen(path), in.offset, in.line, len, 0,
                           line };
        if (c->ctx.durable != NULL)
            pos.last_crc = kvrt_journal_crc(line, len);
        uint64_t t0 = c->stats ? kvrt_os_now_ns() : 0;
        kvrt_evres er = kvrt_loop_event(&c->ctx, &c->lo, &ev, in.name, in.line, &pos);
        if (c->stats)
            kvrt_latency_add(&c->lat, kvrt_os_now_ns() - t0);
        status = status_after(c, er, &in);
        if (c->ctx.out.len >= (1u << 20))
            flush_out(c);
        if ((c->out_failed || c->data_failed) && status < 0)
            status = EXIT_IO;
    }
    kvrt_input_close(&in);
    return status;
}

/* --load: in memory, line by line; into Redis, as one transaction (a
 * malformed line leaves Redis as it was). */
static int load_store(cli *c)
{
    if (c->ctx.store != NULL)
        return kvrt_snapshot_load(&c->ctx, c->load, c->prog);
    const kvrt_kv_ops *ops = c->ctx.kv.ops;
    for (;;) {
        ops->begin(c->ctx.kv.self);
        int st = kvrt_snapshot_load(&c->ctx, c->load, c->prog);
        if (st != 0) {
            ops->rollback(c->ctx.kv.self);
            return st;
        }
        kvrt_commit_res cr = ops->commit(c->ctx.kv.self);
        if (cr == KVRT_COMMIT_OK)
            return 0;
        if (cr == KVRT_COMMIT_FAILED) {
            fprintf(stderr, "%s: --load %s: %s\n", c->prog, c->load, ops->why(c->ctx.kv.self));
            return EXIT_IO;
        }
    }
}

/* The store's home: memory, or the Redis of --store. Returns -1 to go on,
 * else an exit status. */
static int open_store(cli *c)
{
    if (c->store_url == NULL) {
        c->ctx.store = kvrt_store_new();
        if (c->ctx.store == NULL) {
            fprintf(stderr, "%s: out of memory\n", c->prog);
            return EXIT_IO;
        }
        c->ctx.kv = kvrt_kv_mem(c->ctx.store);
        return -1;
    }
    kvrt_redis_addr a;
    char why[600];
    if (kvrt_redis_addr_parse(c->store_url, &a, why, sizeof why) != 0) {
        fprintf(stderr, "%s: --store: %s\n", c->prog, why);
        return EXIT_USAGE;
    }
    if (kvrt_kv_redis_open(&a, (int)c->redis_timeout, &c->ctx.kv, why, sizeof why) != 0) {
        fprintf(stderr, "%s: --store: %s\n", c->prog, why);
        return EXIT_IO;
    }
    return -1;
}

/* --save: the in-memory store, or a dump of Redis. 0 or -1 (reported). */
static int save_store(cli *c)
{
    if (c->ctx.store != NULL)
        return kvrt_snapshot_save(c->ctx.store, c->save, c->prog);
    kvrt_store *s = kvrt_store_new();
    if (s == NULL || kvrt_kv_redis_dump(&c->ctx.kv, s) != 0) {
        fprintf(stderr, "%s: --save %s: cannot read the store: %s\n", c->prog, c->save,
                s ? c->ctx.kv.ops->why(c->ctx.kv.self) : "out of memory");
        kvrt_store_free(s);
        return -1;
    }
    int rc = kvrt_snapshot_save(s, c->save, c->prog);
    kvrt_store_free(s);
    return rc;
}

/* --data: open DIR (replaying its state into the store), then --load into
 * a DIR that held nothing, made durable by a checkpoint at once. Returns
 * -1 to go on, else an exit status. */
static int open_state(cli *c)
{
    bool had = false;
    if (c->data != NULL) {
        int st = kvrt_datadir_open(&c->dd, c->data, c->fsync, c->checkpoint_mb << 20, &c->ctx,
                                   c->prog, &had);
        if (st != 0)
            return st;
        if (had && c->load != NULL) {
            fprintf(stderr, "%s: --load with --data: %s already holds a store (start with "
                    "an empty directory to load one)\n", c->prog, c->data);
            return EXIT_USAGE;
        }
    }
    if (c->load != NULL) {
        int st = load_store(c);
        if (st != 0)
            return st;
        if (c->data != NULL && kvrt_datadir_checkpoint(&c->dd, c->ctx.store, true) != 0)
            return EXIT_IO;
    }
    if (c->data != NULL)
        c->ctx.durable = &c->dd;
    return -1;
}

/* --data at exit: everything committed is written; a checkpoint at every
 * exit but a failure to start (which saves nothing) or a --data failure. */
static int close_state(cli *c, int status)
{
    if (c->ctx.durable == NULL)
        return status;
    bool ok = !c->data_failed && !c->dd.failed;
    if (ok && status != EXIT_START)
        ok = kvrt_datadir_checkpoint(&c->dd, c->ctx.store, true) == 0;
    else if (ok)
        ok = kvrt_datadir_flush(&c->dd, c->fsync != KVRT_FSYNC_NO) == 0;
    return ok || status != 0 ? status : EXIT_IO;
}

int kvrt_main(int argc, char **argv, const kvrt_guest *guest)
{
    static cli c;
    char stack_here;
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    c.prog = argc > 0 ? (slash ? slash + 1 : argv[0]) : "app";
    kvrt_ctx_init(&c.ctx, guest);
    kvrt_set_stack_floor(&c.ctx.head, kvrt_os_stack_floor(&stack_here));
    c.lo.prog = c.prog;
    c.checkpoint_mb = 64;
    c.lo.retries = 16;
    c.redis_timeout = 10000;
    int first = 1;
    int status = parse_args(&c, argc, argv, &first);
    if (status >= 0)
        return status;
    kvrt_handles_init(&c.ctx.handles, c.ctx.limits.max_handles);   /* the parsed limit */
    kvrt_memory_set_limit(c.ctx.limits.max_memory_pages);
    if (kvrt_guestio_open(&c.ctx.wasi, c.guest_output) != 0) {
        fprintf(stderr, "%s: --guest-output %s: cannot open: %s\n", c.prog, c.guest_output,
                strerror(errno));
        return EXIT_IO;
    }
    kvrt_os_ignore_sigpipe();
    status = open_store(&c);
    if (status >= 0)
        return status;
    status = open_state(&c);
    if (status >= 0)
        return status;
    wasm_rt_init();
    kvrt_os_signals(&c.ctx);
    uint64_t t0 = kvrt_os_now_ns();
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    status = -1;
    if (kvrt_loop_ensure_instance(&c.ctx, &c.lo) != KVRT_EV_OK)
        status = EXIT_START;
    kvrt_worker w;
    memset(&w, 0, sizeof w);
    if (status < 0 && c.events_url != NULL) {
        w.ctx = &c.ctx;
        w.lo = &c.lo;
        w.url = &c.events;
        w.flush = flush_cb;
        w.flush_arg = &c;
        status = kvrt_worker_run(&w);
    }
    if (status < 0 && first >= argc)
        status = run_input(&c, "-", true, &p);
    for (int i = first; i < argc && status < 0; i++)
        status = run_input(&c, argv[i], i == argc - 1, &p);
    if (status < 0)
        status = 0;
    if (status == 0 && c.ctx.stats.bad_lines > 0 && !c.skip_bad)
        status = EXIT_BAD_INPUT;
    flush_out(&c);
    if (c.out_failed && status == 0)
        status = EXIT_IO;
    status = close_state(&c, status);
    if (c.save != NULL && status != EXIT_START && save_store(&c) != 0 && status == 0)
        status = EXIT_IO;
    if (c.stats) {
        kvrt_stats_print(stderr, c.prog, &c.ctx.stats, &c.lat, kvrt_os_now_ns() - t0);
        if (c.ctx.durable != NULL)
            kvrt_datadir_print_stats(&c.dd, stderr, c.prog);
        if (c.events_url != NULL)
            kvrt_worker_print_stats(&w, stderr, c.prog);
        if (c.ctx.store == NULL) {
            fprintf(stderr, "%s: stats: retries %llu (commits that conflicted with other "
                    "clients)\n", c.prog, (unsigned long long)c.ctx.stats.retries);
            kvrt_kv_redis_print_stats(&c.ctx.kv, stderr, c.prog, c.ctx.stats.events);
        }
    }
    kvrt_evparser_fini(&p);
    kvrt_loop_drop_instance(&c.ctx);
    kvrt_ctx_fini(&c.ctx);
    if (c.data != NULL)
        kvrt_datadir_close(&c.dd);
    if (c.ctx.store != NULL)
        kvrt_store_free(c.ctx.store);
    else
        kvrt_kv_redis_close(&c.ctx.kv);
    kvrt_guestio_fini(&c.ctx.wasi);
    return status;
}
