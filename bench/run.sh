#!/bin/sh
# bench/run.sh - events/s of built executables on a synthetic stream
# (`make bench`). Speed is measured here, never asserted in tests.
# Guests: noop (empty handlers: the host's own per-event cost), and the
# samples audit (get + stream read + sets per event) and counters.
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
wat2wasm "$root/bench/noop.wat" -o "$tmp/noop.wasm"
printf '%-10s %12s %10s %10s %10s\n' guest events/s p50_us p99_us maxrss_kb
for g in noop audit; do
    if [ "$g" = noop ]; then w=$tmp/noop.wasm; else w=$BUILD/samples/$g.wasm; fi
    "$BUILD/bin/kvaot" build "$w" -o "$tmp/$g"
    best=0
    for run in 1 2 3; do
        "$tmp/$g" --stats "$tmp/events.txt" > /dev/null 2> "$tmp/stats"
        rate=$(sed -n 's/.*, \([0-9]*\) events\/s.*/\1/p' "$tmp/stats")
        if [ "$rate" -gt "$best" ]; then best=$rate; cp "$tmp/stats" "$tmp/best"; fi
    done
    p50=$(sed -n 's/.*p50 \([0-9.]*\) us.*/\1/p' "$tmp/best")
    p99=$(sed -n 's/.*p99 \([0-9.]*\) us.*/\1/p' "$tmp/best")
    rss=$( (command -v /usr/bin/time >/dev/null && /usr/bin/time -f %M "$tmp/$g" "$tmp/events.txt" 2>&1 >/dev/null | tail -1) || echo -)
    printf '%-10s %12s %10s %10s %10s\n' "$g" "$best" "$p50" "$p99" "$rss"
done
