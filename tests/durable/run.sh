#!/bin/sh
# tests/durable/run.sh - end-to-end tests of --data DIR (SPEC §9): kill -9
# at random moments (at least 50 times, with --fsync everysec and always,
# and with checkpoints after every batch so that kills land inside them),
# each time restarted with the same command, must end with the store of an
# uninterrupted run byte for byte; the change feed is at least once (every
# line of an uninterrupted run printed, each run's output a contiguous
# stretch of it); torn tails cut off with a warning; a damaged older record
# refused with DIR untouched; a crash between a checkpoint's rename and the
# journal's truncation; one process per DIR; --follow with lines appended,
# an unfinished last line, SIGTERM and a resume; inputs truncated or
# replaced; --load and usage conflicts; a full and an unusable DIR; a
# guest whose initialize writes (restarts must not redo it); new and empty
# buckets keeping their order; --stats.
#
# Guests: the counters sample (increments, compare-and-swap; events from
# tests/durable/gen-counters.c) and tests/cli/probe.wat (echo, traps, an
# initialize that writes).
#
# Environment:
#   BUILD        build directory (default build); needs `make samples`
#   KVAOT        the transpiler (default $BUILD/bin/kvaot)
#   KVAOT_FLAGS  extra `kvaot build` flags (shell words, eval'd)
#   KILLS        kill -9 rounds per crash test (default 50)
#   TESTS        optional space-separated list of groups to run
#                (crash feed files follow usage limits)
#
# Prints one line per test, then exactly one final line `N passed, M failed`;
# exits 1 if anything failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

BUILD=${BUILD:-build}
KVAOT=${KVAOT:-$BUILD/bin/kvaot}
KVAOT_FLAGS=${KVAOT_FLAGS:-}
KILLS=${KILLS:-50}
TESTS=${TESTS:-crash feed files follow usage limits}
case $BUILD in /*) ;; *) BUILD="$root/$BUILD" ;; esac
case $KVAOT in /*) ;; *) KVAOT="$root/$KVAOT" ;; esac

bgpids=
mounted=
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvaot-durable.XXXXXX")
W="$tmp/w"
mkdir -p "$W" "$tmp/bin"
details="$tmp/details"

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    for p in $bgpids; do
        kill -9 "$p" 2>/dev/null || true
    done
    [ -z "$mounted" ] || umount "$mounted" 2>/dev/null || true
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
have_jq=no

. "$root/tests/lib_run.sh"

group() {
    case " $TESTS " in *" $1 "*) return 0 ;; esac
    return 1
}

# ---- the guests and the events --------------------------------------------

setup_fail() {
    echo "FAIL setup: $1"
    [ ! -f "$tmp/build.log" ] || sed -n '1,40p' "$tmp/build.log" | sed 's/^/    /'
    failed=1
    finish
}
[ -x "$KVAOT" ] || setup_fail "$KVAOT not found or not executable (run make all)"
[ -f "$BUILD/samples/counters.wasm" ] || setup_fail "no $BUILD/samples/counters.wasm (run make samples)"
command -v wat2wasm >/dev/null 2>&1 || setup_fail "wat2wasm not found (Debian package wabt)"
{
    eval "\"\$KVAOT\" build \"\$BUILD/samples/counters.wasm\" -o \"\$tmp/bin/counters\" $KVAOT_FLAGS" &&
        wat2wasm "$root/tests/cli/probe.wat" -o "$tmp/probe.wasm" &&
        eval "\"\$KVAOT\" build \"\$tmp/probe.wasm\" -o \"\$tmp/bin/probe\" $KVAOT_FLAGS" &&
        ${CC:-cc} -O2 -o "$tmp/bin/gen" "$here/gen-counters.c"
} >"$tmp/build.log" 2>&1 || setup_fail "building the guests or the generator failed:"
C="$tmp/bin/counters"
P="$tmp/bin/probe"
G="$tmp/bin/gen"
sanitized=no
case " $KVAOT_FLAGS " in *sanitize=*) sanitized=yes ;; esac

cd "$W"

# ---- helpers ---------------------------------------------------------------

# rand_ms SEED LO HI: a pseudo-random whole number of milliseconds.
rand_ms() {
    awk -v s="$1" -v lo="$2" -v hi="$3" 'BEGIN { srand(s); print int(lo + rand() * (hi - lo)) }'
}

# ms_sleep MS
ms_sleep() {
    sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"
}

# start_bg CMD...: run in the background, stdout/stderr appended to
# $W/bg.out and $W/bg.err; the pid goes to $pid.
start_bg() {
    "$@" >>"$W/bg.out" 2>>"$W/bg.err" &
    pid=$!
    bgpids="$bgpids $pid"
}

# now_ms: milliseconds since the epoch.
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# kill_loop KILLS SEED LO_MS HI_MS CMD...: start CMD, let it run a random
# LO..HI ms and kill -9 it, again and again until KILLS kills have hit a
# running process; stop early when a run ends by itself (all done). Sets
# $live (the kills that hit a running process), $ends and $rounds; each
# run's stdout goes to run.N.out, stderr is appended to $W/loop.err.
kill_loop() {
    _kills=$1
    _seed=$2
    _lo=$3
    _hi=$4
    shift 4
    live=0
    ends=0
    rounds=0
    while [ "$live" -lt "$_kills" ] && [ "$ends" = 0 ]; do
        rounds=$((rounds + 1))
        "$@" >"run.$rounds.out" 2>>"$W/loop.err" &
        _p=$!
        bgpids="$bgpids $_p"
        ms_sleep "$(rand_ms $((_seed * 1000 + rounds)) "$_lo" "$_hi")"
        if kill -9 "$_p" 2>/dev/null; then
            live=$((live + 1))
        fi
        if wait "$_p" 2>/dev/null; then _s=0; else _s=$?; fi
        forget "$_p"
        case $_s in
        0) ends=$((ends + 1)) ;;
        137) ;;
        *) note "run $rounds exited $_s"; sed -n '1,5p' "$W/loop.err" >>"$details"; return ;;
        esac
    done
}

# kill_window CMD... (its DIR is D): time a whole run of CMD on a fresh D
# and a restart of it (which has nothing left to do), and set $lo and $hi
# so that kills land in start-up (snapshot load, replay) as well as in the
# work, about 1/80 of the work per round: 50 rounds do much of it but not
# all of it, whatever the machine's speed.
kill_window() {
    rm -rf D
    _t0=$(now_ms)
    "$@" >/dev/null 2>&1 || true
    _t1=$(now_ms)
    _prog=$1
    shift
    "$_prog" --stats "$@" >/dev/null 2>"$W/window.err" || true
    _t2=$(now_ms)
    rm -rf D
    # the restart's exit checkpoint is no start-up
    _cp=$(sed -n 's/.* checkpoints (\([0-9.]*\) s).*/\1/p' "$W/window.err" |
        awk '{ print int($1 * 1000) }')
    _work=$((_t1 - _t0))
    _start=$((_t2 - _t1 - ${_cp:-0}))
    [ "$_start" -gt 0 ] || _start=1
    lo=$((_start / 2 + 1))
    hi=$((_start + _work / 40 + 2))
}

# digest DIR: the checksums of the snapshot and the journal (the data DIR
# holds; the lock file's pid may change).
digest() {
    for _f in snapshot journal; do
        if [ -f "$1/$_f" ]; then cksum <"$1/$_f"; else echo "no $_f"; fi
    done
}

# wait_stable FILE: until FILE exists and has not changed size for 0.3 s.
wait_stable() {
    _last=-1
    _same=0
    _n=0
    while [ "$_same" -lt 3 ] && [ "$_n" -lt 300 ]; do
        _n=$((_n + 1))
        sleep 0.1
        _size=$(wc -c <"$1" 2>/dev/null || echo -1)
        if [ "$_size" = "$_last" ] && [ "$_size" != -1 ]; then
            _same=$((_same + 1))
        else
            _same=0
        fi
        _last=$_size
    done
}

# record_start FILE BYTE: the byte offset of the record holding BYTE (the
# last `@ ` header line at or before it).
record_start() {
    LC_ALL=C grep -a -b '^@ ' "$1" | awk -F: -v at="$2" '$1 <= at { s = $1 } END { print s }'
}

# follow_kill9 APP DIR INPUT LINES: APP --data DIR --follow INPUT in the
# background until its output has LINES lines and DIR's journal stopped
# growing, then kill -9: DIR holds a whole journal and no checkpoint.
follow_kill9() {
    rm -rf "$2"
    : >"$W/bg.out"
    : >"$W/bg.err"
    start_bg "$1" --data "$2" --follow "$3"
    wait_lines "$W/bg.out" "$4" 20 || note "$3 was not processed while following"
    wait_stable "$2/journal"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget "$pid"
}

# The events of the crash tests and their uninterrupted run.
N_EVENTS=300000
[ "$sanitized" = no ] || N_EVENTS=60000
"$G" "$N_EVENTS" 1 >ev.txt
run "$C" --save ref.snap ev.txt
[ "$st" = 0 ] || setup_fail "the uninterrupted counters run exited $st"
cp "$W/out" ref.out

# crash_session FSYNC CHECKPOINT_MB SEED KILLS: on a fresh DIR, the kill -9
# loop, then the run to the end, whose store must be the uninterrupted one;
# then a restart that must process nothing.
crash_session() {
    rm -rf D run.*.out
    : >"$W/loop.err"
    kill_loop "$4" "$3" "$lo" "$hi" "$C" --data D --fsync "$1" --checkpoint-mb "$2" ev.txt
    run "$C" --data D --fsync "$1" --checkpoint-mb "$2" --save final.snap --stats ev.txt
    want_status 0
    want_file ref.snap final.snap "the final store (--save)"
    torn=$((torn + $(cat "$W/loop.err" "$W/err" | grep -c 'torn record' || true)))
    ls D/snapshot.tmp.* >/dev/null 2>&1 && note "a temporary snapshot was left in DIR"
    run "$C" --data D --fsync "$1" --save again.snap ev.txt
    want_status 0
    want_no_out
    want_file ref.snap again.snap "the store after a restart after the end"
}

# crash_test NAME FSYNC CHECKPOINT_MB SEED: crash sessions until $KILLS
# kills have hit a running process (the window shrinks when a session's
# work ended first; at most 4 sessions).
crash_test() {
    kill_window "$C" --data D --fsync "$2" --checkpoint-mb "$3" ev.txt
    total=0
    torn=0
    sessions=0
    while [ "$total" -lt "$KILLS" ] && [ "$sessions" -lt 4 ]; do
        sessions=$((sessions + 1))
        crash_session "$2" "$3" $(($4 * 10 + sessions)) $((KILLS - total))
        total=$((total + live))
        [ "$ends" = 0 ] || hi=$(((lo + hi) / 2 + 1))
    done
    [ "$total" -ge "$KILLS" ] || note "only $total kills hit a running process"
    info="$total kills in $sessions session(s), $lo..$hi ms, $torn torn tails"
    verdict "$1"
}

# ==== crash: kill -9 loops ==================================================

if group crash; then

# The default fsync; checkpoints every 4 MiB keep each restart's replay short.
crash_test kill9-everysec everysec 4 1

crash_test kill9-always always 4 2

# A checkpoint after every batch: most of the time goes to checkpoints, so
# most kills land inside one (render, temp file, fsync, rename, truncate).
crash_test kill9-in-checkpoints everysec 0 3

fi

# ==== feed: the change feed is at least once ================================

if group feed; then

# The probe echoes every set as exactly one line, unique here: an
# uninterrupted run's lines, in order, are ref lines 1..N. Each killed run
# prints a contiguous stretch (its last line may be cut by the kill), the
# next one starts at or before where the previous one's output ended, and
# together they cover every line.
awk 'BEGIN { for (i = 1; i <= 60000; i++) printf "set b%d k%d v%d\n", i % 7, i % 5000, i }' >echo.txt
run "$P" --save echo-ref.snap echo.txt
cp "$W/out" echo-ref.out
rm -rf D run.*.out
: >"$W/loop.err"
kill_window "$P" --data D echo.txt
kill_loop 20 7 "$lo" "$hi" "$P" --data D echo.txt
run "$P" --data D --save echo-final.snap echo.txt
want_status 0
want_file echo-ref.snap echo-final.snap "the final store (--save)"
cp "$W/out" "run.final.out"
files=$(i=1; while [ -f "run.$i.out" ]; do echo "run.$i.out"; i=$((i + 1)); done; echo run.final.out)
# shellcheck disable=SC2086 # one word per file
if ! awk '
    FNR == NR { pos[$0] = FNR; n = FNR; next }
    FNR == 1 { last = 0; cut = 0 }
    {
        if (!($0 in pos)) { cut = 1; next }     # the last line, cut by the kill
        if (cut) { bad = bad " " FILENAME ": lines after a cut one"; next }
        p = pos[$0]
        if (last && p != last + 1) bad = bad " " FILENAME ": line " FNR " jumps"
        if (!last && p > high + 1) bad = bad " " FILENAME ": starts after line " high + 1 " (lost lines)"
        last = p; seen[p] = 1; if (p > high) high = p
    }
    END {
        for (i = 1; i <= n; i++) if (!(i in seen)) { bad = bad " line " i " never printed"; break }
        if (bad != "") { print bad; exit 1 }
    }' echo-ref.out $files >feed.check 2>&1; then
    note "the feed is not at least once: $(head -c 300 feed.check)"
fi
[ "$(tail -c 1 run.final.out | od -An -c | tr -d ' ')" = '\n' ] || note "the last run's output ends in a cut line"
info="$live kills"
verdict feed-at-least-once

fi

# ==== files: the journal, torn tails, corruption, checkpoints ===============

if group files; then

# A DIR holding a journal of the first 20000 events and no snapshot: run
# with --follow (which does not end at the end of the file), wait until the
# journal is complete, kill -9.
"$G" 20000 3 >small.txt
run "$C" --save small-ref.snap small.txt
small_lines=$(wc -l <"$W/out")
make_journal() {
    follow_kill9 "$C" J small.txt "$small_lines"
}

make_journal
records=$(grep -c '^@ ' J/journal || true)
events=$(grep -c '^event ' J/journal || true)
[ "$records" -ge 20000 ] || note "the journal has $records records, expected at least 20000"
[ "$events" = 20000 ] || note "the journal has $events event lines, expected 20000"
[ ! -f J/snapshot ] || note "a snapshot before any checkpoint"
# readable with standard tools: the input's own lines, the positions
first_ev=$(grep -m1 '^event ' J/journal | cut -c7-)
[ "$first_ev" = "$(head -1 small.txt)" ] || note "the first event line is '$first_ev'"
grep -q "^at \"small.txt\" $(wc -c <small.txt) 20000 " J/journal ||
    note "no 'at' line for the end of small.txt"
run "$C" --data J --save j.snap --stats small.txt
want_status 0
want_no_out
want_file small-ref.snap j.snap "the store replayed from the journal"
want_err_prefix "counters: journal: 0 records, 0 bytes"
grep -q "replayed $records records" "$W/err" || note "--stats does not say 'replayed $records records'"
[ ! -s J/journal ] || note "the journal is not empty after the clean exit's checkpoint"
grep -q '^# seq ' J/snapshot || note "the snapshot has no '# seq' line"
verdict journal-replay-and-stats

# A torn tail: the last record cut in the middle.
make_journal
size=$(wc -c <J/journal)
truncate -s $((size - 7)) J/journal
run "$C" --data J --save j.snap small.txt
want_status 0
want_file small-ref.snap j.snap "the store after the torn tail"
want_err_prefix "counters: warning: J/journal: a torn record at byte"
# the cut record's event was processed again, and only it
[ "$(wc -l <"$W/out")" -le 2 ] || note "more than the torn record's event was processed again"
verdict torn-tail

# A flipped byte in an older record: exit 4, DIR left as it was.
make_journal
size=$(wc -c <J/journal)
at=$((size / 2))
# flip one digit of a value line's bytes somewhere in the middle: find a
# "value-" after the middle and change the byte after it
off=$(LC_ALL=C grep -a -b -o 'value-[0-9]' J/journal | awk -F: -v m="$at" '$1 > m { print $1 + 6; exit }')
rec=$(record_start J/journal "$off")
printf 'x' | dd of=J/journal bs=1 seek="$off" conv=notrunc 2>/dev/null
before=$(digest J)
rm -f j.snap
run "$C" --data J --save j.snap small.txt
want_status 4
want_no_out
want_err_line "counters: J/journal: journal corrupt at byte $rec (a damaged record with intact ones after it); DIR left as it is"
[ "$(digest J)" = "$before" ] || note "DIR changed"
[ ! -f j.snap ] || note "--save written though the store could not be loaded"
verdict corrupt-older-record

# A crash between the checkpoint's rename and the journal's truncation:
# the new snapshot and the old journal, whose records it already holds.
make_journal
cp J/journal old.journal
run "$C" --data J small.txt        # replays, nothing to process, checkpoints
want_status 0
cp old.journal J/journal
printf 'set half a snapshot' >J/snapshot.tmp.999     # and a cut temp file
run "$C" --data J --save j.snap --stats small.txt
want_status 0
want_file small-ref.snap j.snap "the store (no record applied twice)"
grep -q 'replayed 0 records' "$W/err" || note "records the snapshot holds were replayed"
[ ! -f J/snapshot.tmp.999 ] || note "the cut temporary snapshot is still there"
[ ! -s J/journal ] || note "the stale journal was not emptied"
verdict crash-between-rename-and-truncate

# New and empty buckets keep their creation order: initialize opens "ctl"
# (empty) before any event; after a kill and a restart the order must be
# the same as in one uninterrupted run (ctl first).
printf 'set a k1 v1\nset b k2 v2\n' >b1.txt
printf 'set a k1 v1\nset b k2 v2\nset ctl x y\n' >b2.txt
run "$P" --save b-ref.snap b2.txt
follow_kill9 "$P" D b1.txt 2
grep -q '^open ctl$' D/journal || note "the journal has no 'open ctl' line"
grep -q '^start$' D/journal || note "the journal has no 'start' line"
printf 'set ctl x y\n' >>b1.txt
run "$P" --data D --save b.snap b1.txt
want_status 0
want_file b-ref.snap b.snap "the store (bucket order)"
lines exp 'set ctl x y'
want_out exp
run "$P" --data D --save b.snap b1.txt
want_no_out
grep -q '^delete ctl ""$' D/snapshot && note "ctl is not empty any more, yet marked so"
verdict bucket-order-survives

# A guest whose initialize writes (probe: with ctl log-init, each instance
# adds 1 to ctl inits): the instance made after each trap counts (the first
# one ran before log-init was set), a restart's does not: it stands in for
# the instance the committed work ends with.
awk 'BEGIN { print "set ctl log-init 1"
    for (i = 1; i <= 100000; i++) { printf "set a k%d v%d\n", i % 3000, i; if (i % 10000 == 0) print "set a boom 1" } }' >init.txt
run "$P" --save init-ref.snap init.txt
grep -qx 'set ctl inits 10' init-ref.snap || note "the reference run has '$(grep inits init-ref.snap)'"
rm -rf D run.*.out
: >"$W/loop.err"
kill_window "$P" --data D init.txt
kill_loop 15 11 "$lo" "$hi" "$P" --data D init.txt
run "$P" --data D --save init.snap init.txt
want_status 0
want_file init-ref.snap init.snap "the store (ctl inits counts instances, not restarts)"
run "$P" --data D --save init.snap init.txt
want_no_out
want_file init-ref.snap init.snap "the store after one more restart"
info="$live kills"
verdict initialize-writes-once-per-instance

# A crash after a trap's record and before the record of the instance made
# after it (both go in one write; a torn write can keep the first only):
# the restart's instance is then the new one, and its initialize counts.
awk 'BEGIN { print "set ctl log-init 1"
    for (i = 1; i <= 30; i++) printf "set a k%d v%d\n", i, i; print "set a boom 1" }' >trap.txt
run "$P" --save trap-ref.snap trap.txt
follow_kill9 "$P" D trap.txt 32
last_start=$(LC_ALL=C grep -a -b -x 'start' D/journal | tail -1 | cut -d: -f1)
cut_at=$(record_start D/journal "$last_start")
if LC_ALL=C tail -c +$((cut_at + 1)) D/journal | grep -q '^event '; then
    note "the last start record is not the journal's last"
fi
truncate -s "$cut_at" D/journal
tail -c 40 D/journal | grep -q '^trap$' || note "the journal does not end with the trap's record"
run "$P" --data D --save trap.snap trap.txt
want_status 0
want_file trap-ref.snap trap.snap "the store (the new instance's initialize counted once)"
lines exp 'set ctl inits 1'
want_out exp
verdict crash-between-trap-and-new-instance

fi

# ==== follow: tail -f, signals, resume ======================================

if group follow; then

awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "set b k%d v%d\n", i, i }' >all.txt
run "$P" --save all-ref.snap all.txt
cp "$W/out" all-ref.out
head -1000 all.txt >f.txt
rm -rf D
: >"$W/bg.out"
: >"$W/bg.err"
start_bg "$P" --data D --follow --save f.snap f.txt
wait_lines "$W/bg.out" 1000 20 || note "the first 1000 lines were not processed"
sed -n '1001,2000p' all.txt >>f.txt
wait_lines "$W/bg.out" 2000 20 || note "appended lines were not processed"
# an unfinished last line waits for its newline
printf 'set b k2001 v20' >>f.txt
sleep 0.4
[ "$(wc -l <"$W/bg.out")" = 2000 ] || note "an unfinished line was processed"
kill -TERM "$pid"
wait_app "$pid"
want_status 143
head -2000 all-ref.out >exp
want_file exp "$W/bg.out" "the output while following"
[ -s "$W/bg.err" ] && note "stderr: $(head -c 200 "$W/bg.err")"
head -2000 all.txt >exp.in
run "$P" --save exp.snap exp.in
want_file exp.snap f.snap "--save at SIGTERM"
[ ! -s D/journal ] || note "no checkpoint at SIGTERM"
# the line gets its end, more are appended; a plain restart resumes
printf '01\n' >>f.txt
sed -n '2002,3000p' all.txt >>f.txt
run "$P" --data D --save f.snap f.txt
want_status 0
sed -n '2001,3000p' all-ref.out >exp
want_out exp
want_file all-ref.snap f.snap "the final store"
verdict follow-sigterm-resume

# SIGINT in a plain (not --follow) run: exit 130, a checkpoint, a resume.
"$G" 400000 5 >long.txt
run "$C" --save long-ref.snap long.txt
rm -rf D
: >"$W/bg.out"
: >"$W/bg.err"
start_bg "$C" --data D long.txt
sleep 0.3
kill -INT "$pid" 2>/dev/null || true
wait_app "$pid"
if [ "$st" = 0 ]; then
    info="it ended before the signal"
else
    want_status 130
    [ ! -s D/journal ] || note "no checkpoint at SIGINT"
fi
run "$C" --data D --save long.snap long.txt
want_status 0
want_file long-ref.snap long.snap "the final store"
verdict sigint-checkpoint-resume

# SIGTERM while the handler runs (an endless loop): with --data the event
# is undone whole, its own change too, and not committed, so the restart
# processes it again (here it then times out: a trap, its own change kept).
printf 'set b k1 a\nset b loop x\nset b k2 b\n' >spin.txt
run "$P" --timeout 300 --save spin-ref.snap spin.txt
rm -rf D
: >"$W/bg.out"
: >"$W/bg.err"
start_bg "$P" --data D spin.txt
wait_running "$pid"
sleep 0.3
kill -TERM "$pid"
wait_app "$pid"
want_status 143
grep -q 'spin.txt:2: terminated (SIGTERM) in on-set: the event is undone and not committed' "$W/bg.err" ||
    note "no 'undone and not committed' message: $(head -c 200 "$W/bg.err")"
grep -q '^set b loop' D/snapshot && note "the interrupted event's own change is in DIR"
grep -q '^set b k1 a$' D/snapshot || note "the event before it is not in DIR"
run "$P" --data D --timeout 300 --save spin.snap spin.txt
want_status 0
want_err_prefix "probe: spin.txt:2: trap in on-set (bucket \"b\", key \"loop\"): time limit"
want_file spin-ref.snap spin.snap "the final store"
verdict sigterm-in-handler-not-committed

# Two processes on one DIR: the second exits 4 naming the first's pid.
rm -rf D
: >"$W/bg.out"
start_bg "$P" --data D --follow f.txt
wait_lines "$W/bg.out" 1 20 || note "the first process did not start"
run "$P" --data D f.txt
want_status 4
want_no_out
want_err_line "probe: D is in use by process $pid (D/lock is locked)"
kill -TERM "$pid"
wait_app "$pid"
want_status 143
verdict one-process-per-dir

# stdin: read from wherever it is, its position reported, not skipped.
rm -rf D
printf 'set b k1 v1\nset b k2 v2\n' >in2.txt
run "$P" --data D - <in2.txt
want_status 0
run "$P" --data D - <in2.txt
want_status 0
lines exp 'set b k1 v1' 'set b k2 v2'
want_out exp
grep -q '^# at "-" 24 2 ' D/snapshot || note "no position of '-' in the snapshot"
verdict stdin-is-not-skipped

fi

# ==== usage: conflicts and changed inputs ===================================

if group usage; then

lines l.snap 'set old k v'
printf 'set b k1 v1\n' >u.txt
rm -rf D
run "$P" --data D --load l.snap --save u.snap u.txt
want_status 0
lines exp 'set old k v' 'set b k1 v1'
want_file exp u.snap "--load into an empty DIR"
printf 'set b k2 v2\n' >>u.txt
before=$(digest D)
run "$P" --data D --load l.snap u.txt
want_status 2
want_no_out
want_err_line "probe: --load with --data: D already holds a store (start with an empty directory to load one)"
[ "$(digest D)" = "$before" ] || note "DIR changed"
verdict load-with-data

run "$P" --fsync always u.txt
want_status 2
want_err_line "probe: --fsync only goes with --data DIR"
run "$P" --checkpoint-mb 3 u.txt
want_status 2
want_err_line "probe: --checkpoint-mb only goes with --data DIR"
run "$P" --data D --fsync sometimes u.txt
want_status 2
want_err_prefix "probe: invalid value for --fsync: 'sometimes'"
run "$P" --data D --checkpoint-mb x u.txt
want_status 2
run "$P" --data D u.txt u.txt
want_status 2
want_err_line "probe: with --data, each input may be given once ('u.txt' is given twice)"
verdict data-usage-errors

# Inputs that no longer hold what was processed: exit 4, nothing done.
rm -rf D
awk 'BEGIN { for (i = 1; i <= 50; i++) printf "set b k%d v%d\n", i, i }' >c.txt
run "$P" --data D c.txt
want_status 0
before=$(digest D)
head -c 100 c.txt >c.short && cp c.txt c.keep && cp c.short c.txt
run "$P" --data D c.txt
want_status 4
want_no_out
want_err_prefix "probe: c.txt: the file is shorter (100 bytes) than where D says its processing ended (byte $(wc -c <c.keep), line 50)"
[ "$(digest D)" = "$before" ] || note "DIR changed"
sed 's/^set b k50 v50$/set b k50 v5X/' c.keep >c.txt
run "$P" --data D c.txt
want_status 4
want_no_out
want_err_prefix "probe: c.txt: line 50, the last one D says was processed, is not what it was then"
[ "$(digest D)" = "$before" ] || note "DIR changed"
cp c.keep c.txt
run "$P" --data D c.txt
want_status 0
want_no_out
verdict changed-inputs

fi

# ==== limits: a full or unusable DIR ========================================

if group limits; then

# DIR is a file's child: cannot be made.
run "$P" --data u.txt/sub u.txt
want_status 4
want_err_prefix "probe: --data u.txt/sub: cannot create:"
verdict dir-unusable

# A full file system: a write fails, exit 4, and what DIR holds is a
# consistent prefix that a restart with room continues from. A 1 MiB tmpfs
# where mounting is allowed, else a journal that is /dev/full.
mnt="$tmp/mnt"
mkdir -p "$mnt"
if mount -t tmpfs -o size=1m kvaot-test "$mnt" 2>/dev/null; then
    mounted=$mnt
    how=tmpfs
    run "$C" --data "$mnt/D" --fsync always ev.txt
    want_status 4
    want_err_prefix "counters: $mnt/D/journal: cannot write: No space left on device"
    cp -r "$mnt/D" D.full
    umount "$mnt"
    mounted=
else
    how=/dev/full
    rm -rf D.full
    mkdir D.full
    ln -s /dev/full D.full/journal
    run "$C" --data D.full --fsync always ev.txt
    want_status 4
    want_err_prefix "counters: D.full/journal: cannot write: No space left on device"
    rm D.full/journal
    : >D.full/journal
fi
run "$C" --data D.full --save full.snap ev.txt
want_status 0
want_file ref.snap full.snap "the store after a restart with room"
info=$how
verdict dir-full

fi

finish
