#!/bin/sh
# tests/twins/run.sh - the benchmark's native twins (bench/twins) are the
# same program three ways: each workload (counter, audit, batch) built to
# wasm through kvaot, natively against the runtime's store operations and
# natively making the wasm build's import calls prints the expected output
# on a small hand-checked stream, and all builds print the same output and
# save the same store on 30000 generated events (sets and deletes over 7
# buckets and 5000 keys). This keeps `make bench`'s ratios honest: a twin
# that drifted from its wasm build would measure something else. The audit
# and batch twins built with --lto print the same as without.
# Env: BUILD (default build), KVAOT_FLAGS (extra build flags, eval'd),
# NATIVE_CC (compiler of the native twins; the sanitizer build sets it),
# LTO (yes: also the --lto builds; the sanitizer pass skips them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
KVAOT_FLAGS=${KVAOT_FLAGS:-}
LTO=${LTO:-yes}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvaot-twins.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
W=$tmp
details=$tmp/details
limit="timeout 120"
bgpids=
. "$root/tests/lib_run.sh"
cd "$tmp"

st=0
BUILD=$BUILD sh "$root/bench/twins/build.sh" "$tmp/tw" >build.log 2>&1 || st=$?
if [ "$st" != 0 ]; then
    note "bench/twins/build.sh exited $st: $(tail -3 build.log)"
    verdict twins-build
    finish
fi
cc -O2 -o gen "$root/bench/gen-events.c"
./gen 30000 > events.txt
printf 'set b k v1\nset b k v2\ndelete b k\nset c k v3\ndelete b other\n' > small.txt

cat > counter.want <<'X'
set counts k 1
set counts k 2
delete counts k
set counts k 1
X
cat > audit.want <<'X'
set audit sets/k 1
set audit last k=v1
set audit echo v1
set audit sets/k 2
set audit last k=v2
set audit echo v2
delete audit sets/k
set audit sets/k 1
set audit last k=v3
set audit echo v3
X
cat > batch.want <<'X'
set rollup k/n 1
set rollup k/bytes 2
set rollup k/last v1
set rollup k/n 2
set rollup k/bytes 4
set rollup k/last v2
delete rollup k/n
set rollup k/n 1
set rollup k/bytes 2
set rollup k/last v3
X

for w in counter audit batch; do
    for k in wasm native calls; do
        run "tw/$w-$k" small.txt
        want_status 0
        want_out "$w.want"
        verdict "$w-$k-small-stream"
    done
    run "tw/$w-wasm" --save wasm.save events.txt
    want_status 0
    cp "$W/out" wasm.out
    cp "$W/out" "$w.wasm.out"
    [ "$(wc -l < wasm.out)" -gt 20000 ] || note "only $(wc -l < wasm.out) output lines"
    run "tw/$w-native" --save native.save events.txt
    want_status 0
    want_file wasm.out "$W/out" "native output against wasm output"
    want_file wasm.save native.save "native --save against wasm --save"
    verdict "$w-native-same-as-wasm"
    run "tw/$w-calls" --save calls.save events.txt
    want_status 0
    want_file wasm.out "$W/out" "calls output against wasm output"
    want_file wasm.save calls.save "calls --save against wasm --save"
    verdict "$w-calls-same-as-wasm"
done

# `kvaot build --lto` (glue and runtime optimised together): the same
# output and store as the plain build.
[ "$LTO" = yes ] || finish
st=0
KVAOT_FLAGS="$KVAOT_FLAGS --lto" WORKLOADS="audit batch" BUILD=$BUILD \
    sh "$root/bench/twins/build.sh" "$tmp/lto" >build.log 2>&1 || st=$?
[ "$st" = 0 ] || note "--lto build exited $st: $(grep -v lto-wrapper build.log | tail -3)"
for w in audit batch; do
    [ "$st" = 0 ] || break
    run "lto/$w-wasm" events.txt
    want_status 0
    want_file "$w.wasm.out" "$W/out" "--lto output against the plain build's"
done
verdict lto-builds-run-the-same

finish
