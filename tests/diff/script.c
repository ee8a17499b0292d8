/*
 * tests/diff/script.c - a guest that runs the event's value as a script of
 * import calls, for the differential test (tests/diff/run.sh): random
 * scripts drive every import of the world through this guest, once in a
 * kvaot executable and once in the reference host (tests/diff/refhost.mjs),
 * and the two outputs and --save files must be the same.
 *
 * A script is ops separated by ';', an op's fields by ' '; in a field %HH is
 * the byte HH. Each op appends what it saw to a log, and the handler ends by
 * setting key "log" in the event's bucket to the log. Ops:
 *   b NAME        open bucket NAME and make it current (the event's at first)
 *   g K           get + consume-sync               log g=VALUE or g!TRACE
 *   G K N         get + consume-async, read N bytes at a time (N 1..9)
 *   s K V         set K = V through one output stream
 *   S K V1 V2     one outgoing-value: write V1, set K; write V2 on a second
 *                 stream, set K2 (= K + "2"): set copies the body so far
 *   d K           delete                           log d or d!TRACE
 *   e K           exists                           log e0 / e1
 *   i K N         increment by N                   log i=SUM or i!TRACE
 *   c K O N       compare-and-swap                 log c0 / c1 / c!TRACE
 *   m K1,K2..     get-many, each value consumed    log m=V1,V2.. or m!TRACE
 *   M K1=V1,..    set-many
 *   D K1,K2..     delete-many
 *   k             get-keys                         log k=K1,K2..
 *   r K N B       K = byte B (decimal) N times, by write-repeated
 *   x K L         get K, splice L bytes of it into a new value, forward
 *                 the rest after ":", set K + "x"
 *   v             consume-sync the event's value   log v=VALUE or v!TRACE
 *   a             consume-async the event's value, size, drop the value,
 *                 read all from the stream         log a=SIZE:VALUE
 *   z             size of the event's value        log z=N
 *   H N           open bucket "h" N times and keep the handles (they live
 *                 until the instance is thrown away: --max-handles)
 *   K             keep the event's incoming-value handle for a later event
 *                 (the host drops it when this handler returns)
 *   u             consume-sync the kept handle     log u!invalid (stale)
 *   w             write to a stream whose outgoing-value was dropped
 *                                                  log w!closed
 *   B             write-body of a dropped outgoing-value (its error case
 *                 has no payload: no error handle)  log B!err
 *   T             trap (unreachable)
 * and WASI preview 1 (SPEC §8.1; the guest output and the errno values
 * are compared, not clocks or random bytes):
 *   W FD TEXT     fd_write of TEXT to FD          log W=ERRNO:WRITTEN
 *   Z FD          fd_write with an iovec array outside memory  log Z=ERRNO
 *   O FD          fd_read of 16 bytes              log O=ERRNO:READ
 *   F FD          fd_fdstat_get                    log F=ERRNO:TYPE:FLAGS:BASE:INHERITING
 *   P FD          fd_prestat_get                   log P=ERRNO
 *   Q FD          fd_seek, fd_tell, fd_close       log Q=ERRNO,ERRNO,ERRNO
 *   E             environ_sizes_get + environ_get  log E=COUNT:SIZE:N=V,N=V..
 *   A             args_sizes_get                   log A=ERRNO:COUNT:SIZE
 *   C ID          clock_res_get, clock_time_get    log C=ERRNO,ERRNO
 *   R N           random_get of N bytes            log R=ERRNO
 *   Y             sched_yield                      log Y=ERRNO
 *   L             poll_oneoff of no subscriptions  log L=ERRNO
 *   N             path_open (not provided)         log N=ERRNO
 *   X CODE        proc_exit(CODE): a trap
 * and, built with -DSCRIPT_P2, WASI 0.2 imported by the guest itself (SPEC
 * §8.3; both namings, several @0.2.N versions), as `p SUB ...`:
 *   p o FD TEXT   get-stdout/-stderr, blocking-write-and-flush   log po=RES
 *   p w FD TEXT   check-write, write, flush, blocking-flush      log pw=RES:CW,RES,RES,RES
 *   p z FD N      write-zeroes N, blocking-write-zeroes-and-flush N  log pz=RES,RES
 *   p i N         get-stdin: read, blocking-read, skip, blocking-skip N,
 *                 subscribe + ready                  log pi=RES,RES,RES,RES:READY
 *   p s FD N      splice, blocking-splice N from stdin   log ps=RES,RES
 *   p e           get-environment, get-arguments, initial-cwd
 *                                                    log pe=N:K=V,..:ARGS:CWDTAG
 *   p t           get-terminal-stdin/-stdout/-stderr  log pt=TAG,TAG,TAG
 *   p c           clocks and pollables: now, resolution, subscribe-instant
 *                 and -duration, ready, block, poll   log pc=...
 *   p r N         random and insecure bytes (lengths), u64s, insecure-seed
 *   p d           get-directories                    log pd=LEN
 *   p h N         get-stdout N times, kept (they fill --max-handles)
 *   p x E         exit(ok) (E 0) or exit(err): a trap
 *   p b / k / m / q / f / g / D   traps: a bad stream handle, an input-stream
 *                 method on an output stream, a list outside memory, poll of
 *                 nothing, filesystem-error-code and to-debug-string of
 *                 handles that are no errors, a stream dropped twice
 * where RES is a result's tag, and for an error the stream-error case
 * (RES.1: closed).
 * Errors whose trace names a handle number ("invalid ...") are logged as
 * !invalid only: handle numbers are the host's own. on-delete sets key
 * "log" to "deleted KEY" and deletes KEY + "2" when present.
 */
#define KV_SCHEME_LEGACY
#include "kvguest.h"

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI(fd_write) uint32_t wasi_fd_write(uint32_t fd, const void *iovs, uint32_t n, uint32_t *written);
WASI(fd_read) uint32_t wasi_fd_read(uint32_t fd, const void *iovs, uint32_t n, uint32_t *nread);
WASI(fd_fdstat_get) uint32_t wasi_fd_fdstat_get(uint32_t fd, void *stat);
WASI(fd_prestat_get) uint32_t wasi_fd_prestat_get(uint32_t fd, void *prestat);
WASI(fd_seek) uint32_t wasi_fd_seek(uint32_t fd, int64_t off, uint32_t whence, uint64_t *pos);
WASI(fd_tell) uint32_t wasi_fd_tell(uint32_t fd, uint64_t *pos);
WASI(fd_close) uint32_t wasi_fd_close(uint32_t fd);
WASI(environ_sizes_get) uint32_t wasi_environ_sizes_get(uint32_t *count, uint32_t *size);
WASI(environ_get) uint32_t wasi_environ_get(uint8_t **environ, uint8_t *buf);
WASI(args_sizes_get) uint32_t wasi_args_sizes_get(uint32_t *count, uint32_t *size);
WASI(clock_res_get) uint32_t wasi_clock_res_get(uint32_t id, uint64_t *res);
WASI(clock_time_get) uint32_t wasi_clock_time_get(uint32_t id, uint64_t precision, uint64_t *t);
WASI(random_get) uint32_t wasi_random_get(void *buf, uint32_t len);
WASI(sched_yield) uint32_t wasi_sched_yield(void);
WASI(poll_oneoff) uint32_t wasi_poll_oneoff(const void *in, void *out, uint32_t n, uint32_t *nevents);
WASI(path_open) uint32_t wasi_path_open(uint32_t fd, uint32_t dirflags, const char *path,
                                        uint32_t path_len, uint32_t oflags, uint64_t base,
                                        uint64_t inheriting, uint32_t fdflags, uint32_t *opened);
WASI(proc_exit) _Noreturn void wasi_proc_exit(uint32_t code);

#ifdef SCRIPT_P2
#define P2(mod, name) __attribute__((import_module(mod), import_name(name)))
#define IO "cm32p2|wasi:io/streams@0.2.0"
#define POLL "wasi:io/poll@0.2.3"
#define MONO "wasi:clocks/monotonic-clock@0.2.0"
P2("wasi:cli/stdout@0.2.3", "get-stdout") uint32_t p2_get_stdout(void);
P2("cm32p2|wasi:cli/stderr@0.2.0", "get-stderr") uint32_t p2_get_stderr(void);
P2("wasi:cli/stdin@0.2.0", "get-stdin") uint32_t p2_get_stdin(void);
P2("wasi:cli/terminal-stdin@0.2.0", "get-terminal-stdin") void p2_terminal_stdin(void *ret);
P2("wasi:cli/terminal-stdout@0.2.0", "get-terminal-stdout") void p2_terminal_stdout(void *ret);
P2("wasi:cli/terminal-stderr@0.2.0", "get-terminal-stderr") void p2_terminal_stderr(void *ret);
P2("wasi:cli/environment@0.2.0", "get-environment") void p2_get_environment(void *ret);
P2("wasi:cli/environment@0.2.0", "get-arguments") void p2_get_arguments(void *ret);
P2("wasi:cli/environment@0.2.0", "initial-cwd") void p2_initial_cwd(void *ret);
P2("wasi:cli/exit@0.2.0", "exit") _Noreturn void p2_exit(uint32_t is_err);
P2(IO, "[method]output-stream.check-write") void p2_check_write(uint32_t s, void *ret);
P2(IO, "[method]output-stream.write") void p2_write(uint32_t s, const void *p, uint32_t n, void *ret);
P2(IO, "[method]output-stream.blocking-write-and-flush")
void p2_blocking_write(uint32_t s, const void *p, uint32_t n, void *ret);
P2(IO, "[method]output-stream.flush") void p2_flush(uint32_t s, void *ret);
P2(IO, "[method]output-stream.blocking-flush") void p2_blocking_flush(uint32_t s, void *ret);
P2(IO, "[method]output-stream.write-zeroes") void p2_write_zeroes(uint32_t s, uint64_t n, void *ret);
P2(IO, "[method]output-stream.blocking-write-zeroes-and-flush")
void p2_blocking_write_zeroes(uint32_t s, uint64_t n, void *ret);
P2(IO, "[method]output-stream.splice") void p2_splice(uint32_t s, uint32_t src, uint64_t n, void *ret);
P2(IO, "[method]output-stream.blocking-splice")
void p2_blocking_splice(uint32_t s, uint32_t src, uint64_t n, void *ret);
P2(IO, "[method]output-stream.subscribe") uint32_t p2_out_subscribe(uint32_t s);
P2(IO, "[method]input-stream.read") void p2_read(uint32_t s, uint64_t n, void *ret);
P2(IO, "[method]input-stream.blocking-read") void p2_blocking_read(uint32_t s, uint64_t n, void *ret);
P2(IO, "[method]input-stream.skip") void p2_skip(uint32_t s, uint64_t n, void *ret);
P2(IO, "[method]input-stream.blocking-skip") void p2_blocking_skip(uint32_t s, uint64_t n, void *ret);
P2(IO, "[method]input-stream.subscribe") uint32_t p2_in_subscribe(uint32_t s);
P2(IO, "[resource-drop]input-stream") void p2_drop_input(uint32_t s);
P2(IO, "[resource-drop]output-stream") void p2_drop_output(uint32_t s);
P2("wasi:io/error@0.2.0", "[method]error.to-debug-string") void p2_debug_string(uint32_t e, void *ret);
P2(POLL, "poll") void p2_poll(const uint32_t *in, uint32_t n, void *ret);
P2(POLL, "[method]pollable.ready") uint32_t p2_ready(uint32_t p);
P2(POLL, "[method]pollable.block") void p2_block(uint32_t p);
P2(POLL, "[resource-drop]pollable") void p2_drop_pollable(uint32_t p);
P2("wasi:clocks/wall-clock@0.2.0", "now") void p2_wall_now(void *ret);
P2("wasi:clocks/wall-clock@0.2.0", "resolution") void p2_wall_resolution(void *ret);
P2(MONO, "now") uint64_t p2_mono_now(void);
P2(MONO, "resolution") uint64_t p2_mono_resolution(void);
P2(MONO, "subscribe-instant") uint32_t p2_subscribe_instant(uint64_t when);
P2(MONO, "subscribe-duration") uint32_t p2_subscribe_duration(uint64_t ns);
P2("wasi:random/random@0.2.0", "get-random-bytes") void p2_random_bytes(uint64_t n, void *ret);
P2("wasi:random/random@0.2.0", "get-random-u64") uint64_t p2_random_u64(void);
P2("wasi:random/insecure@0.2.0", "get-insecure-random-bytes")
void p2_insecure_bytes(uint64_t n, void *ret);
P2("wasi:random/insecure@0.2.0", "get-insecure-random-u64") uint64_t p2_insecure_u64(void);
P2("wasi:random/insecure-seed@0.2.0", "insecure-seed") void p2_insecure_seed(void *ret);
P2("wasi:filesystem/preopens@0.2.0", "get-directories") void p2_get_directories(void *ret);
P2("wasi:filesystem/types@0.2.0", "filesystem-error-code")
void p2_filesystem_error_code(uint32_t e, void *ret);
#endif

#define MAX_FIELDS 4
#define MAX_LIST 16

typedef struct field {
    uint8_t *p;
    size_t n;
} field;

static kv_buf g_log;

static void log_str(const char *s) { kv_buf_str(&g_log, s); }
static void log_bytes(const void *p, size_t n) { kv_buf_add(&g_log, p, n); }

static void log_trace(kv_error err)
{
    kv_bytes t = kv_trace_take(err);
    log_str("!");
    if (kv_bytes_prefix(t.ptr, t.len, "invalid "))
        log_str("invalid");
    else
        log_bytes(t.ptr, t.len);
}

/* Decode %HH in place. */
static size_t unescape(uint8_t *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%' && i + 2 < n) {
            uint8_t hi = p[i + 1], lo = p[i + 2];
            int h = hi <= '9' ? hi - '0' : (hi | 0x20) - 'a' + 10;
            int l = lo <= '9' ? lo - '0' : (lo | 0x20) - 'a' + 10;
            p[o++] = (uint8_t)(h * 16 + l);
            i += 2;
        } else {
            p[o++] = p[i];
        }
    }
    return o;
}

static uint64_t num(field f)
{
    uint64_t v = 0;
    kv_parse_u64(f.p, f.n, &v);
    return v;
}

static void op_set(kv_bucket b, field k, field v)
{
    kv_bytes t;
    if (!kv_put(b, k.p, k.n, v.p, v.n, &t)) {
        log_str("s!");
        log_bytes(t.ptr, t.len);
    }
}

static void op_set_twice(kv_bucket b, field k, field v1, field v2)
{
    kv_outgoing_value ov = kv_new_outgoing_value();
    kv_ret_handle ws;
    kv_ret_u64 w;
    kv_ret_handle r;
    kv_outgoing_value_write_body(ov, &ws);
    kv_streams_write(ws.handle, v1.p, v1.n, &w);
    kv_streams_drop_output_stream(ws.handle);
    kv_set(b, (const char *)k.p, k.n, ov, &r);
    if (r.is_err)
        log_trace(r.handle);
    kv_outgoing_value_write_body(ov, &ws);
    kv_streams_write(ws.handle, v2.p, v2.n, &w);
    kv_streams_drop_output_stream(ws.handle);
    uint8_t *k2 = kv_alloc(k.n + 1, 1);
    memcpy(k2, k.p, k.n);
    k2[k.n] = '2';
    kv_set(b, (const char *)k2, k.n + 1, ov, &r);
    if (r.is_err)
        log_trace(r.handle);
    kv_drop_outgoing_value(ov);
}

static void op_get(kv_bucket b, field k)
{
    kv_ret_handle g;
    kv_get(b, (const char *)k.p, k.n, &g);
    log_str("g");
    if (g.is_err) {
        log_trace(g.handle);
        return;
    }
    kv_ret_list c;
    kv_incoming_value_consume_sync(g.handle, &c);
    if (c.is_err) {
        log_trace(c.u.err);
    } else {
        log_str("=");
        log_bytes(c.u.ok.ptr, c.u.ok.len);
    }
    /* a second consume is an error */
    kv_incoming_value_consume_sync(g.handle, &c);
    if (c.is_err)
        log_trace(c.u.err);
    kv_drop_incoming_value(g.handle);
}

static void read_all(kv_input_stream s, uint64_t chunk)
{
    unsigned reads = 0;
    for (;;) {
        kv_ret_read r;
        kv_streams_read(s, chunk, &r);
        reads++;
        if (r.is_err) {
            log_str("!closed");
            break;
        }
        log_bytes(r.data.ptr, r.data.len);
        if (r.eos)
            break;
    }
    log_str("#");
    kv_buf_u64(&g_log, reads);
}

/* Log tag; get K and open an input stream over its value (the value's
 * handle dropped at once): false, the error logged, when there is none. */
static bool open_stream(kv_bucket b, field k, const char *tag, kv_input_stream *s)
{
    kv_ret_handle g;
    kv_get(b, (const char *)k.p, k.n, &g);
    log_str(tag);
    if (g.is_err) {
        log_trace(g.handle);
        return false;
    }
    kv_ret_handle r;
    kv_incoming_value_consume_async(g.handle, &r);
    kv_drop_incoming_value(g.handle);
    if (r.is_err) {
        log_trace(r.handle);
        return false;
    }
    *s = r.handle;
    return true;
}

static void op_get_streamed(kv_bucket b, field k, field n)
{
    kv_input_stream s;
    if (!open_stream(b, k, "G", &s))
        return;
    uint64_t chunk = num(n);
    log_str("=");
    read_all(s, chunk == 0 ? 1 : chunk);
    kv_streams_drop_input_stream(s);
}

static void op_delete(kv_bucket b, field k)
{
    kv_ret_handle r;
    kv_delete(b, (const char *)k.p, k.n, &r);
    log_str("d");
    if (r.is_err)
        log_trace(r.handle);
}

static void op_exists(kv_bucket b, field k)
{
    kv_ret_bool r;
    kv_exists(b, (const char *)k.p, k.n, &r);
    if (r.is_err) {
        log_str("e");
        log_trace(r.u.err);
        return;
    }
    log_str(r.u.ok ? "e1" : "e0");
}

static void op_increment(kv_bucket b, field k, field n)
{
    kv_ret_u64 r;
    kv_increment(b, (const char *)k.p, k.n, num(n), &r);
    log_str("i");
    if (r.is_err) {
        log_trace(r.u.err);
        return;
    }
    log_str("=");
    kv_buf_u64(&g_log, r.u.ok);
}

static void op_cas(kv_bucket b, field k, field o, field n)
{
    kv_ret_bool r;
    kv_compare_and_swap(b, (const char *)k.p, k.n, num(o), num(n), &r);
    if (r.is_err) {
        log_str("c");
        log_trace(r.u.err);
        return;
    }
    log_str(r.u.ok ? "c1" : "c0");
}

/* Split f at ',' into keys (and, with vals, each at '=' into key and value). */
static size_t split_list(field f, kv_str *keys, field *vals)
{
    size_t n = 0, start = 0;
    if (f.n == 0)
        return 0;
    for (size_t i = 0; i <= f.n && n < MAX_LIST; i++) {
        if (i < f.n && f.p[i] != ',')
            continue;
        size_t klen = i - start;
        if (vals != NULL) {
            size_t eq = start;
            while (eq < i && f.p[eq] != '=')
                eq++;
            klen = eq - start;
            vals[n].p = f.p + (eq < i ? eq + 1 : i);
            vals[n].n = eq < i ? i - eq - 1 : 0;
        }
        keys[n].ptr = (const char *)f.p + start;
        keys[n].len = klen;
        n++;
        start = i + 1;
    }
    return n;
}

static void op_get_many(kv_bucket b, field f)
{
    kv_str keys[MAX_LIST];
    size_t n = split_list(f, keys, NULL);
    kv_ret_list r;
    kv_get_many(b, keys, n, &r);
    log_str("m");
    if (r.is_err) {
        log_trace(r.u.err);
        return;
    }
    log_str("=");
    const kv_incoming_value *ivs = (const kv_incoming_value *)r.u.ok.ptr;
    for (size_t i = 0; i < r.u.ok.len; i++) {
        kv_ret_list c;
        kv_incoming_value_consume_sync(ivs[i], &c);
        if (i > 0)
            log_str(",");
        if (c.is_err)
            log_trace(c.u.err);
        else
            log_bytes(c.u.ok.ptr, c.u.ok.len);
        kv_drop_incoming_value(ivs[i]);
    }
}

static void op_set_many(kv_bucket b, field f)
{
    kv_str keys[MAX_LIST];
    field vals[MAX_LIST];
    kv_key_value kvs[MAX_LIST];
    size_t n = split_list(f, keys, vals);
    for (size_t i = 0; i < n; i++)
        kvs[i] = (kv_key_value){keys[i].ptr, keys[i].len, kv_value_new(vals[i].p, vals[i].n)};
    kv_ret_handle r;
    kv_set_many(b, keys, n, kvs, n, &r);
    for (size_t i = 0; i < n; i++)
        kv_drop_outgoing_value(kvs[i].value);
    if (r.is_err) {
        log_str("M");
        log_trace(r.handle);
    }
}

static void op_delete_many(kv_bucket b, field f)
{
    kv_str keys[MAX_LIST];
    size_t n = split_list(f, keys, NULL);
    kv_ret_handle r;
    kv_delete_many(b, keys, n, &r);
    if (r.is_err) {
        log_str("D");
        log_trace(r.handle);
    }
}

static void op_keys(kv_bucket b)
{
    kv_bytes r;
    kv_get_keys(b, &r);
    const kv_str *ks = (const kv_str *)r.ptr;
    log_str("k=");
    for (size_t i = 0; i < r.len; i++) {
        if (i > 0)
            log_str(",");
        log_bytes(ks[i].ptr, ks[i].len);
    }
}

static void op_repeated(kv_bucket b, field k, field n, field byte)
{
    kv_outgoing_value ov = kv_new_outgoing_value();
    kv_ret_handle ws;
    kv_outgoing_value_write_body(ov, &ws);
    kv_ret_u64 w;
    kv_streams_write_repeated(ws.handle, (uint32_t)num(byte) & 0xff, num(n), &w);
    if (w.is_err)
        log_str("r!closed");
    kv_streams_drop_output_stream(ws.handle);
    kv_ret_handle r;
    kv_set(b, (const char *)k.p, k.n, ov, &r);
    if (r.is_err)
        log_trace(r.handle);
    kv_drop_outgoing_value(ov);
}

static void op_splice(kv_bucket b, field k, field l)
{
    kv_input_stream in;
    if (!open_stream(b, k, "x", &in))
        return;
    kv_outgoing_value ov = kv_new_outgoing_value();
    kv_ret_handle ws;
    kv_outgoing_value_write_body(ov, &ws);
    kv_ret_u64_bool sp;
    kv_streams_splice(ws.handle, in, num(l), &sp);
    log_str("=");
    kv_buf_u64(&g_log, sp.n);
    log_str(sp.eos ? "e" : "m");
    kv_ret_u64 w;
    kv_streams_write(ws.handle, ":", 1, &w);
    kv_ret_u64 fw;
    kv_streams_forward(ws.handle, in, &fw);
    log_str("+");
    kv_buf_u64(&g_log, fw.u.ok);
    kv_streams_drop_output_stream(ws.handle);
    kv_streams_drop_input_stream(in);
    uint8_t *kx = kv_alloc(k.n + 1, 1);
    memcpy(kx, k.p, k.n);
    kx[k.n] = 'x';
    kv_ret_handle r;
    kv_set(b, (const char *)kx, k.n + 1, ov, &r);
    if (r.is_err)
        log_trace(r.handle);
    kv_drop_outgoing_value(ov);
}

static void op_value_sync(kv_incoming_value iv)
{
    kv_ret_list c;
    kv_incoming_value_consume_sync(iv, &c);
    log_str("v");
    if (c.is_err) {
        log_trace(c.u.err);
        return;
    }
    log_str("=");
    log_bytes(c.u.ok.ptr, c.u.ok.len);
}

static bool g_dropped;
static kv_incoming_value g_kept;
static kv_bucket g_event_bucket;

static void op_value_async(kv_incoming_value iv)
{
    kv_ret_handle s;
    kv_incoming_value_consume_async(iv, &s);
    log_str("a");
    if (s.is_err) {
        log_trace(s.handle);
        return;
    }
    log_str("=");
    kv_buf_u64(&g_log, kv_size(iv));
    log_str(":");
    kv_drop_incoming_value(iv);
    g_dropped = true;
    read_all(s.handle, 5);
    kv_streams_drop_input_stream(s.handle);
}

static void op_orphan_write(void)
{
    kv_outgoing_value ov = kv_new_outgoing_value();
    kv_ret_handle ws;
    kv_outgoing_value_write_body(ov, &ws);
    kv_drop_outgoing_value(ov);
    kv_ret_u64 w;
    kv_streams_write(ws.handle, "x", 1, &w);
    log_str(w.is_err ? "w!closed" : "w=");
    kv_streams_drop_output_stream(ws.handle);
}

static void log_u64(uint64_t v) { kv_buf_u64(&g_log, v); }

static void log_hex(uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = digits[v & 15];
        v >>= 4;
    } while (v != 0);
    log_bytes(tmp + i, sizeof tmp - i);
}

/* Log TAG then the numbers separated by ':'. */
static void log_nums(const char *tag, const uint64_t *v, size_t n)
{
    log_str(tag);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            log_str(":");
        log_u64(v[i]);
    }
}

/* One WASI op (the letters of the banner's second list); false when c is
 * not one. */
static bool run_wasi_op(char c, field *f)
{
    uint32_t fd = (uint32_t)num(f[1]);
    switch (c) {
    case 'W': {
        uint32_t iov[2] = {(uint32_t)(uintptr_t)f[2].p, (uint32_t)f[2].n};
        uint32_t written = 0;
        uint32_t e = wasi_fd_write(fd, iov, 1, &written);
        log_nums("W=", (uint64_t[]){e, written}, 2);
        return true;
    }
    case 'Z': {
        uint32_t written = 0;
        log_str("Z=");
        log_u64(wasi_fd_write(fd, (const void *)(uintptr_t)0xfffffff0u, 1, &written));
        return true;
    }
    case 'O': {
        uint8_t *buf = kv_alloc(16, 1);
        uint32_t iov[2] = {(uint32_t)(uintptr_t)buf, 16};
        uint32_t nread = 99;
        uint32_t e = wasi_fd_read(fd, iov, 1, &nread);
        log_nums("O=", (uint64_t[]){e, nread}, 2);
        return true;
    }
    case 'F': {
        uint8_t st[24];
        memset(st, 0xee, sizeof st);
        uint32_t e = wasi_fd_fdstat_get(fd, st);
        uint16_t flags;
        uint64_t base, inh;
        memcpy(&flags, st + 2, 2);
        memcpy(&base, st + 8, 8);
        memcpy(&inh, st + 16, 8);
        log_str("F=");
        log_u64(e);
        if (e == 0) {
            log_str(":");
            log_u64(st[0]);
            log_str(":");
            log_u64(flags);
            log_str(":");
            log_hex(base);
            log_str(":");
            log_hex(inh);
            log_str(st[1] == 0 && st[4] == 0 && st[7] == 0 ? ":zeroed" : ":padding");
        }
        return true;
    }
    case 'P': {
        uint8_t pre[8];
        log_str("P=");
        log_u64(wasi_fd_prestat_get(fd, pre));
        return true;
    }
    case 'Q': {
        uint64_t pos;
        log_str("Q=");
        log_u64(wasi_fd_seek(fd, 0, 0, &pos));
        log_str(",");
        log_u64(wasi_fd_tell(fd, &pos));
        log_str(",");
        log_u64(wasi_fd_close(fd));
        return true;
    }
    case 'E': {
        uint32_t count = 0, size = 0;
        uint32_t e = wasi_environ_sizes_get(&count, &size);
        log_nums("E=", (uint64_t[]){e, count, size}, 3);
        if (e != 0 || count > 64)
            return true;
        uint8_t **ptrs = kv_alloc(4 * (count + 1), 4);
        uint8_t *buf = kv_alloc(size + 1, 1);
        log_str(":");
        log_u64(wasi_environ_get(ptrs, buf));
        for (uint32_t i = 0; i < count; i++) {
            log_str(i == 0 ? ":" : ",");
            log_str((const char *)ptrs[i]);
        }
        return true;
    }
    case 'A': {
        uint32_t count = 99, size = 99;
        uint32_t e = wasi_args_sizes_get(&count, &size);
        log_nums("A=", (uint64_t[]){e, count, size}, 3);
        return true;
    }
    case 'C': {
        uint64_t t;
        log_str("C=");
        log_u64(wasi_clock_res_get(fd, &t));
        log_str(",");
        log_u64(wasi_clock_time_get(fd, 1, &t));
        return true;
    }
    case 'R': {
        uint32_t n = fd > 256 ? 256 : fd;
        uint8_t *buf = kv_alloc(n + 1, 1);
        log_str("R=");
        log_u64(wasi_random_get(buf, n));
        return true;
    }
    case 'Y':
        log_str("Y=");
        log_u64(wasi_sched_yield());
        return true;
    case 'L': {
        uint32_t nevents = 99;
        uint8_t in[48], out[32];
        log_str("L=");
        log_u64(wasi_poll_oneoff(in, out, 0, &nevents));
        return true;
    }
    case 'N': {
        uint32_t opened;
        log_str("N=");
        log_u64(wasi_path_open(3, 0, "x", 1, 0, 0, 0, 0, &opened));
        return true;
    }
    case 'X':
        wasi_proc_exit(fd);
    default:
        return false;
    }
}

#ifdef SCRIPT_P2
/* Return areas (the largest is 16 bytes, 8-aligned). */
static _Alignas(8) uint8_t g_ret[16];

static uint32_t ret_u32(size_t off)
{
    uint32_t v;
    memcpy(&v, g_ret + off, 4);
    return v;
}

static uint64_t ret_u64(size_t off)
{
    uint64_t v;
    memcpy(&v, g_ret + off, 8);
    return v;
}

/* A result<T, stream-error> in g_ret whose error case is at off: RES. */
static void log_res(size_t off)
{
    log_u64(g_ret[0]);
    if (g_ret[0] != 0) {
        log_str(".");
        log_u64(g_ret[off]);
    }
}

/* The next RES of a list: ",RES". */
static void log_next_res(size_t off)
{
    log_str(",");
    log_res(off);
}

static uint32_t out_stream(field fd)
{
    return num(fd) == 2 ? p2_get_stderr() : p2_get_stdout();
}

static void p2_clocks(void)
{
    memset(g_ret, 0xee, sizeof g_ret);
    p2_wall_now(g_ret);
    log_str(ret_u32(8) < 1000000000u ? "now" : "now?");
    p2_wall_resolution(g_ret);
    log_str(ret_u32(8) < 1000000000u && (ret_u64(0) | ret_u32(8)) != 0 ? ",res" : ",res?");
    uint64_t t0 = p2_mono_now();
    log_str(p2_mono_now() >= t0 && p2_mono_resolution() > 0 ? ",mono" : ",mono?");
    uint32_t past = p2_subscribe_instant(t0);
    uint32_t zero = p2_subscribe_duration(0);
    uint32_t far = p2_subscribe_duration(1ull << 62);
    uint32_t far_instant = p2_subscribe_instant(~0ull);
    uint32_t out = p2_get_stdout();
    uint32_t out_ready = p2_out_subscribe(out);
    log_nums(",", (uint64_t[]){p2_ready(past), p2_ready(zero), p2_ready(far),
                               p2_ready(far_instant), p2_ready(out_ready)}, 5);
    p2_block(zero);
    p2_block(out_ready);
    uint32_t set[5] = {far, past, far_instant, out_ready, zero};
    p2_poll(set, 5, g_ret);
    const uint32_t *idx = (const uint32_t *)(uintptr_t)ret_u32(0);
    log_str(",poll");
    for (uint32_t i = 0, n = ret_u32(4); i < n; i++) {
        log_str(i == 0 ? "=" : "/");
        log_u64(idx[i]);
    }
    p2_drop_pollable(past);
    p2_drop_pollable(zero);
    p2_drop_pollable(far);
    p2_drop_pollable(far_instant);
    p2_drop_pollable(out_ready);
    p2_drop_output(out);
}

static void p2_environment(void)
{
    p2_get_environment(g_ret);
    const uint32_t *pairs = (const uint32_t *)(uintptr_t)ret_u32(0);
    uint32_t n = ret_u32(4);
    log_u64(n);
    for (uint32_t i = 0; i < n; i++) {
        log_str(i == 0 ? ":" : ",");
        log_bytes((const void *)(uintptr_t)pairs[4 * i], pairs[4 * i + 1]);
        log_str("=");
        log_bytes((const void *)(uintptr_t)pairs[4 * i + 2], pairs[4 * i + 3]);
    }
    p2_get_arguments(g_ret);
    log_str(":");
    log_u64(ret_u32(4));
    memset(g_ret, 0xee, sizeof g_ret);
    p2_initial_cwd(g_ret);
    log_str(":");
    log_u64(g_ret[0]);
}

/* One `p SUB ...` op (f[1] is SUB); false when SUB is not one. */
static bool run_p2_op(field *f)
{
    if (f[1].n != 1)
        return false;
    switch (f[1].p[0]) {
    case 'o': {
        uint32_t s = out_stream(f[2]);
        p2_blocking_write(s, f[3].p, (uint32_t)f[3].n, g_ret);
        log_str("po=");
        log_res(4);
        p2_drop_output(s);
        return true;
    }
    case 'w': {
        uint32_t s = out_stream(f[2]);
        log_str("pw=");
        p2_check_write(s, g_ret);
        log_res(8);
        log_str(":");
        log_u64(ret_u64(8));
        p2_write(s, f[3].p, (uint32_t)f[3].n, g_ret);
        log_next_res(4);
        p2_flush(s, g_ret);
        log_next_res(4);
        p2_blocking_flush(s, g_ret);
        log_next_res(4);
        p2_drop_output(s);
        return true;
    }
    case 'z': {
        uint32_t s = out_stream(f[2]);
        uint64_t n = num(f[3]) % 100;
        log_str("pz=");
        p2_write_zeroes(s, n, g_ret);
        log_res(4);
        p2_blocking_write_zeroes(s, n, g_ret);
        log_next_res(4);
        p2_drop_output(s);
        return true;
    }
    case 'i': {
        uint32_t in = p2_get_stdin();
        uint64_t n = num(f[2]);
        log_str("pi=");
        p2_read(in, n, g_ret);
        log_res(4);
        p2_blocking_read(in, n, g_ret);
        log_next_res(4);
        p2_skip(in, n, g_ret);
        log_next_res(8);
        p2_blocking_skip(in, n, g_ret);
        log_next_res(8);
        uint32_t ready = p2_in_subscribe(in);
        log_str(":");
        log_u64(p2_ready(ready));
        p2_drop_pollable(ready);
        p2_drop_input(in);
        return true;
    }
    case 's': {
        uint32_t out = out_stream(f[2]);
        uint32_t in = p2_get_stdin();
        log_str("ps=");
        p2_splice(out, in, num(f[3]), g_ret);
        log_res(8);
        p2_blocking_splice(out, in, num(f[3]), g_ret);
        log_next_res(8);
        p2_drop_input(in);
        p2_drop_output(out);
        return true;
    }
    case 'e':
        log_str("pe=");
        p2_environment();
        return true;
    case 't':
        log_str("pt=");
        memset(g_ret, 0xee, sizeof g_ret);
        p2_terminal_stdin(g_ret);
        log_u64(g_ret[0]);
        p2_terminal_stdout(g_ret);
        log_str(",");
        log_u64(g_ret[0]);
        p2_terminal_stderr(g_ret);
        log_str(",");
        log_u64(g_ret[0]);
        return true;
    case 'c':
        log_str("pc=");
        p2_clocks();
        return true;
    case 'r': {
        uint64_t n = num(f[2]) % 300;
        log_str("pr=");
        p2_random_bytes(n, g_ret);
        log_u64(ret_u32(4));
        p2_insecure_bytes(n, g_ret);
        log_str(",");
        log_u64(ret_u32(4));
        (void)p2_random_u64();
        (void)p2_insecure_u64();
        p2_insecure_seed(g_ret);
        return true;
    }
    case 'd':
        p2_get_directories(g_ret);
        log_str("pd=");
        log_u64(ret_u32(4));
        return true;
    case 'h':
        for (uint64_t i = 0, n = num(f[2]); i < n; i++)
            (void)p2_get_stdout();
        return true;
    case 'x': p2_exit(num(f[2]) != 0);
    case 'b': p2_blocking_write(0x7ffff, "x", 1, g_ret); return true;
    case 'k': p2_read(p2_get_stdout(), 1, g_ret); return true;
    case 'm': p2_blocking_write(p2_get_stdout(), (const void *)(uintptr_t)0xfffffff0u, 100, g_ret); return true;
    case 'q': p2_poll(NULL, 0, g_ret); return true;
    case 'f': p2_filesystem_error_code(p2_get_stdout(), g_ret); return true;
    case 'g': p2_debug_string(p2_subscribe_duration(0), g_ret); return true;
    case 'D': {
        uint32_t s = p2_get_stdout();
        p2_drop_output(s);
        p2_drop_output(s);
        return true;
    }
    default:
        return false;
    }
}
#endif

static void run_op(kv_bucket *cur, kv_incoming_value iv, field *f, size_t nf)
{
    if (nf == 0 || f[0].n != 1)
        return;
    field none = {(uint8_t *)"", 0};
    for (size_t i = nf; i < MAX_FIELDS; i++)
        f[i] = none;
    switch (f[0].p[0]) {
    case 'b': {
        kv_ret_handle r;
        kv_open_bucket((const char *)f[1].p, f[1].n, &r);
        if (r.is_err) {
            log_str("b");
            log_trace(r.handle);
            break;
        }
        if (*cur != g_event_bucket)
            kv_drop_bucket(*cur);
        *cur = r.handle;
        break;
    }
    case 'g': op_get(*cur, f[1]); break;
    case 'G': op_get_streamed(*cur, f[1], f[2]); break;
    case 's': op_set(*cur, f[1], f[2]); break;
    case 'S': op_set_twice(*cur, f[1], f[2], f[3]); break;
    case 'd': op_delete(*cur, f[1]); break;
    case 'e': op_exists(*cur, f[1]); break;
    case 'i': op_increment(*cur, f[1], f[2]); break;
    case 'c': op_cas(*cur, f[1], f[2], f[3]); break;
    case 'm': op_get_many(*cur, f[1]); break;
    case 'M': op_set_many(*cur, f[1]); break;
    case 'D': op_delete_many(*cur, f[1]); break;
    case 'k': op_keys(*cur); break;
    case 'r': op_repeated(*cur, f[1], f[2], f[3]); break;
    case 'x': op_splice(*cur, f[1], f[2]); break;
    case 'v': if (!g_dropped) op_value_sync(iv); break;
    case 'a': if (!g_dropped) op_value_async(iv); break;
    case 'z':
        if (!g_dropped) {
            log_str("z=");
            kv_buf_u64(&g_log, kv_size(iv));
        }
        break;
    case 'H':
        for (uint64_t i = 0, n = num(f[1]); i < n; i++) {
            kv_ret_handle r;
            kv_open_bucket("h", 1, &r);
            if (r.is_err) {
                log_str("H");
                log_trace(r.handle);
                break;
            }
        }
        break;
    case 'K': g_kept = iv; break;
    case 'u':
        if (g_kept != 0) {
            kv_ret_list c;
            kv_incoming_value_consume_sync(g_kept, &c);
            log_str("u");
            if (c.is_err)
                log_trace(c.u.err);
        }
        break;
    case 'w': op_orphan_write(); break;
    case 'B': {
        kv_outgoing_value ov = kv_new_outgoing_value();
        kv_drop_outgoing_value(ov);
        kv_ret_handle ws;
        kv_outgoing_value_write_body(ov, &ws);
        log_str(ws.is_err ? "B!err" : "B=ok");
        break;
    }
    case 'T': __builtin_trap();
#ifdef SCRIPT_P2
    case 'p': run_p2_op(f); break;
#endif
    default:
        run_wasi_op((char)f[0].p[0], f);
        break;
    }
    log_str(";");
}

KV_ON_SET void on_set(kv_bucket b, const char *key, size_t klen, kv_incoming_value iv)
{
    (void)key;
    (void)klen;
    g_log = (kv_buf){0};
    g_dropped = false;
    g_event_bucket = b;
    kv_ret_list c;
    /* The script is the event's value: read it through a second get, so
     * the event's own incoming-value stays unconsumed for the ops. */
    kv_ret_handle g;
    kv_get(b, key, klen, &g);
    if (g.is_err)
        __builtin_trap();
    kv_incoming_value_consume_sync(g.handle, &c);
    kv_drop_incoming_value(g.handle);
    uint8_t *s = c.u.ok.ptr;
    size_t n = c.u.ok.len;
    kv_bucket cur = b;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ';')
            continue;
        field f[MAX_FIELDS];
        size_t nf = 0, fs = start;
        for (size_t j = start; j <= i && nf < MAX_FIELDS; j++) {
            if (j < i && s[j] != ' ')
                continue;
            f[nf].p = s + fs;
            f[nf].n = unescape(s + fs, j - fs);
            nf++;
            fs = j + 1;
        }
        run_op(&cur, iv, f, nf);
        start = i + 1;
    }
    kv_put(b, "log", 3, g_log.data, g_log.len, NULL);
    if (cur != b)
        kv_drop_bucket(cur);
    kv_heap_reset();
}

KV_ON_DELETE void on_delete(kv_bucket b, const char *key, size_t klen)
{
    g_log = (kv_buf){0};
    log_str("deleted ");
    log_bytes(key, klen);
    kv_put(b, "log", 3, g_log.data, g_log.len, NULL);
    uint8_t *k2 = kv_alloc(klen + 1, 1);
    memcpy(k2, key, klen);
    k2[klen] = '2';
    kv_ret_handle r;
    kv_delete(b, (const char *)k2, klen + 1, &r);
    if (r.is_err)
        kv_drop_error(r.handle);
    kv_heap_reset();
}
