#!/bin/sh
# tests/redis/run.sh - the store in Redis (--store, SPEC §10), against a
# redis-server this script starts itself (tests/lib_redis.sh: a unix socket
# in a temp dir, never a port):
#   order     a bucket of 700 keys with 80-byte values keeps insertion order
#             through get-keys and --save; delete-then-set goes to the end;
#             a trapped event's deletes come back at their places; all
#             compared with the in-memory store
#   load      --load writes into Redis (and a malformed file writes nothing)
#   u64       counters computed in the host: 2^64-1 + 0, + 1 (error,
#             unchanged), 007 + 0 -> 7, read back from Redis itself
#   conc      4 processes incrementing one counter N times each -> 4N, and
#             conflicts counted in --stats; 3 processes walking the same
#             compare-and-swap chain -> exactly one success per step
#   faults    unreachable at start (exit 4 naming the address); Redis killed
#             mid-run (exit 4; each event whole: the counter and the guest's
#             copy of it always equal); killed and restarted within
#             --redis-timeout (the run goes on, every event exactly once);
#             paused (SIGSTOP) past the socket timeout and resumed (the same);
#             a value larger than the server accepts (exit 4, nothing half)
#   usage     --store with --data, --retries without --store, a bad URL
#   tcp       redis://127.0.0.1:PORT/DB (a second server on a free port)
#   musl      a `kvaot build --musl` executable against Redis (skipped when
#             the musl runtime is not built)
#   publish   `kvaot publish`: text and JSON lines XADDed with fields op,
#             bucket, key, value; a malformed line (exit 3, FILE:LINE:COL,
#             the lines before it published); no server (exit 4); bad URLs
#   stream    workers on a stream (--events, SPEC §10.1): 1, 2 and 4 workers
#             with order=stream give the in-memory run's --save dump and
#             feed (S:feed); 3 with order=free on commutative events the same
#             store; kill -9 of one of two workers mid-stream and SIGSTOP of
#             one past claim-idle (the other claims: counters exact, nothing
#             applied twice); a stalling entry and a malformed one end in
#             S:dead; usage
#
# Guests: samples counters and batch (`make samples`), tests/cli/probe.wat.
# Environment: BUILD, KVAOT, KVAOT_FLAGS as the other runners; TESTS (a
# subset of the groups above); N (increments per process, default 300).
# Prints one line per test, then `N passed, M failed`; exits 1 on failure.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

BUILD=${BUILD:-build}
KVAOT=${KVAOT:-$BUILD/bin/kvaot}
KVAOT_FLAGS=${KVAOT_FLAGS:-}
TESTS=${TESTS:-order load u64 conc faults usage tcp musl publish stream}
N=${N:-300}
case $KVAOT in
/*) ;;
*) KVAOT="$root/$KVAOT" ;;
esac
build_abs=$(cd "$BUILD" && pwd)

bgpids=
tmp=$(mktemp -d /tmp/kvaot-redis.XXXXXX)
W="$tmp/w"
mkdir -p "$W" "$tmp/bin"
details="$tmp/details"

. "$root/tests/lib_redis.sh"

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    for p in $bgpids; do
        kill -9 "$p" 2>/dev/null || true
    done
    redis_stop
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if command -v timeout >/dev/null 2>&1; then
    limit="timeout 120"
else
    limit=
fi

. "$root/tests/lib_run.sh"

setup_fail() {
    echo "FAIL setup: $1"
    [ -f "$tmp/build.log" ] && sed -n '1,30p' "$tmp/build.log" | sed 's/^/    /'
    failed=1
    finish
    exit 1
}

have_redis || setup_fail "redis-server and redis-cli are needed (scripts/install-deps.sh)"
[ -x "$KVAOT" ] || setup_fail "$KVAOT not found (run make all)"
command -v wat2wasm >/dev/null 2>&1 || setup_fail "wat2wasm not found (Debian package wabt)"
for s in counters batch; do
    [ -f "$build_abs/samples/$s.wasm" ] || setup_fail "$build_abs/samples/$s.wasm missing (make samples)"
    eval "\"\$KVAOT\" build \"\$build_abs/samples/\$s.wasm\" -o \"\$tmp/bin/\$s\" $KVAOT_FLAGS" \
        >>"$tmp/build.log" 2>&1 || setup_fail "building $s failed"
done
wat2wasm "$root/tests/cli/probe.wat" -o "$tmp/probe.wasm" >>"$tmp/build.log" 2>&1 &&
    eval "\"\$KVAOT\" build \"\$tmp/probe.wasm\" -o \"\$tmp/bin/probe\" $KVAOT_FLAGS" \
        >>"$tmp/build.log" 2>&1 || setup_fail "building tests/cli/probe.wat failed"
C="$tmp/bin/counters"
B="$tmp/bin/batch"
P="$tmp/bin/probe"

redis_start || setup_fail "redis-server did not start"
cd "$W"

group() {
    case " $TESTS " in *" $1 "*) return 0 ;; esac
    return 1
}

# run APP ARGS...: stdout to out, stderr to err, status in $st.
run() {
    if $limit "$@" >out 2>err </dev/null; then st=0; else st=$?; fi
}

# same_as_memory NAME APP EVENTS [ARGS...]: the feed, status and --save dump
# with --store (a fresh Redis) equal the in-memory store's.
same_as_memory() {
    _name=$1 _app=$2 _ev=$3
    shift 3
    redis_flush
    run "$_app" --save mem.save "$@" "$_ev"
    _mst=$st
    cp out mem.out
    run "$_app" --store "$redis_url" --save red.save "$@" "$_ev"
    [ "$st" = "$_mst" ] || note "exit status $st with Redis, $_mst in memory"
    cmp -s mem.out out || { note "the feed differs"; diff mem.out out | sed -n '1,10p' >>"$details"; }
    cmp -s mem.save red.save || { note "the --save dump differs"; diff mem.save red.save | sed -n '1,10p' >>"$details"; }
    verdict "$_name"
}

# get_key BUCKET KEY: the raw value in Redis (layout of SPEC §10).
get_key() {
    redis_cli --raw get "kv:{=$1}:k:$2"
}

XS=$(printf '%080d' 0 | tr 0 x)

# ==== order ===================================================================
if group order; then
    {
        i=0
        while [ "$i" -lt 700 ]; do
            printf 'set o k%03d %s%03d\n' "$i" "$XS" "$i"
            i=$((i + 1))
        done
        echo "delete o k005"
        echo "set o k005 $XS-again"
        echo "set o k010 $XS-same-place"
        echo "set o q keys"
    } >order.ev
    same_as_memory "order: 700 keys, values over 64 bytes, get-keys" "$B" order.ev
    grep -q "^set out q k000,k001,k002,k003,k004,k006," out || note "get-keys does not start in insertion order"
    grep -q ",k699,k005,q\$" out || note "delete-then-set does not go to the end"
    [ "$(grep -c '^set o ' red.save)" = 701 ] || note "the dump has $(grep -c '^set o ' red.save) keys of o"
    verdict "order: get-keys order read back"

    {
        i=0
        while [ "$i" -lt 650 ]; do
            printf 'set p k%03d %s\n' "$i" "$XS"
            i=$((i + 1))
        done
        echo "set p a one"
        echo "set p c three"
        echo "set p delboom x"
        echo "set p delok x"
        echo "set p a again"
    } >rollback.ev
    same_as_memory "order: a trapped event's deletes restored at their places" "$P" rollback.ev
    grep -q 'trap in on-set' err || note "no trap reported"
    # delok: delete a, set a = new (end), delete c; then the event sets a again
    tail -n 3 red.save >tail3
    printf 'set p delboom x\nset p delok x\nset p a again\n' >want3
    cmp -s want3 tail3 || { note "the places after delok differ"; cat tail3 >>"$details"; }
    verdict "order: delete, set again, trap: places in the dump"
fi

# ==== load ====================================================================
if group load; then
    redis_flush
    printf 'set b1 k1 v1\nset b2 k2 "two words"\nset b1 k3 v3\ndelete b1 k1\nset b1 k1 back\n' >load.txt
    run "$C" --store "$redis_url" --load load.txt --save loaded.save /dev/null
    [ "$st" = 0 ] || note "exit status $st"
    printf 'set b1 k3 v3\nset b1 k1 back\nset b2 k2 two words\n' >want
    cmp -s want loaded.save || { note "the dump is not the loaded store"; cat loaded.save >>"$details"; }
    [ "$(get_key b2 k2)" = "two words" ] || note "b2/k2 is not in Redis"
    verdict "load: --load writes into Redis"

    printf 'set b9 k v\nset b9 "unterminated\n' >bad.txt
    run "$C" --store "$redis_url" --load bad.txt /dev/null
    [ "$st" = 3 ] || note "exit status $st, expected 3"
    [ -z "$(get_key b9 k)" ] || note "a malformed --load wrote into Redis"
    verdict "load: a malformed file writes nothing"
fi

# ==== u64 =====================================================================
if group u64; then
    redis_flush
    cat >u64.ev <<'EOF'
set c big 18446744073709551615
set c op inc big 0
set c op2 inc big 1
set c z 007
set c op3 inc z 0
set c m 18446744073709551614
set c op4 cas m 18446744073709551614 18446744073709551615
EOF
    run "$C" --store "$redis_url" u64.ev
    [ "$st" = 0 ] || note "exit status $st"
    [ "$(get_key c big)" = 18446744073709551615 ] || note "big is $(get_key c big)"
    [ "$(get_key c z)" = 7 ] || note "007 + 0 is $(get_key c z), expected 7"
    [ "$(get_key c m)" = 18446744073709551615 ] || note "cas to 2^64-1 gave $(get_key c m)"
    grep -qF 'set c ret error: counter overflow: "big" in bucket "c"' out ||
        note "2^64-1 + 1 is not a counter overflow error"
    verdict "u64: 2^64-1 + 0 / + 1, 007 + 0, cas at the top, in Redis"
fi

# ==== conc ====================================================================
if group conc; then
    redis_flush
    i=0
    : >inc.ev
    while [ "$i" -lt "$N" ]; do
        echo "set c op inc hits 1" >>inc.ev
        i=$((i + 1))
    done
    pids=
    for w in 1 2 3 4; do
        "$C" --store "$redis_url" --retries 200 --stats inc.ev >"inc$w.out" 2>"inc$w.err" &
        pids="$pids $!"
        bgpids="$bgpids $!"
    done
    for p in $pids; do
        wait_app "$p" 120
        [ "$st" = 0 ] || note "a worker exited $st"
    done
    [ "$(get_key c hits)" = $((4 * N)) ] || note "hits is $(get_key c hits), expected $((4 * N))"
    retries=$(sed -n 's/.*stats: retries \([0-9]*\).*/\1/p' inc1.err inc2.err inc3.err inc4.err |
        awk '{ s += $1 } END { print s + 0 }')
    [ "$retries" -gt 0 ] || note "no conflict counted in --stats"
    info="retries $retries"
    # each process printed each of its commits' sums once: 4N distinct sums
    sums=$(cat inc1.out inc2.out inc3.out inc4.out | grep -c '^set c ret ')
    distinct=$(cat inc1.out inc2.out inc3.out inc4.out | grep '^set c ret ' | sort -u | wc -l)
    [ "$sums" = $((4 * N)) ] && [ "$distinct" = $((4 * N)) ] ||
        note "$sums sums printed, $distinct distinct, expected $((4 * N))"
    verdict "conc: 4 processes x $N increments of one counter"

    redis_flush
    steps=100
    printf 'set c x 0\n' >init.ev
    run "$C" --store "$redis_url" init.ev
    i=0
    : >cas.ev
    while [ "$i" -lt "$steps" ]; do
        echo "set c op cas x $i $((i + 1))" >>cas.ev
        i=$((i + 1))
    done
    pids=
    for w in 1 2 3; do
        "$C" --store "$redis_url" cas.ev >"cas$w.out" 2>"cas$w.err" &
        pids="$pids $!"
        bgpids="$bgpids $!"
    done
    for p in $pids; do
        wait_app "$p" 120
        [ "$st" = 0 ] || note "a worker exited $st"
    done
    [ "$(get_key c x)" = "$steps" ] || note "x is $(get_key c x), expected $steps"
    won=$(cat cas1.out cas2.out cas3.out | grep -c '^set c ret true$' || true)
    [ "$won" = "$steps" ] || note "$won successful compare-and-swaps, expected $steps"
    verdict "conc: 3 processes on one compare-and-swap chain"
fi

# ==== faults ==================================================================
if group faults; then
    run "$C" --store unix:///tmp/kvaot-no-such-redis.sock /dev/null
    [ "$st" = 4 ] || note "exit status $st, expected 4"
    grep -q 'cannot reach unix:///tmp/kvaot-no-such-redis.sock' err || note "the address is not named"
    verdict "faults: unreachable at start"

    # A Redis that keeps its data (AOF, fsync always), killed mid-run.
    redis_kill
    redis_start --appendonly yes --appendfsync always
    i=0
    : >many.ev
    while [ "$i" -lt 5000 ]; do
        echo "set c op inc hits 1" >>many.ev
        i=$((i + 1))
    done
    "$C" --store "$redis_url" --redis-timeout 500 many.ev >kill.out 2>kill.err &
    app=$!
    bgpids="$bgpids $app"
    sleep 0.3
    kill -0 "$app" 2>/dev/null || note "the run ended before Redis was killed"
    redis_kill -9
    wait_app "$app" 60
    [ "$st" = 4 ] || note "exit status $st, expected 4"
    grep -q "unix://$redis_sock" kill.err || note "the address is not named"
    redis_start --appendonly yes --appendfsync always
    h=$(get_key c hits)
    r=$(get_key c ret)
    [ -n "$h" ] && [ "$h" = "$r" ] || note "hits $h and the guest's ret $r differ: half an event"
    # the feed printed only committed events: its last sum is at most hits
    last=$(sed -n 's/^set c ret //p' kill.out | tail -n 1)
    [ -z "$last" ] || [ "$last" -le "$h" ] || note "printed sum $last > stored $h"
    info="$h events committed"
    verdict "faults: Redis killed mid-run: exit 4, no half event"

    redis_flush
    "$C" --store "$redis_url" --redis-timeout 8000 --stats many.ev >back.out 2>back.err &
    app=$!
    bgpids="$bgpids $app"
    sleep 0.3
    kill -0 "$app" 2>/dev/null || note "the run ended before Redis was killed"
    redis_kill -9
    sleep 0.3
    redis_start --appendonly yes --appendfsync always
    wait_app "$app" 120
    [ "$st" = 0 ] || note "exit status $st, expected 0"
    [ "$(get_key c hits)" = 5000 ] || note "hits is $(get_key c hits), expected 5000 (each event once)"
    [ "$(get_key c ret)" = 5000 ] || note "ret is $(get_key c ret)"
    n=$(grep -c '^set c ret ' back.out || true)
    [ "$n" = 5000 ] || note "$n sums printed, expected 5000"
    verdict "faults: Redis restarted within --redis-timeout: the run goes on"

    # paused past the socket timeout (hiredis's context dies), then resumed
    redis_flush
    "$C" --store "$redis_url" --redis-timeout 1000 many.ev >pause.out 2>pause.err &
    app=$!
    bgpids="$bgpids $app"
    sleep 0.3
    kill -0 "$app" 2>/dev/null || note "the run ended before Redis was paused"
    kill -STOP "$(cat "$redis_dir/r.pid")"
    sleep 1.4
    kill -CONT "$(cat "$redis_dir/r.pid")"
    wait_app "$app" 120
    [ "$st" = 0 ] || note "exit status $st, expected 0"
    [ "$(get_key c hits)" = 5000 ] || note "hits is $(get_key c hits), expected 5000 (each event once)"
    n=$(grep -c '^set c ret ' pause.out || true)
    [ "$n" = 5000 ] || note "$n sums printed, expected 5000"
    verdict "faults: Redis paused past the socket timeout, then resumed: the run goes on"

    # a value larger than the server takes
    redis_kill
    redis_start --proto-max-bulk-len 1mb
    {
        echo "set b small v"
        printf 'set b huge '
        head -c 1200000 /dev/zero | tr '\0' y
        echo
        echo "set b after v"
    } >huge.ev
    run "$P" --store "$redis_url" huge.ev
    [ "$st" = 4 ] || note "exit status $st, expected 4"
    grep -q 'huge.ev:2' err || note "the event is not named"
    [ "$(get_key b small)" = v ] || note "the event before it is lost"
    [ -z "$(get_key b huge)" ] && [ -z "$(get_key b after)" ] || note "something of it was stored"
    verdict "faults: a value larger than Redis takes"
    redis_kill
    redis_start
fi

# ==== usage ===================================================================
if group usage; then
    run "$C" --store "$redis_url" --data "$tmp/d" /dev/null
    [ "$st" = 2 ] || note "--store with --data: exit $st"
    run "$C" --retries 3 /dev/null
    [ "$st" = 2 ] || note "--retries without --store: exit $st"
    run "$C" --store redis://user:pw@localhost /dev/null
    [ "$st" = 2 ] || note "a URL with a password: exit $st"
    run "$C" --store http://x /dev/null
    [ "$st" = 2 ] || note "http://: exit $st"
    verdict "usage: --store conflicts and bad URLs"
fi

# ==== tcp =====================================================================
if group tcp; then
    # a free port: try a few; redis-server fails at once when it is taken
    tdir=$tmp/tcp
    mkdir -p "$tdir"
    port=
    for try in 1 2 3 4 5; do
        p=$((20000 + ($$ * 7 + try * 131) % 30000))
        if redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$tdir" \
            --daemonize yes --pidfile "$tdir/r.pid" --logfile "$tdir/r.log" >/dev/null 2>&1; then
            i=0
            while [ "$(redis-cli -h 127.0.0.1 -p "$p" ping 2>/dev/null)" != PONG ] && [ "$i" -lt 40 ]; do
                i=$((i + 1))
                sleep 0.05
            done
            if [ "$(redis-cli -h 127.0.0.1 -p "$p" ping 2>/dev/null)" = PONG ]; then
                port=$p
                break
            fi
            [ -s "$tdir/r.pid" ] && kill "$(cat "$tdir/r.pid")" 2>/dev/null
        fi
    done
    if [ -z "$port" ]; then
        note "no redis-server on a TCP port started"
    else
        printf 'set c op inc n 5\nset c op inc n 6\n' >tcp.ev
        run "$C" --store "redis://127.0.0.1:$port/3" tcp.ev
        [ "$st" = 0 ] || note "exit status $st"
        [ "$(redis-cli -h 127.0.0.1 -p "$port" -n 3 --raw get 'kv:{=c}:k:n')" = 11 ] ||
            note "n is not 11 in database 3"
        kill "$(cat "$tdir/r.pid")" 2>/dev/null || true
    fi
    verdict "tcp: redis://127.0.0.1:PORT/3"
fi

# ==== musl ====================================================================
if group musl; then
    if [ -f "$build_abs/lib/kvaot/musl/libhiredis.a" ] && command -v musl-gcc >/dev/null 2>&1; then
        if "$KVAOT" build "$build_abs/samples/counters.wasm" --musl -o "$tmp/bin/cmusl" \
            >>"$tmp/build.log" 2>&1; then
            same_as_memory "musl: a --musl executable against Redis" "$tmp/bin/cmusl" \
                "$root/tests/e2e/counters-incr/input.events"
        else
            note "kvaot build --musl failed"
            verdict "musl: a --musl executable against Redis"
        fi
    else
        echo "skip musl: the musl runtime is not built (make musl)"
    fi
fi

# ==== publish ================================================================
if group publish; then
    redis_flush
    U="redis-stream+unix://$redis_sock?stream=ev"
    printf 'set b k v\n# a comment\n\ndelete b k\n{"op":"set","bucket":"x","key":"y","value_b64":"AAE="}\nset "sp ace" k "two\\nlines"\n' >pub.ev
    run "$KVAOT" publish "$U" pub.ev
    [ "$st" = 0 ] || note "exit status $st"
    [ "$(redis_cli xlen ev)" = 4 ] || note "$(redis_cli xlen ev) entries, expected 4"
    redis_cli --raw xrange ev - + | grep -av '^[0-9]*-[0-9]*$' | tr '\n' '|' >fields
    printf 'op|set|bucket|b|key|k|value|v|op|delete|bucket|b|key|k|op|set|bucket|x|key|y|value|\000\001|op|set|bucket|sp ace|key|k|value|two|lines|' >want
    cmp -s want fields || { note "the entries' fields differ"; cat -v fields >>"$details"; }
    verdict "publish: text and JSON lines as entries"

    printf 'set b a 1\nset b "bad\nset b c 3\n' >bad.ev
    run "$KVAOT" publish "$U&db=0" bad.ev
    [ "$st" = 3 ] || note "exit status $st, expected 3"
    grep -q 'kvaot: bad.ev:2:7: unterminated quoted string' err || note "no FILE:LINE:COL message"
    [ "$(redis_cli xlen ev)" = 5 ] || note "the line before the bad one was not published"
    verdict "publish: a malformed line"

    run "$KVAOT" publish "redis-stream+unix:///tmp/kvaot-no-such.sock?stream=ev" pub.ev
    [ "$st" = 4 ] && grep -q 'cannot reach' err || note "no server: exit $st"
    run "$KVAOT" publish "redis-stream://127.0.0.1:1?group=g" pub.ev
    [ "$st" = 2 ] && grep -q 'no stream=' err || note "no stream: exit $st"
    run "$KVAOT" publish "redis://127.0.0.1?stream=s" pub.ev
    [ "$st" = 2 ] || note "redis:// URL: exit $st"
    verdict "publish: no server, bad URLs"

    # the server drops the connection mid-publish: exit 4, what was acknowledged said
    awk 'BEGIN { for (i = 0; i < 1500000; i++) printf "set b k%d v%d\n", i, i }' >big.ev
    redis_flush
    "$KVAOT" publish "$U" big.ev >out 2>err &
    pub=$!
    bgpids="$bgpids $pub"
    _i=0
    while [ "$(redis_cli xlen ev)" -lt 1000 ] && [ "$_i" -lt 200 ]; do
        _i=$((_i + 1))
        sleep 0.02
    done
    redis_cli client kill type normal skipme yes >/dev/null
    wait_app "$pub" 60
    [ "$st" = 4 ] || note "exit status $st, expected 4"
    grep -q 'entries acknowledged' err || note "no count of what was acknowledged"
    verdict "publish: the connection dropped mid-publish"
fi

# ==== stream ==================================================================
if group stream; then
    cc -O2 -o "$tmp/gen-counters" "$root/tests/durable/gen-counters.c"
    SU="redis-stream+unix://$redis_sock?stream=ev&group=g"
    workers=

    # start_worker I APP OPTS: worker wI in the background (added to $workers)
    start_worker() {
        "$2" --store "$redis_url" --stats --events "$SU&consumer=w$1&$3" >"w$1.out" 2>"w$1.err" &
        workers="$workers $!"
        bgpids="$bgpids $!"
    }
    # start_workers N APP OPTS: w1..wN ($workers)
    start_workers() {
        workers=
        _i=1
        while [ "$_i" -le "$1" ]; do
            start_worker "$_i" "$2" "$3"
            _i=$((_i + 1))
        done
    }
    # hold_then_second APP OPTS: w1 alone until it is stopped holding
    # entries, then w2 ($1 is w1's pid, $2 w2's after `set -- $workers`)
    hold_then_second() {
        _app=$1 _opts=$2
        start_workers 1 "$_app" "$_opts"
        stop_holding w1 $workers
        start_worker 2 "$_app" "$_opts"
    }
    # has_pending CONSUMER: wait (at most 10 s) until it holds entries
    has_pending() {
        _i=0
        # (an entry ID, not the error of a group not made yet)
        until redis_cli xpending ev g - + 10 "$1" 2>/dev/null | grep -q '^[0-9]*-[0-9]*$'; do
            _i=$((_i + 1))
            [ "$_i" -lt 2000 ] || return 1
        done
    }
    # stop_holding CONSUMER PID: SIGSTOP it at a moment it holds entries
    # (still, once a commit it may have had on the wire has run)
    stop_holding() {
        _t=0
        until has_pending "$1" && kill -STOP "$2" && sleep 0.05 && has_pending "$1"; do
            kill -CONT "$2" 2>/dev/null || break
            _t=$((_t + 1))
            [ "$_t" -lt 5 ] || { note "$1 never held an entry"; break; }
        done
    }
    # same_counters: the store's counters (not `op`, `ret`: the last
    # event's) are a.sorted's
    same_counters() {
        run "$C" --store "$redis_url" --save red.save /dev/null
        grep -v ' op \| ret ' red.save | sort >b.sorted
        cmp -s a.sorted b.sorted || {
            note "the counters differ: an entry applied twice or lost"
            diff a.sorted b.sorted | sed -n '1,6p' >>"$details"
        }
    }
    # claimed_by CONSUMER: $claimed from its --stats, which must be > 0
    claimed_by() {
        claimed=$(sed -n 's/.*claimed \([0-9]*\).*/\1/p' "$1.err")
        [ "${claimed:-0}" -gt 0 ] || note "$1 claimed nothing"
    }
    # feed_text: ev:feed as canonical text lines (simple values only)
    feed_text() {
        redis_cli --raw xrange ev:feed - + | awk '
            /^[0-9]+-[0-9]+$/ { if (n) print line; n = 1; line = ""; f = ""; next }
            f == "" { f = $0; next }
            { if (f == "op") line = $0; else line = line " " $0; f = "" }
            END { if (n) print line }'
    }

    "$tmp/gen-counters" 3000 7 >gen.ev
    run "$C" --save ref.save gen.ev
    cp out ref.out
    for nw in 1 2 4; do
        redis_flush
        "$KVAOT" publish "$SU" gen.ev 2>pub.err || note "publish failed"
        start_workers "$nw" "$C" "order=stream&batch=4&block=200"
        redis_drained ev || note "the stream was not drained in 60 s"
        stop_workers
        run "$C" --store "$redis_url" --save red.save /dev/null
        cmp -s ref.save red.save || { note "the dump differs from the in-memory run's"; diff ref.save red.save | sed -n '1,6p' >>"$details"; }
        feed_text >feed.txt
        cmp -s ref.out feed.txt || { note "ev:feed differs from the in-memory feed"; diff ref.out feed.txt | sed -n '1,6p' >>"$details"; }
        verdict "stream: $nw worker(s), order=stream: dump and ev:feed as in memory"
    done

    # order=stream with a worker killed while it holds entries: the other
    # waits for them, claims them, and the result is still the single run's
    redis_flush
    "$KVAOT" publish "$SU" gen.ev
    hold_then_second "$C" "order=stream&batch=4&block=100&claim-idle=300"
    set -- $workers
    kill -9 "$1"
    wait_app "$1"
    workers=$2
    redis_drained ev || note "the stream was not drained in 60 s"
    stop_workers
    run "$C" --store "$redis_url" --save red.save /dev/null
    cmp -s ref.save red.save || { note "the dump differs from the in-memory run's"; diff ref.save red.save | sed -n '1,6p' >>"$details"; }
    feed_text >feed.txt
    cmp -s ref.out feed.txt || { note "ev:feed differs from the in-memory feed"; diff ref.out feed.txt | sed -n '1,6p' >>"$details"; }
    claimed_by w2
    info="claimed $claimed"
    verdict "stream: order=stream, one of two workers killed: still the single run"

    # commutative events, order=free: the same store as a set
    awk 'BEGIN { for (i = 0; i < 1500; i++) printf "set c%d op inc k%d %d\n", i % 3, i % 7, i % 5 + 1 }' >comm.ev
    run "$C" --save ref.save comm.ev
    redis_flush
    "$KVAOT" publish "$SU" comm.ev
    start_workers 3 "$C" "order=free&block=200"
    redis_drained ev || note "the stream was not drained in 60 s"
    stop_workers
    run "$C" --store "$redis_url" --save red.save /dev/null
    # the counters commute; `op` and `ret` (the last event's) do not
    grep -v ' op \| ret ' ref.save | sort >a.sorted
    grep -v ' op \| ret ' red.save | sort >b.sorted
    cmp -s a.sorted b.sorted || { note "the store differs (as a set)"; diff a.sorted b.sorted | sed -n '1,6p' >>"$details"; }
    verdict "stream: 3 workers, order=free, commutative: the same store"

    # kill -9 of one of two workers mid-stream: the other claims its entries
    awk 'BEGIN { for (i = 0; i < 8000; i++) printf "set c op inc k%d 1\n", i % 4 }' >inc4.ev
    run "$C" --save ref.save inc4.ev
    grep -v ' op \| ret ' ref.save | sort >a.sorted
    redis_flush
    "$KVAOT" publish "$SU" inc4.ev
    # stopped while it holds entries, then killed: they are left to claim
    hold_then_second "$C" "claim-idle=400&block=100&batch=64"
    set -- $workers
    kill -9 "$1" 2>/dev/null || note "worker 1 had ended already"
    wait_app "$1"
    workers=$2
    redis_drained ev || note "the stream was not drained in 60 s"
    stop_workers
    same_counters
    claimed_by w2
    info="claimed $claimed"
    verdict "stream: kill -9 of one of two workers: claimed, exact"

    # SIGSTOP past claim-idle, then SIGCONT: the stalled worker's commits are lost
    redis_flush
    "$KVAOT" publish "$SU" inc4.ev
    hold_then_second "$C" "claim-idle=300&block=100&batch=64"
    set -- $workers
    sleep 1.2
    kill -CONT "$1"
    redis_drained ev || note "the stream was not drained in 60 s"
    stop_workers
    same_counters
    claimed_by w2
    info="claimed $claimed, lost by worker 1: $(sed -n 's/.*lost to other workers \([0-9]*\).*/\1/p' w1.err)"
    verdict "stream: SIGSTOP past claim-idle, SIGCONT: nothing applied twice"

    # a worker killed while it holds entries, restarted with the same
    # consumer name: it finishes its own pending entries first
    redis_flush
    "$KVAOT" publish "$SU" inc4.ev
    start_workers 1 "$C" "claim-idle=60000&block=100&batch=64"
    set -- $workers
    stop_holding w1 "$1"
    kill -9 "$1"
    wait_app "$1"
    start_workers 1 "$C" "claim-idle=60000&block=100&batch=64"
    redis_drained ev || note "the stream was not drained in 60 s (the old pending entries stayed)"
    stop_workers
    same_counters
    verdict "stream: a restarted consumer finishes its own pending entries"

    # a stalling entry (the guest loops) reaches ev:dead after max-deliveries;
    # so does an entry that is no event
    redis_flush
    printf 'set b k1 v\nset b loop x\nset b k2 v\n' >poison.ev
    "$KVAOT" publish "$SU" poison.ev
    redis_cli xadd ev '*' colour blue >/dev/null
    start_workers 1 "$P" "claim-idle=300&max-deliveries=1&batch=1&block=100"
    sleep 1
    set -- $workers
    kill -9 "$1"
    wait_app "$1"
    start_workers 1 "$P" "claim-idle=300&max-deliveries=1&batch=1&block=100"
    redis_drained ev || note "the stream was not drained in 60 s"
    stop_workers
    [ "$(redis_cli xlen ev:dead)" = 2 ] || note "$(redis_cli xlen ev:dead) entries in ev:dead, expected 2"
    redis_cli --raw xrange ev:dead - + >dead.txt
    grep -q 'delivered 2 times without a commit' dead.txt || note "no max-deliveries reason"
    grep -q 'not an event' dead.txt || note "no reason for the malformed entry"
    [ "$(get_key b k2)" = v ] || note "the entry after the poison one was not applied"
    [ -z "$(get_key b loop)" ] || note "the poison entry took effect"
    verdict "stream: a stalling entry and a malformed one go to ev:dead"

    run "$C" --events "$SU" /dev/null
    [ "$st" = 2 ] || note "--events without --store: exit $st"
    run "$C" --store "$redis_url" --events "$SU" some.ev
    [ "$st" = 2 ] || note "--events with a file: exit $st"
    run "$C" --store "$redis_url" --events "redis-stream+unix://$redis_sock?stream=ev"
    [ "$st" = 2 ] || note "--events without group: exit $st"
    run "$C" --store "$redis_url" --events "redis-stream://127.0.0.1:6390?stream=ev&group=g"
    [ "$st" = 2 ] || note "--events on another server: exit $st"
    verdict "stream: usage"
fi

finish
