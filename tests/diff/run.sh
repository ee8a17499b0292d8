#!/bin/sh
# tests/diff/run.sh - the differential test: one guest (script.c, which runs
# each event's value as a script of import calls) over random event streams
# (gen.mjs: every import, error texts, awkward bytes, traps and rollback, text
# and JSON events), once as a kvaot executable and once in refhost.mjs, a
# second host of the world written from the SPEC alone in JavaScript. Both
# must print the same change feed (text, and JSON by meaning), write the same
# --save file and guest output (WASI preview 1's fd_write; the WASI probes'
# errno values land in the feed), exit the same way and report traps at the
# same events; on
# malformed text and JSON lines (genlines.mjs, --skip-bad) both reject the
# same lines. The guest runs as a core module and, wrapped by wit-component
# with its WASI adapter, as a component. The sample guests (samples/*, real
# toolchains' output) run over streams of their own commands too, and the
# script guest again with WASI 0.2 imports of its own.
# With STORE=redis the executable keeps its store in a redis-server of the
# test's own (tests/lib_redis.sh), flushed before each stream; with
# STORE=data in a fresh --data directory for each.
# Env: BUILD (default build), KVAOT_FLAGS (extra build flags, eval'd),
# SEEDS (default 12: streams of EVENTS events each, default 1500), STORE.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
KVAOT_FLAGS=${KVAOT_FLAGS:-}
SEEDS=${SEEDS:-12}
EVENTS=${EVENTS:-1500}
STORE=${STORE:-mem}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvaot-diff.XXXXXX")
. "$root/tests/lib_redis.sh"
trap 'redis_stop; rm -rf "$tmp"' EXIT
W=$tmp
details=$tmp/details
limit="timeout 120"
bgpids=
. "$root/tests/lib_run.sh"
cd "$tmp"

st=0
{
    clang --target=wasm32 -nostdlib -O2 -mno-simd128 -Wall -Wextra -Werror \
        -I "$root/samples/include" -Wl,--no-entry "$here/script.c" -o script.wasm &&
    eval "\"$BUILD/bin/kvaot\" build $KVAOT_FLAGS script.wasm -o app"
} >build.log 2>&1 || st=$?
if [ "$st" != 0 ]; then
    note "building the script guest exited $st: $(tail -3 build.log)"
    verdict diff-build
    finish
fi
store=
if [ "$STORE" = redis ]; then
    if ! have_redis || ! redis_start; then
        note "STORE=redis needs redis-server and redis-cli"
        verdict diff-redis
        finish
    fi
    store="--store $redis_url"
fi

# fresh_store: an empty store for the next run of the executable.
fresh_store() {
    case $STORE in
    redis) redis_flush ;;
    data) rm -rf data; store="--data data" ;;
    esac
}

# The guest's WASI environment: a repeated name is passed twice (SPEC §8.1).
wasi="--env A=1 --env B=two --env A=3"

# trap_events ERR: the trap reports without the program name and the reason
# (each host words its reasons itself).
trap_events() {
    sed -n 's/^[^:]*: \(.*: trap in [^)]*)\): .*/\1/p' "$1"
}

# compare NAME ARGS...: both hosts over ARGS (standard input: the file
# $stdin); same status, stdout, --save (ref.save / app.save), guest output
# and trap events.
stdin=/dev/null
app=./app
refguest=script.wasm
compare() {
    name=$1
    shift
    rm -f ref.guest app.guest
    run node "$here/refhost.mjs" $refguest $wasi --guest-output ref.guest --save ref.save "$@" \
        <"$stdin"
    ref_st=$st
    cp "$W/out" ref.out
    cp "$W/err" ref.err
    fresh_store
    # shellcheck disable=SC2086 # $store is two words or none, $wasi options
    run $app $store $wasi --guest-output app.guest --save app.save "$@" <"$stdin"
    [ "$st" = "$ref_st" ] || note "exit status $st, the reference host's $ref_st"
    want_file ref.guest app.guest "guest output (fd_write) against the reference host's"
    cp "$W/out" app.out
    if [ "$json" = yes ]; then
        node "$here/jsonnorm.mjs" <ref.out >ref.norm
        node "$here/jsonnorm.mjs" <app.out >app.norm
        want_file ref.norm app.norm "JSON output (normalised) against the reference host's"
    else
        want_file ref.out app.out "output against the reference host's"
    fi
    want_file ref.save app.save "--save against the reference host's"
    trap_events ref.err >ref.traps
    trap_events "$W/err" >app.traps
    want_file ref.traps app.traps "trap reports against the reference host's"
    cat app.out >>all.out
    cat app.traps >>all.traps
    verdict "$name"
}

: >all.out
: >all.traps
json=no
s=1
while [ "$s" -le "$SEEDS" ]; do
    node "$here/gen.mjs" "$s" "$EVENTS" >"events$s.txt"
    compare "seed-$s-text" "events$s.txt"
    s=$((s + 1))
done

# the cases below use streams 1-9 whatever SEEDS is
for s in 1 2 3 4 5 6 7 8 9; do
    [ -f "events$s.txt" ] || node "$here/gen.mjs" "$s" "$EVENTS" >"events$s.txt"
done

json=yes
compare "seed-1-json" --format json events1.txt
compare "seed-2-json" --format json events2.txt
json=no
compare "seed-3-on-trap-stop" --on-trap stop events3.txt
# Small limits: handles kept by H ops fill the table over events (errors,
# then a trap when even the error handle cannot be made, then a fresh
# instance); values past --max-value are stream errors.
compare "seed-5-small-limits" --max-handles 24 --max-value 200 events5.txt
grep -q 'too many live handles' "$W/err" || note "the handle limit was never reached"
grep -q 'r!closed' app.out || note "--max-value was never reached"
verdict small-limits-reached
# Standard input (no file, and "-" between files): traps reported at
# <stdin>:LINE.
run node "$here/refhost.mjs" script.wasm $wasi --save ref.save <events6.txt
cp "$W/out" ref.out
trap_events "$W/err" >ref.traps
fresh_store
# shellcheck disable=SC2086 # $store is two words or none, $wasi options
run ./app $store $wasi --save app.save <events6.txt
want_file ref.out "$W/out" "output against the reference host's"
want_file ref.save app.save "--save against the reference host's"
trap_events "$W/err" >app.traps
want_file ref.traps app.traps "trap reports against the reference host's"
grep -q '^<stdin>:' app.traps || note "no trap reported at <stdin>"
verdict seed-6-stdin
stdin=events9.txt
compare "seed-7-files-and-stdin" events7.txt - events8.txt
stdin=/dev/null

# The same guest as a component, wrapped the way `cargo component` wraps a
# wasi-libc module (wit-component with its preview 1 adapter; kvaot picks
# the guest module and provides preview 1 itself, SPEC §1, §8.2): the
# reference host still runs the core module.
jco=$root/tests/node_modules/@bytecodealliance/jco
st=0
{
    node "$root/tests/e2e/guests/make-component.mjs" \
        --adapter "wasi_snapshot_preview1=$jco/lib/wasi_snapshot_preview1.reactor.wasm" \
        "$root/wit/keyvalue-handle-watch.wit" script.wasm script-component.wasm &&
    eval "\"$BUILD/bin/kvaot\" build $KVAOT_FLAGS script-component.wasm -o app-component"
} >component.log 2>&1 || st=$?
if [ "$st" = 0 ]; then
    app=./app-component
    compare "seed-8-component" events8.txt
    json=yes
    compare "seed-9-component-json" --format json events9.txt
    json=no
    app=./app
else
    note "making and building the script guest as a component exited $st: $(tail -3 component.log)"
    verdict component-build
fi

# --load: the store the run before saved, a comment, a delete, a key set twice.
{ cat ref.save; printf '# more\ndelete b k1\nset zz k 1\nset zz k 2\n'; } >load.txt
compare "seed-4-after-load" --load load.txt events4.txt

# Malformed lines (--skip-bad): the same lines rejected (the columns are
# each host's own reading of where a line goes wrong), the rest applied the
# same.
bad_lines() {
    sed -n 's/^[^:]*: \(lines\.txt:[0-9]*\):[0-9]*: .*/\1/p' "$1"
}
for mode in text json; do
    node "$here/genlines.mjs" "$mode" 1 4000 >lines.txt
    run node "$here/refhost.mjs" script.wasm --skip-bad --save ref.save lines.txt
    ref_st=$st
    cp "$W/out" ref.out
    bad_lines "$W/err" >ref.bad
    fresh_store
    # shellcheck disable=SC2086 # $store is two words or none
    run ./app $store --skip-bad --save app.save lines.txt
    [ "$st" = "$ref_st" ] || note "exit status $st, the reference host's $ref_st"
    want_file ref.out "$W/out" "output against the reference host's"
    want_file ref.save app.save "--save against the reference host's"
    bad_lines "$W/err" >app.bad
    want_file ref.bad app.bad "rejected lines against the reference host's"
    [ "$(wc -l <app.bad)" -gt 1000 ] || note "only $(wc -l <app.bad) lines rejected"
    [ "$(wc -l <app.save)" -gt 5 ] || note "only $(wc -l <app.save) keys stored"
    verdict "malformed-$mode-lines-skipped"
done

# WASI 0.2 imported by the guest itself (SPEC §8.3): the script guest built
# with -DSCRIPT_P2 over streams with `p ...` ops (gen.mjs p2), once with a
# small --max-handles (WASI 0.2 resources share the handle table).
st=0
clang --target=wasm32 -nostdlib -O2 -mno-simd128 -Wall -Wextra -Werror -DSCRIPT_P2 \
    -I "$root/samples/include" -Wl,--no-entry "$here/script.c" -o script-p2.wasm >p2.log 2>&1 &&
    eval "\"$BUILD/bin/kvaot\" build $KVAOT_FLAGS script-p2.wasm -o app-p2" >>p2.log 2>&1 || st=$?
if [ "$st" = 0 ]; then
    node "$here/gen.mjs" 31 "$EVENTS" p2 >p2-31.txt
    node "$here/gen.mjs" 3 "$EVENTS" p2 >p2-3.txt
    app=./app-p2
    refguest=script-p2.wasm
    : >p2.out
    compare "seed-31-wasi-p2" p2-31.txt
    cat app.out >>p2.out
    compare "seed-3-wasi-p2-small-limits" --max-handles 24 p2-3.txt
    cat app.out >>p2.out
    grep -q 'too many live handles' "$W/err" || note "the handle limit was never reached"
    for what in 'po=0' 'pw=0:1048576,0,0,0' 'pz=0,0' 'pi=1.1,1.1,1.1,1.1:1' 'ps=1.1,1.1' \
        'pe=3:A=1,B=two,A=3:0:0' 'pt=0,0,0' 'pc=now,res,mono,1:1:0:0:1,poll=1/3/4' 'pr=16,16' \
        'pd=0'; do
        grep -qF -- "$what" p2.out || note "no '$what' in the WASI 0.2 streams' output"
    done
    verdict wasi-p2-streams-cover-the-imports
    app=./app
    refguest=script.wasm
else
    note "building the WASI 0.2 script guest exited $st: $(tail -3 p2.log)"
    verdict p2-build
fi

# The sample guests (samples/*: C on wasi-libc, C++, Rust, AssemblyScript;
# all three naming schemes, initialize, WASI preview 1) over streams of
# their own commands and trigger keys (gensample.mjs). Not asdefault (it
# needs --map-export and AssemblyScript's env imports) nor jscount (a
# component of WASI 0.2).
node "$here/gensample.mjs" 1 "$EVENTS" >sample1.txt
node "$here/gensample.mjs" 2 "$EVENTS" >sample2.txt
saved_wasi=$wasi
wasi="$wasi --env RUSTWASI=r --env GREETING=hi"
# (With STORE=mem only: what the store keeps does not depend on the toolchain.)
samples="audit batch counters errors streams wordcount fmtcount cppcount wasilog rustcount rustwasi ascount"
[ "$STORE" = mem ] || samples=
for g in $samples; do
    refguest=$BUILD/samples/$g.wasm
    st=0
    eval "\"$BUILD/bin/kvaot\" build $KVAOT_FLAGS \"$refguest\" -o sample-$g" >sample.log 2>&1 || st=$?
    if [ "$st" != 0 ]; then
        note "building samples/$g exited $st: $(tail -3 sample.log)"
        verdict "sample-$g-build"
        continue
    fi
    app=./sample-$g
    compare "sample-$g-seed-1" sample1.txt
    compare "sample-$g-seed-2-then-1" --on-trap continue sample2.txt sample1.txt
done
wasi=$saved_wasi
app=./app
refguest=script.wasm

# STORE=redis: the same script guest as workers on a Redis stream
# (order=stream: commits in stream order), 1 and 3 of them: the final store
# is the single run's, as the reference host computes it.
if [ "$STORE" = redis ]; then
    node "$here/gen.mjs" 21 "$EVENTS" stateless >stream.txt
    run node "$here/refhost.mjs" script.wasm $wasi --save ref.save stream.txt
    su="redis-stream+unix://$redis_sock?stream=ev&group=g"
    for nw in 1 3; do
        redis_flush
        "$BUILD/bin/kvaot" publish "$su" stream.txt 2>pub.err || note "publish failed: $(cat pub.err)"
        workers=
        i=1
        while [ "$i" -le "$nw" ]; do
            # shellcheck disable=SC2086 # $wasi options
            ./app --store "$redis_url" $wasi --guest-output /dev/null \
                --events "$su&consumer=w$i&order=stream&batch=4&block=200" >"w$i.out" 2>"w$i.err" &
            workers="$workers $!"
            bgpids="$bgpids $!"
            i=$((i + 1))
        done
        redis_drained ev || note "the stream was not drained in 60 s"
        stop_workers
        run ./app --store "$redis_url" --save app.save /dev/null
        want_file ref.save app.save "the store after $nw worker(s) against the reference host's"
        verdict "stream-$nw-workers-order-stream"
    done
fi

# The streams did exercise what they are for (else the test proves little).
for what in 'trap in on-set' ; do
    grep -q "$what" all.traps || note "no '$what' in any stream"
done
for what in 'no such key: ' 'not a counter: ' 'counter overflow: ' 'already consumed' \
    'u!invalid' 'w!closed' 'r!closed' 'B!err' 'deleted ' 'k=' 'm=' 'x=' 'G=' 'a=' '\x' \
    'W=0:' 'W=8:' 'Z=21' 'O=0:0' 'O=8:' 'F=0:2:0:3fffffff:3fffffff:zeroed' 'F=8' 'P=8' \
    'Q=70,70,0' 'Q=8,8,8' 'E=0:3:14:0:A=1,B=two,A=3' 'A=0:0:0' 'C=0,0' 'C=28,28' 'R=0' \
    'Y=0' 'L=28' 'N=52'; do
    grep -qF -- "$what" all.out || note "no '$what' in any output"
done
verdict streams-cover-the-imports

finish
