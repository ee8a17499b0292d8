#!/bin/sh
# bench/run.sh - events/s of built executables on a synthetic stream
# (`make bench`). Speed is measured here, never asserted in tests.
# Guests: native-noop (empty handlers in native C linked straight to the
# runtime: the floor), noop (the same as wasm through kvaot), and the sample
# audit (get + stream read + three sets per event); noop-json is noop on the
# same events as JSON lines.
# Env: BUILD (default build), EVENTS (default 2000000).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
EVENTS=${EVENTS:-2000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/gen" "$root/bench/gen-events.c"
"$tmp/gen" "$EVENTS" > "$tmp/events.txt"
"$tmp/gen" "$EVENTS" json > "$tmp/events.json"
wat2wasm "$root/bench/noop.wat" -o "$tmp/noop.wasm"
printf '%-10s %12s %10s %10s %10s\n' guest events/s p50_us p99_us maxrss_kb
cc -O2 -I "$BUILD/lib/kvaot/include" "$root/bench/native_noop.c" "$BUILD/lib/kvaot/libkvrt.a" \
    -ljansson -lm -o "$tmp/native-noop"
for g in native-noop noop audit noop-json; do
    case $g in
    native-noop) ;;
    noop) "$BUILD/bin/kvaot" build "$tmp/noop.wasm" -o "$tmp/$g" ;;
    noop-json) cp "$tmp/noop" "$tmp/$g" ;;
    *) "$BUILD/bin/kvaot" build "$BUILD/samples/$g.wasm" -o "$tmp/$g" ;;
    esac
    best=0
    for run in 1 2 3; do
        input=$tmp/events.txt
        [ "$g" = noop-json ] && input=$tmp/events.json
        "$tmp/$g" --stats "$input" > /dev/null 2> "$tmp/stats"
        rate=$(sed -n 's/.*, \([0-9]*\) events\/s.*/\1/p' "$tmp/stats")
        if [ "$rate" -gt "$best" ]; then best=$rate; cp "$tmp/stats" "$tmp/best"; fi
    done
    p50=$(sed -n 's/.*p50 \([0-9.]*\) us.*/\1/p' "$tmp/best")
    p99=$(sed -n 's/.*p99 \([0-9.]*\) us.*/\1/p' "$tmp/best")
    rss=$( (command -v /usr/bin/time >/dev/null && /usr/bin/time -f %M "$tmp/$g" "$input" 2>&1 >/dev/null | tail -1) || echo -)
    printf '%-10s %12s %10s %10s %10s\n' "$g" "$best" "$p50" "$p99" "$rss"
done
