#!/bin/sh
# bench/build.sh - `make bench-build`: how long `kvaot build` takes and how
# much memory it needs, the split pipeline next to the single-file baseline
# (--no-split), side by side in one run, on
#   1. a generated guest of the 5.7 MB-of-C class (tests/build/gen-guest.awk,
#      N=7600 functions): single file, split, cached rebuild, rebuild after
#      one function changed;
#   2. the ComponentizeJS guest (build/samples/jscount.wasm, 12 MB of wasm,
#      151 MB of C) at the default -O2: single file and split, then the
#      events/s of both executables on the same events (best of 3,
#      interleaved). Skipped with BENCH_JS=0 (it takes about 20 minutes).
# Peak memory is the largest sum of the RSS of the build's whole process
# tree (kvaot, wasm2c, every cc1 running at once), sampled every 0.25 s
# (each sample costs about 9 ms of CPU).
# Every build uses a fresh cache directory unless it measures the cache.
# Env: BUILD (default build), BENCH_JS (1), N (7600), JOBS (kvaot's default),
# JS_WASM (the JavaScript guest, default $BUILD/samples/jscount.wasm).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
KVAOT=$BUILD/bin/kvaot
BENCH_JS=${BENCH_JS:-1}
N=${N:-7600}
JOBS=${JOBS:+-j $JOBS}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvaot-bench-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# peak_tree PID: the largest total RSS (KB) of PID and its descendants seen
# until PID exits; printed on stdout
peak_tree() {
    peak=0
    # (kill -0 still succeeds on a zombie: look at its state)
    while [ -n "$(ps -p "$1" -o stat= | grep -v Z)" ]; do
        s=$(ps -e -o pid=,ppid=,rss= | awk -v root="$1" '
            { parent[$1] = $2; rss[$1] = $3 }
            END {
                for (p in parent) {
                    q = p
                    while (q != root && q > 1) q = parent[q]
                    if (q == root) t += rss[p]
                }
                print t + 0
            }')
        [ "$s" -le "$peak" ] || peak=$s
        sleep 0.25
    done
    echo "$peak"
}

# measure NAME CMD...: runs CMD, keeps its output in NAME.log, and sets
# WALL (s) and PEAK (MB); a failed build stops the benchmark
measure() {
    name=$1
    shift
    t0=$(date +%s.%N)
    "$@" >"$name.log" 2>&1 &
    pid=$!
    peak=$(peak_tree "$pid")
    st=0
    wait "$pid" || st=$?
    t1=$(date +%s.%N)
    if [ "$st" != 0 ]; then
        echo "bench-build: $name failed (exit $st):" >&2
        tail -20 "$name.log" >&2
        exit 1
    fi
    WALL=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
    PEAK=$(echo "$peak" | awk '{ printf "%.0f", $1 / 1024 }')
}

ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.3f", $1 / $2; else print "-" }'; }

# row LABEL: one line of the table from WALL/PEAK against the baseline
row() {
    printf '  %-34s %8s s %7s MB   %6s x  %6s x\n' "$1" "$WALL" "$PEAK" \
        "$(ratio "$WALL" "$BASE_WALL")" "$(ratio "$PEAK" "$BASE_PEAK")"
}

header() {
    echo "$1"
    printf '  %-34s %10s %10s   %8s  %8s\n' build wall peak "wall/base" "peak/base"
}

# events/s of an executable (from --stats) on an event file
rate() {
    "$1" --guest-output none --stats "$2" 2>&1 >/dev/null |
        sed -n 's/.* \([0-9.]*\) events\/s.*/\1/p' | head -1
}

best_rates() { # A B EVENTS: best of 3 each, interleaved; sets RATE_A RATE_B
    RATE_A=0
    RATE_B=0
    for _ in 1 2 3; do
        a=$(rate "$1" "$3")
        b=$(rate "$2" "$3")
        RATE_A=$(echo "$a $RATE_A" | awk '{ print ($1 > $2) ? $1 : $2 }')
        RATE_B=$(echo "$b $RATE_B" | awk '{ print ($1 > $2) ? $1 : $2 }')
    done
}

echo "bench-build: $(nproc) cores; cc: $(cc --version | head -1)"

# 1. the generated guest
awk -v N="$N" -f "$root/tests/build/gen-guest.awk" >gen.wat
awk -v N="$N" -v CHANGE=$((N / 2)) -f "$root/tests/build/gen-guest.awk" >gen2.wat
wat2wasm gen.wat -o gen.wasm
wat2wasm gen2.wat -o gen2.wasm
csize=$(wasm2c gen.wasm -o gen-c.c && wc -c <gen-c.c | awk '{ printf "%.1f", $1 / 1048576 }')
export XDG_CACHE_HOME="$tmp/cache-gen"
measure gen-single "$KVAOT" build gen.wasm --no-split --no-cache -o gen-single
BASE_WALL=$WALL
BASE_PEAK=$PEAK
header "generated guest: $N functions, $csize MB of C, default -O2"
row "single file (--no-split)"
measure gen-split "$KVAOT" build gen.wasm $JOBS --stats -o gen-split
row "split, empty cache"
sed -n 's/^kvaot: build: /    /p' gen-split.log
measure gen-cached "$KVAOT" build gen.wasm $JOBS -o gen-cached
row "split, rebuild from the cache"
measure gen-changed "$KVAOT" build gen2.wasm $JOBS --stats -o gen-changed
row "split, one function changed"
sed -n 's/^kvaot: build: /    /p' gen-changed.log
printf 'set b k1 hello\nset b k2 world\n' >gen-ev.txt
./gen-single gen-ev.txt >gen-single.out
./gen-split gen-ev.txt >gen-split.out
cmp -s gen-single.out gen-split.out || echo "  (the split build's output differs from the single file's!)"
echo "  goals: split wall <= 0.35 x, peak <= 0.25 x; cached rebuild <= 0.05 x"

# 2. the JavaScript guest
js=${JS_WASM:-$BUILD/samples/jscount.wasm}
if [ "$BENCH_JS" = 0 ]; then
    echo "JavaScript guest: skipped (BENCH_JS=0)"
    exit 0
fi
if [ ! -f "$js" ]; then
    echo "JavaScript guest: skipped ($js is not built: make js-samples)"
    exit 0
fi
flags=$(cat "$root/samples/jscount/kvaot.flags" 2>/dev/null || true)
export XDG_CACHE_HOME="$tmp/cache-js"
measure js-single "$KVAOT" build "$js" $flags --no-split --no-cache -o js-single
BASE_WALL=$WALL
BASE_PEAK=$PEAK
header "JavaScript guest (ComponentizeJS, $(wc -c <"$js" | awk '{ printf "%.1f", $1 / 1048576 }') MB of wasm), default -O2"
row "single file (--no-split)"
measure js-split "$KVAOT" build "$js" $flags $JOBS --stats -o js-split
row "split, empty cache"
sed -n 's/^kvaot: build: /    /p' js-split.log
measure js-cached "$KVAOT" build "$js" $flags $JOBS -o js-cached
row "split, rebuild from the cache"
echo "  goals: split <= 150 s and <= 1536 MB"
awk 'BEGIN { for (i = 0; i < 20000; i++)
        if (i % 100 == 99) printf "delete counts k%d\n", i % 50
        else printf "set counts k%d {\"n\": %d}\n", i % 50, i }' >js-ev.txt
./js-single --guest-output none js-ev.txt >js-single.out 2>&1 || true
./js-split --guest-output none js-ev.txt >js-split.out 2>&1 || true
cmp -s js-single.out js-split.out || echo "  (the split build's output differs from the single file's!)"
best_rates ./js-single ./js-split js-ev.txt
echo "  events/s on 20000 events: single file $RATE_A, split $RATE_B ($(ratio "$RATE_B" "$RATE_A") x; goal >= 0.9)"
