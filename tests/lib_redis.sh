# tests/lib_redis.sh - a redis-server of the test's own (never the default
# port: a unix socket in a short temp dir, no persistence), sourced by the
# runners that need one: tests/redis/run.sh, and tests/e2e and
# tests/hostile when STORE=redis (their equivalence pass: every case runs
# again against Redis, and its --save dump must equal the in-memory one's).
#
#   redis_start      starts it; sets $redis_dir, $redis_sock, $redis_url
#                    (unix://...); extra redis-server arguments may follow
#   redis_stop       stops it (by its pid) and removes the dir
#   redis_cli ARGS   redis-cli on its socket
#   redis_flush      FLUSHALL (a fresh store for the next case)
#   redis_drained S  wait until stream S's group has read and acked all
#   stop_workers     SIGTERM the stream workers in $workers, expect 143
#
# A runner calls redis_stop from its EXIT trap.

redis_dir=
redis_sock=
redis_url=

# have_redis: redis-server and redis-cli are installed.
have_redis() {
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1
}

redis_start() {
    [ -n "$redis_dir" ] || redis_dir=$(mktemp -d /tmp/kvr.XXXXXX)
    redis_sock=$redis_dir/r.sock
    redis_url=unix://$redis_sock
    rm -f "$redis_dir/r.pid"
    redis-server --port 0 --unixsocket "$redis_sock" --unixsocketperm 700 \
        --save '' --appendonly no --dir "$redis_dir" --daemonize yes \
        --pidfile "$redis_dir/r.pid" --logfile "$redis_dir/r.log" "$@" || return 1
    _i=0
    # ready when it answers and has written its pid file (after the socket)
    until [ "$(redis-cli -s "$redis_sock" ping 2>/dev/null)" = PONG ] && [ -s "$redis_dir/r.pid" ]; do
        _i=$((_i + 1))
        if [ "$_i" -gt 200 ]; then
            echo "redis-server did not start:" >&2
            sed -n '1,20p' "$redis_dir/r.log" >&2
            return 1
        fi
        sleep 0.05
    done
}

# redis_kill [SIGNAL]: stop the server, keep the dir (a restart can follow).
redis_kill() {
    [ -s "$redis_dir/r.pid" ] || return 0
    _p=$(cat "$redis_dir/r.pid")
    kill "${1:--TERM}" "$_p" 2>/dev/null || true
    _i=0
    while kill -0 "$_p" 2>/dev/null && [ "$_i" -lt 100 ]; do
        _i=$((_i + 1))
        sleep 0.05
    done
    kill -9 "$_p" 2>/dev/null || true
    rm -f "$redis_dir/r.pid"
}

redis_stop() {
    [ -n "$redis_dir" ] || return 0
    redis_kill
    rm -rf "$redis_dir"
    redis_dir=
}

redis_cli() {
    redis-cli -s "$redis_sock" "$@"
}

redis_flush() {
    redis_cli flushall >/dev/null
}

# redis_drained STREAM: every entry of STREAM read and acked by its
# consumer group (polls at most 60 s; 1 when it never is).
redis_drained() {
    _i=0
    while [ "$_i" -lt 600 ]; do
        case "$(redis_cli xinfo groups "$1" 2>/dev/null | tr '\n' ' ')" in
        *"pending 0 "*"lag 0 "*) return 0 ;;
        esac
        _i=$((_i + 1))
        sleep 0.1
    done
    return 1
}

# stop_workers: SIGTERM to each stream worker in $workers; each must exit
# 143 (wait_app and note: tests/lib_run.sh).
stop_workers() {
    for _p in $workers; do
        kill -TERM "$_p" 2>/dev/null || true
    done
    for _p in $workers; do
        wait_app "$_p" 30
        [ "$st" = 143 ] || note "a worker exited $st, expected 143"
    done
}

# ---- the equivalence pass of tests/e2e and tests/hostile (STORE=redis) -----
# Those runners define run_app EXTRA OUT ERR (their case's executable with
# the shell words EXTRA first, exit status in $status) and call:
#   store_pass_init SUITE   once: with STORE=redis, sets store_pass=yes and
#                           starts the server (stopped at exit)
#   store_pass_run OUT ERR  the case: against a fresh Redis with --save
#                           OUT.rsave when store_pass=yes, else as it is
#   store_pass_check OUT    then: the case once more in memory with --save
#                           OUT.msave; the dumps must be equal ($problems)

store_pass=no

store_pass_init() {
    [ "${STORE:-}" = redis ] || return 0
    if ! have_redis; then
        echo "$1: STORE=redis needs redis-server and redis-cli (scripts/install-deps.sh)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
    trap 'redis_stop' EXIT
    redis_start || { echo "0 passed, 1 failed"; exit 1; }
    store_pass=yes
    echo "$1: every case again with --store $redis_url (and --save compared)"
}

store_pass_run() {
    if [ "$store_pass" != yes ]; then
        run_app "" "$1" "$2"
        return
    fi
    redis_flush
    rm -f "$1.rsave" "$1.msave"
    _sp_out=$1
    run_app "--store \"\$redis_url\" --save \"\$_sp_out.rsave\"" "$1" "$2"
}

store_pass_check() {
    [ "$store_pass" = yes ] || return 0
    _sp_st=$status
    _sp_out=$1
    run_app "--save \"\$_sp_out.msave\"" "$1.mem" "$1.mem.err"
    status=$_sp_st
    if [ -f "$1.msave" ] || [ -f "$1.rsave" ]; then
        cmp -s "$1.msave" "$1.rsave" 2>/dev/null ||
            problems="${problems}--save dump differs from the in-memory store's; "
    fi
}
