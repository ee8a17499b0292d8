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

# ---- --data (SPEC §9) ------------------------------------------------------
# The counters sample on 2M generated events (increments, compare-and-swap,
# sets, deletes): in memory, then with --data and each --fsync, the best of
# three runs each, interleaved (this machine's speed drifts); the ratio is
# events/s with --data over events/s in memory (goals: >= 0.8 everysec,
# >= 0.5 always). Then the journal's bytes per event, the replay of a 1M
# event journal against the time those events took to process (goal
# <= 1/3), and a checkpoint of 1M keys.
cc -O2 -o "$tmp/gen-counters" "$root/tests/durable/gen-counters.c"
"$tmp/gen-counters" "$EVENTS" 1 > "$tmp/counters.txt"
"$BUILD/bin/kvaot" build "$BUILD/samples/counters.wasm" -o "$tmp/counters"

# best_secs VAR ARGS...: the elapsed seconds of the run (from --stats) when
# it beats $VAR.
best_secs() {
    _var=$1
    shift
    rm -rf "$tmp/D"
    "$tmp/counters" --stats "$@" "$tmp/counters.txt" > /dev/null 2> "$tmp/stats"
    _s=$(sed -n 's/.*elapsed \([0-9.]*\) s.*/\1/p' "$tmp/stats")
    eval "_old=\$$_var"
    if [ "$(echo "$_s $_old" | awk '{ print ($1 < $2) }')" = 1 ]; then
        eval "$_var=$_s"
        cp "$tmp/stats" "$tmp/stats.$_var"
    fi
}
mem=999 everysec=999 always=999 no=999
for run in 1 2 3; do
    best_secs mem
    best_secs everysec --data "$tmp/D" --fsync everysec
    best_secs always --data "$tmp/D" --fsync always
    best_secs no --data "$tmp/D" --fsync no
done
echo
printf '%-22s %10s %12s %8s\n' "counters, $EVENTS ev" seconds events/s ratio
for m in mem everysec always no; do
    eval "s=\$$m"
    label=$m
    [ "$m" = mem ] || label="--data --fsync $m"
    echo "$s $mem $EVENTS" | awk -v l="$label" \
        '{ printf "%-22s %10.3f %12d %8.2f\n", l, $1, $3 / $1, $2 / $1 }'
done
sed -n 's/.*journal: \([0-9]*\) records, \([0-9]*\) bytes (\([0-9.]*\) per record), \([0-9]*\) fsyncs, \([0-9]*\) checkpoints (\([0-9.]*\) s).*/journal (everysec): \1 records, \3 bytes per record, \4 fsyncs, \5 checkpoints taking \6 s/p' \
    "$tmp/stats.everysec"

# Recovery: a journal of 1M events (no checkpoint: --follow never ends, and
# kill -9 leaves the journal), replayed by a restart with nothing to do.
half=$((EVENTS / 2))
head -n "$half" "$tmp/counters.txt" > "$tmp/half.txt"
rm -rf "$tmp/R"
"$tmp/counters" --data "$tmp/R" --checkpoint-mb 100000 --stats "$tmp/half.txt" > /dev/null 2> "$tmp/proc.stats"
proc=$(sed -n 's/.*elapsed \([0-9.]*\) s.*/\1/p' "$tmp/proc.stats")
rm -rf "$tmp/R"
"$tmp/counters" --data "$tmp/R" --checkpoint-mb 100000 --follow "$tmp/half.txt" > /dev/null 2>&1 &
pid=$!
last=-1
while :; do
    sleep 0.5
    size=$(wc -c < "$tmp/R/journal" 2>/dev/null || echo 0)
    [ "$size" != "$last" ] || break
    last=$size
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
"$tmp/counters" --data "$tmp/R" --stats "$tmp/half.txt" > /dev/null 2> "$tmp/replay.stats"
replay=$(sed -n 's/.*replayed [0-9]* records in \([0-9.]*\) s.*/\1/p' "$tmp/replay.stats")
recs=$(sed -n 's/.*replayed \([0-9]*\) records.*/\1/p' "$tmp/replay.stats")
echo "$replay $proc $recs" | awk '{ printf "replay of %d records: %.3f s, processing them took %.3f s: %.2f of it\n", $3, $1, $2, $1 / $2 }'

# A checkpoint of 1M keys (the clean exit's), the noop guest.
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "set b%d key-%d value-%d\n", i % 10, i, i }' > "$tmp/keys.txt"
rm -rf "$tmp/K"
"$tmp/noop" --data "$tmp/K" --stats "$tmp/keys.txt" > /dev/null 2> "$tmp/cp.stats"
sed -n 's/.* \([0-9]*\) checkpoints (\([0-9.]*\) s).*/checkpoint of 1000000 keys: \2 s/p' "$tmp/cp.stats"
ls -l "$tmp/K/snapshot" | awk '{ printf "its snapshot: %d bytes\n", $5 }'
