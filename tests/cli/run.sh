#!/bin/sh
# tests/cli/run.sh - end-to-end tests of the built executable's command line
# (SPEC §4, §5, §7): JSON in and out, --load/--save (canonical text, round
# trip, atomicity under kill -9, every exit path), trap rollback and fresh
# instances, --on-trap, --timeout, --max-memory, --max-value, --max-handles,
# malformed input (exact messages and 1-based byte columns), --skip-bad,
# I/O and usage errors, signals, streaming in flat memory, output flushing,
# --stats, --help, --version, and the guest's side channel (SPEC §8.1:
# --guest-output, --env).
#
# Every expected output here is written by hand from the SPEC, not copied
# from what the program prints.
#
# The guest is tests/cli/probe.wat (see its header for what each key makes it
# do), assembled with wat2wasm and built with kvaot once per run into a
# temporary directory.
#
# Environment:
#   BUILD        build directory (default build)
#   KVAOT        the transpiler (default $BUILD/bin/kvaot)
#   KVAOT_FLAGS  extra `kvaot build` flags, shell words split with eval, e.g.
#                --no-static --cc "cc -fsanitize=address,undefined"
#   TESTS        optional space-separated list of test groups to run
#                (json snap trap limits bad stream misc wasi)
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
TESTS=${TESTS:-json snap trap limits bad stream misc wasi}
case $KVAOT in
/*) ;;
*) KVAOT="$root/$KVAOT" ;;
esac

bgpids=

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvaot-cli.XXXXXX")
W="$tmp/w"
mkdir -p "$W" "$tmp/bin"
details="$tmp/details"

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    for p in $bgpids; do
        kill -9 "$p" 2>/dev/null || true
    done
    exec 3>&-
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if command -v timeout >/dev/null 2>&1; then
    limit="timeout 60"
else
    limit=
fi
have_jq=no
command -v jq >/dev/null 2>&1 && have_jq=yes

. "$root/tests/lib_run.sh"

# ---- the guest -----------------------------------------------------------

if ! command -v wat2wasm >/dev/null 2>&1; then
    echo "FAIL setup: wat2wasm not found (Debian package wabt)"
    failed=1
    finish
fi
if [ ! -x "$KVAOT" ]; then
    echo "FAIL setup: $KVAOT not found or not executable (run make all)"
    failed=1
    finish
fi
if ! wat2wasm "$here/probe.wat" -o "$tmp/probe.wasm" >"$tmp/build.log" 2>&1 ||
    ! eval "\"\$KVAOT\" build \"\$tmp/probe.wasm\" -o \"\$tmp/bin/probe\" $KVAOT_FLAGS" \
        >>"$tmp/build.log" 2>&1 ||
    [ ! -x "$tmp/bin/probe" ]; then
    echo "FAIL setup: building tests/cli/probe.wat failed:"
    sed -n '1,40p' "$tmp/build.log" | sed 's/^/    /'
    failed=1
    finish
fi
P="$tmp/bin/probe"
sanitized=no
case " $KVAOT_FLAGS " in *sanitize=*) sanitized=yes ;; esac

cd "$W"
DEL=$(printf '\177')

group() {
    case " $TESTS " in *" $1 "*) return 0 ;; esac
    return 1
}

# ==== JSON ==================================================================

if group json; then

# --format json: one object per line, keys op, bucket, key, value|value_b64;
# value_b64 exactly when the value is not valid UTF-8.
cat >j1.txt <<'EOF'
set b k hello
set b "k\"q" "tab\there"
set b k2 "\xff\xfe"
set "ü b" ключ π≈3
set b empty
set b ctl "\x01\x7f"
set b mixed "\xc3\xa9\xff"
set b del k
EOF
lines exp \
    '{"op":"set","bucket":"b","key":"k","value":"hello"}' \
    '{"op":"set","bucket":"b","key":"k\"q","value":"tab\there"}' \
    '{"op":"set","bucket":"b","key":"k2","value_b64":"//4="}' \
    '{"op":"set","bucket":"ü b","key":"ключ","value":"π≈3"}' \
    '{"op":"set","bucket":"b","key":"empty","value":""}' \
    '{"op":"set","bucket":"b","key":"ctl","value":"\u0001'"$DEL"'"}' \
    '{"op":"set","bucket":"b","key":"mixed","value_b64":"w6n/"}' \
    '{"op":"delete","bucket":"b","key":"k"}'
run "$P" --format json j1.txt </dev/null
want_status 0
want_json_out exp
run "$P" --format=json j1.txt </dev/null
want_status 0
want_json_out exp
verdict json-output

# JSON input: value, value_b64, no value (= empty), unknown fields (a huge
# number too) ignored, leading blanks, escapes, \u0000, deletes.
cat >j2.txt <<'EOF'
{"op":"set","bucket":"b","key":"k","value":"v1"}
{"op":"set","bucket":"b","key":"bin","value_b64":"AAEC/w=="}
{"extra":[1,{"x":null}],"op":"set","key":"u","bucket":"b","value":"x","big":123456789012345678901234567890}
{"op":"set","bucket":"b","key":"nov"}
  {"op":"set","bucket":"b","key":"esc","value":"line\nnext\u00e9\"q\\"}
{"op":"set","bucket":"b","key":"nul","value":"a\u0000b"}
{"op":"set","bucket":"b","key":"emoji","value":"\ud83d\ude00"}
{"op":"delete","bucket":"b","key":"k"}
{"op":"set","bucket":"b","key":"count","value_b64":""}
{"op":"delete","bucket":"b","key":"count","value":"ignored"}
EOF
lines exp \
    'set b k v1' \
    'set b bin "\0\x01\x02\xff"' \
    'set b u x' \
    'set b nov ""' \
    'set b esc "line\nnexté\"q\\"' \
    'set b nul "a\0b"' \
    'set b emoji 😀' \
    'set b count 1' \
    'set b count 2'
lines exp.snap \
    'set b bin "\0\x01\x02\xff"' \
    'set b u x' \
    'set b nov ""' \
    'set b esc "line\nnexté\"q\\"' \
    'set b nul "a\0b"' \
    'set b emoji 😀' \
    'set b count 2'
run "$P" --save j2.snap j2.txt </dev/null
want_status 0
want_out exp
want_file exp.snap j2.snap "--save file"
verdict json-input

# Both value and value_b64: malformed input, exit 3, after the line before.
lines j3.txt 'set b first 1' \
    '{"op":"set","bucket":"b","key":"k","value":"a","value_b64":"YQ=="}' \
    'set b after 2'
lines exp 'set b first 1'
run "$P" j3.txt </dev/null
want_status 3
want_out exp
want_err_line 'probe: j3.txt:2:1: both "value" and "value_b64" given'
verdict json-value-and-b64

# Text and JSON lines mixed in one file, with comments, blank lines, CRLF.
{
    printf 'set m a 1\r\n'
    printf '{"op":"set","bucket":"m","key":"b","value":"2"}\r\n'
    printf '# comment\n'
    printf '   \n'
    printf '  # indented comment\n'
    printf '\t\n'
    printf 'set m c "3"\n'
    printf '\t{"op":"delete","bucket":"m","key":"a"}\n'
    printf '{"op":"set","bucket":"m","key":"del","value":"b"}\n'
    printf 'set m cr v\r\r\n'
    printf 'set m nop not echoed\n'
    printf 'set\tm \t tabs   spaced  value \n'
    printf 'set m qv "v"  \t\n'
    printf '{"op":"set","bucket":"m","key":"last","value":"no newline"}'
} >j4.txt
lines exp 'set m a 1' 'set m b 2' 'set m c 3' 'delete m b' 'set m cr "v\r"' \
    'set m tabs "spaced  value "' 'set m qv v' 'set m last no newline'
lines exp.snap 'set m c 3' 'set m del b' 'set m cr "v\r"' 'set m nop not echoed' \
    'set m tabs "spaced  value "' 'set m qv v' 'set m last no newline'
run "$P" --save j4.snap j4.txt </dev/null
want_status 0
want_out exp
want_file exp.snap j4.snap "--save file"
verdict json-text-mixed

# Round trip: the JSON output of the echoing guest, fed back as input, gives
# the same output and the same store.
cat >r.txt <<'EOF'
set "" "" "\0"
set "b\tb" "k\nk" "v\x7f"
set u ü "\xff\x00x"
set u "q\"" "\\back"
set u "sp ace" "  "
set u plain hello world
EOF
lines exp \
    '{"op":"set","bucket":"","key":"","value":"\u0000"}' \
    '{"op":"set","bucket":"b\tb","key":"k\nk","value":"v'"$DEL"'"}' \
    '{"op":"set","bucket":"u","key":"ü","value_b64":"/wB4"}' \
    '{"op":"set","bucket":"u","key":"q\"","value":"\\back"}' \
    '{"op":"set","bucket":"u","key":"sp ace","value":"  "}' \
    '{"op":"set","bucket":"u","key":"plain","value":"hello world"}'
lines exp.text \
    'set "" "" "\0"' \
    'set "b\tb" "k\nk" "v\x7f"' \
    'set u ü "\xff\0x"' \
    'set u "q\"" \back' \
    'set u "sp ace" "  "' \
    'set u plain hello world'
run "$P" --format json --save r1.snap r.txt </dev/null
want_status 0
want_json_out exp
cp "$W/out" r1.json
run "$P" --format json --save r2.snap r1.json </dev/null
want_status 0
want_file r1.json "$W/out" "second JSON pass"
want_file r1.snap r2.snap "store after the second pass"
want_file exp.text r1.snap "--save file"
run "$P" r1.json </dev/null
want_status 0
want_out exp.text
verdict json-round-trip

fi

# ==== snapshots ===============================================================

if group snap; then

# --save: buckets by creation (a delete event opens its bucket too), keys by
# insertion, a deleted-and-set-again key at the end, canonical quoting.
cat >s1.txt <<'EOF'
delete q nothing
set z k1 v1
set z k2 v2
set a "" empty-key
set z k3 "  lead"
delete z k1
set z k1 again
set a "x\"y" "trail "
set q k "\"starts"
set a "sp ace" "\x7f"
set a tab "a\tb"
set a ü ünï
set a bad "\xc3(x"
set a ctl "\x1b[0m"
set z k2 v2b
set a hi "#\r"
set a hash #x
set a e
set "b b" k v
set a upper "\xAB\xcd"
set a bs "\\"
EOF
printf 'set a rawtab x\t\nset a rawff a\377\nset a rawq a"b\nset a rawnul a\000b\n' >>s1.txt
printf 'set a "raw\tq\001" "in\tquotes\177"\n' >>s1.txt
# shellcheck disable=SC1003 # 'set a bs \' is a line ending in a backslash
lines exp.snap \
    'set q k "\"starts"' \
    'set z k2 v2b' \
    'set z k3 "  lead"' \
    'set z k1 again' \
    'set a "" empty-key' \
    'set a "x\"y" "trail "' \
    'set a "sp ace" "\x7f"' \
    'set a tab "a\tb"' \
    'set a ü ünï' \
    'set a bad "\xc3(x"' \
    'set a ctl "\x1b[0m"' \
    'set a hi "#\r"' \
    'set a hash #x' \
    'set a e ""' \
    'set a upper "\xab\xcd"' \
    'set a bs \' \
    'set a rawtab "x\t"' \
    'set a rawff "a\xff"' \
    'set a rawq a"b' \
    'set a rawnul "a\0b"' \
    'set a "raw\tq\x01" "in\tquotes\x7f"' \
    'set "b b" k v'
run "$P" --save s1.snap s1.txt </dev/null
want_status 0
want_file exp.snap s1.snap "--save file"
for t in s1.snap?*; do
    [ ! -e "$t" ] || note "left behind: $t"
done
verdict save-canonical

# An empty store saves an empty file.
rm -f empty.snap
run "$P" --save empty.snap </dev/null
want_status 0
want_no_out
if [ ! -f empty.snap ] || [ -s empty.snap ]; then
    note "empty.snap missing or not empty"
fi
verdict save-empty-store

# --save into a directory that does not exist: exit 4, the output is whole.
lines ns.txt 'set b k v'
lines exp 'set b k v'
run "$P" --save no/such/dir/x.snap ns.txt </dev/null
want_status 4
want_out exp
want_err_nonempty
verdict save-failure-exit-4

# stdout that cannot be written (/dev/full): exit 4, the store still saved.
if [ -w /dev/full ]; then
    rm -f full.snap
    if $limit "$P" --save full.snap ns.txt </dev/null >/dev/full 2>"$W/err"; then
        st=0
    else
        st=$?
    fi
    : >"$W/out"
    want_status 4
    want_err_nonempty
    want_file ns.txt full.snap "--save file"
    verdict output-failure-exit-4
fi

# --load then --save: byte-identical; --load calls no handler (the guest
# would echo every set).
run "$P" --load s1.snap --save s2.snap </dev/null
want_status 0
want_no_out
want_file s1.snap s2.snap "re-saved snapshot"
verdict load-save-round-trip

# --load applies its lines (text and JSON, deletes too, which also open
# their bucket) without handlers; events that follow do call them.
cat >l.txt <<'EOF'
# a snapshot may have comments
delete lfirst nothing
set l a 1
set l b 2

delete l a
set l a 3
{"op":"set","bucket":"l","key":"j","value":"json"}
set lfirst k v
EOF
lines ev.txt 'set l new x'
lines exp 'set l new x'
lines exp.snap 'set lfirst k v' 'set l b 2' 'set l a 3' 'set l j json' 'set l new x'
run "$P" --load l.txt --save l.snap ev.txt </dev/null
want_status 0
want_out exp
want_file exp.snap l.snap "--save file"
verdict load-no-handlers

# --load of a missing file: exit 4 before any event; --save target untouched
# (an existing one kept, a missing one not created).
lines keep.snap 'set keep me please'
cp keep.snap keep.orig
run "$P" --load nope.snap --save keep.snap ev.txt </dev/null
want_status 4
want_no_out
want_err_nonempty
want_file keep.orig keep.snap "--save target"
rm -f new.snap
run "$P" --load nope.snap --save new.snap ev.txt </dev/null
want_status 4
[ ! -e new.snap ] || note "--save target created"
verdict load-missing

# --load of a malformed file: exit 3 with the line's position, target kept.
lines badload.txt 'set l a 1' 'set l "unterminated' 'set l c 3'
run "$P" --load badload.txt --save keep.snap ev.txt </dev/null
want_status 3
want_no_out
want_err_line 'probe: badload.txt:2:7: unterminated quoted string'
want_file keep.orig keep.snap "--save target"
rm -f new.snap
run "$P" --load badload.txt --save new.snap ev.txt </dev/null
want_status 3
[ ! -e new.snap ] || note "--save target created"
verdict load-malformed

# Malformed input: stop with exit 3, the store so far is saved.
lines bad.txt 'set b k1 a' 'set b k2 b' 'set b "oops' 'set b k3 c'
lines exp 'set b k1 a' 'set b k2 b'
run "$P" --save bad.snap bad.txt </dev/null
want_status 3
want_out exp
want_err_line 'probe: bad.txt:3:7: unterminated quoted string'
want_file exp bad.snap "--save file"
verdict save-on-malformed-input

# --on-trap stop: exit 1, saved; the trapping event's own set stays, the
# guest's writes in it do not; later events are not processed.
lines stop.txt 'set b k1 a' 'set b boom x' 'set b k3 c'
lines exp 'set b k1 a'
lines exp.snap 'set b k1 a' 'set b boom x'
run "$P" --on-trap=stop --save stop.snap stop.txt </dev/null
want_status 1
want_out exp
want_err_prefix 'probe: stop.txt:2: trap in on-set (bucket "b", key "boom"): '
want_file exp.snap stop.snap "--save file"
verdict save-on-trap-stop

# SIGTERM / SIGINT while blocked reading a pipe that stays open: output
# flushed, store saved, exit 128 + N.
signal_test() {
    sig=$1
    want=$2
    rm -f fifo sig.snap "$W/out" "$W/err"
    mkfifo fifo
    "$P" --save sig.snap <fifo >"$W/out" 2>"$W/err" &
    pid=$!
    bgpids="$bgpids $pid"
    exec 3>fifo
    printf 'set b k1 a\nset b k2 b\n' >&3
    if ! wait_lines "$W/out" 2 10; then
        note "output not flushed while waiting for input"
    fi
    kill -"$sig" "$pid" 2>/dev/null || true
    wait_app "$pid"
    exec 3>&-
    lines exp 'set b k1 a' 'set b k2 b'
    want_status "$want"
    want_out exp
    want_file exp sig.snap "--save file"
}
signal_test TERM 143
verdict save-on-sigterm
signal_test INT 130
verdict save-on-sigint

# SIGTERM while the guest runs (an endless loop, no --timeout): the event is
# rolled back, the store saved, exit 143.
rm -f fifo sig.snap "$W/out" "$W/err"
mkfifo fifo
"$P" --save sig.snap <fifo >"$W/out" 2>"$W/err" &
pid=$!
bgpids="$bgpids $pid"
exec 3>fifo
printf 'set b k1 a\n' >&3
wait_lines "$W/out" 1 10 || note "output not flushed while waiting for input"
printf 'set b loop\n' >&3
# Wait until it spins in the guest (state R), then a little more.
wait_running "$pid"
sleep 0.2
kill -TERM "$pid" 2>/dev/null || true
wait_app "$pid"
exec 3>&-
lines exp 'set b k1 a'
lines exp.snap 'set b k1 a' 'set b loop ""'
want_status 143
want_out exp
want_file exp.snap sig.snap "--save file"
verdict sigterm-in-guest

# kill -9 at random moments of `--load S --save S`: S is always the old or
# the new snapshot in full, never a torn one.
# 12 MB in 1500 values of 8000 bytes: writing the snapshot takes a good
# part of the run, so some kills land while the temporary file is written.
awk 'BEGIN { v = sprintf("%08000d", 0)
    for (i = 0; i < 1500; i++) printf "set big k%06d %d-%s\n", i, i, v }' >S
now_ns() {
    date +%s%N 2>/dev/null || echo 0
}
torn=0
mids=0
olds=0
news=0
i=1
while [ "$i" -le 12 ]; do
    cp S old.snap
    printf 'set big counter %d\n' "$i" >kev.txt
    t0=$(now_ns)
    if ! "$P" --load S --save new.snap kev.txt </dev/null >/dev/null 2>&1; then
        note "unkilled run $i failed"
        break
    fi
    t1=$(now_ns)
    case "$t0$t1" in
    *[!0-9]*) dur=300000000 ;;
    *) dur=$((t1 - t0)) ;;
    esac
    [ "$dur" -gt 0 ] || dur=300000000
    # Uniform in [0.5, 1.05] x the run time: the save is at the end.
    delay=$(awk -v d="$dur" -v s="$i$$" 'BEGIN { srand(s); printf "%.4f", d * (0.5 + 0.55 * rand()) / 1e9 }')
    "$P" --load S --save S kev.txt </dev/null >/dev/null 2>&1 &
    pid=$!
    bgpids="$bgpids $pid"
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget "$pid"
    for t in S.tmp.*; do
        [ -e "$t" ] && mids=$((mids + 1))
        break
    done
    rm -f S.tmp.* 2>/dev/null || true
    if cmp -s S old.snap; then
        olds=$((olds + 1))
    elif cmp -s S new.snap; then
        news=$((news + 1))
    else
        torn=$((torn + 1))
        cp S torn.snap
        cp old.snap S
    fi
    i=$((i + 1))
done
[ "$torn" -eq 0 ] || note "$torn torn snapshots after kill -9 (old $olds, new $news)"
run "$P" --load S --save S.check </dev/null
want_status 0
want_file S S.check "snapshot after the kill -9 loop, re-saved"
info="killed before the rename $olds times ($mids while writing the temporary file), after $news times"
echo "  ($info)" >>"$details"
verdict save-atomic-kill9

fi

# ==== traps ====================================================================

if group trap; then

# A trap undoes the guest's writes of that event (stdout and store) and the
# next event runs in a fresh instance: the count global restarts and
# _initialize runs again (it prints ctl inits when ctl log-init exists).
lines ctl-log.txt 'set ctl log-init 1'
lines t.txt 'set b count' 'set b count' 'set b boom v' 'set b count' \
    'delete b boom' 'set b count'
lines exp 'set ctl inits 1' 'set b count 1' 'set b count 2' 'set ctl inits 2' \
    'set b count 1' 'set ctl inits 3' 'set b count 1'
lines exp.snap 'set ctl log-init 1' 'set ctl inits 3' 'set b count 1'
run "$P" --load ctl-log.txt --save t.snap t.txt </dev/null
want_status 0
want_out exp
want_err_prefix 'probe: t.txt:3: trap in on-set (bucket "b", key "boom"): '
want_err_prefix 'probe: t.txt:5: trap in on-delete (bucket "b", key "boom"): '
want_file exp.snap t.snap "--save file"
verdict trap-rollback-fresh-instance

# A guest with 2 MiB of data segments: fresh instances map the memory image
# copy-on-write (runtime/memory.c). What an event wrote to the segment stays
# while the instance lives and is gone after a trap; the image itself never
# changes (two traps, and a write between them). The image is made at the
# first re-instantiation (not before any trap) and is mapped from then on.
# A memory grown past the image is its initial size again after a trap.
# image_guest BYTES NAME: tests/cli/image-guest.sh BYTES built as $tmp/bin/NAME
image_guest() {
    if ! sh "$here/image-guest.sh" "$1" >"$tmp/$2.wat" ||
        ! wat2wasm "$tmp/$2.wat" -o "$tmp/$2.wasm" >"$tmp/build.log" 2>&1 ||
        ! eval "\"\$KVAOT\" build \"\$tmp/$2.wasm\" -o \"\$tmp/bin/$2\" $KVAOT_FLAGS" \
            >>"$tmp/build.log" 2>&1; then
        note "building the $2 guest ($1 bytes of data segments) failed"
        cat "$tmp/build.log" >>"$details"
    fi
}
image_guest 2097152 image
lines im.txt 'set b p 1' 'set b w 1' 'set b p 1' 'set b t 1' 'set b p 1' 'set b w 1' \
    'set b t 1' 'set b p 1' 'set b s 1' 'set b G 1' 'set b w 1' 'set b s 1' 'set b t 1' \
    'set b s 1' 'set b p 1'
lines im.exp 'set b peek ORIG' 'set b tail TAIL' 'set b peek XRIG' 'set b tail TAIL' \
    'set b peek ORIG' 'set b tail TAIL' 'set b peek ORIG' 'set b tail TAIL' 'set b size 0035' \
    'set b size 0036' 'set b size 0035' 'set b peek ORIG' 'set b tail TAIL'
run "$tmp/bin/image" im.txt
want_status 0
want_out im.exp
want_err_prefix 'image: im.txt:4: trap in on-set (bucket "b", key "t"): '
want_err_prefix 'image: im.txt:7: trap in on-set (bucket "b", key "t"): '
want_err_prefix 'image: im.txt:13: trap in on-set (bucket "b", key "t"): '
mkfifo im.fifo
"$tmp/bin/image" <im.fifo >/dev/null 2>&1 &
impid=$!
bgpids="$bgpids $impid"
exec 9>im.fifo
# no image before the first trap: the first instance copies its segments
echo 'set b p 1' >&9
sleep 0.3
! grep -q 'memfd:kvaot-memory-image' "/proc/$impid/maps" 2>/dev/null ||
    note "the memory image was made before any trap"
echo 'set b t 1' >&9
_i=0
while ! grep -q 'memfd:kvaot-memory-image' "/proc/$impid/maps" 2>/dev/null && [ "$_i" -lt 50 ]; do
    _i=$((_i + 1))
    sleep 0.1
done
grep -q 'memfd:kvaot-memory-image' "/proc/$impid/maps" 2>/dev/null ||
    note "the memory image is not mapped"
exec 9>&-
wait_app "$impid"
verdict trap-memory-image

# Pages written by an instance, in events that trapped or did not, read as
# zeros again in the next instance (runtime/memory.c rewrites only the
# pages the kernel reports written): for the image guest, on pages its
# image leaves zero, and for a guest with a small memory and no image.
image_guest 4096 small
lines wz.txt 'set b q 1' 'set b n 1' 'set b q 1' 'set b t 1' 'set b q 1' 'set b n 1' \
    'set b w 1' 'set b z 1' 'set b q 1' 'set b p 1' 'set b z 1' 'set b q 1'
lines exp 'set b zero 000.' 'set b zero 111.' 'set b zero 000.' 'set b zero 000.' \
    'set b peek ORIG' 'set b tail TAIL' 'set b zero 000.'
for g in image small; do
    run "$tmp/bin/$g" wz.txt
    want_status 0
    want_out exp
    want_err_prefix "$g: wz.txt:4: trap in on-set (bucket \"b\", key \"t\"): "
done
verdict trap-resets-written-pages

# After two traps, fresh instances track the pages they write by write
# protection (runtime/wtrack.c; the test above has its third trap that
# way). An instance that writes more pages than it tracks one by one (F
# fills megabytes) is reset by the page scan instead, and after two such
# instances tracking stays off: every fresh instance still reads its
# segments and zeros, for the image guest and a 4 MiB memory without one.
sh "$here/image-guest.sh" 4096 |
    sed 's/(memory (export "memory") 3)/(memory (export "memory") 64)/' >"$tmp/wide.wat"
if ! wat2wasm "$tmp/wide.wat" -o "$tmp/wide.wasm" >"$tmp/build.log" 2>&1 ||
    ! eval "\"\$KVAOT\" build \"\$tmp/wide.wasm\" -o \"\$tmp/bin/wide\" $KVAOT_FLAGS" \
        >>"$tmp/build.log" 2>&1; then
    note "building the wide guest failed"
    cat "$tmp/build.log" >>"$details"
fi
lines wf.txt 'set b t 1' 'set b t 1' 'set b q 1' 'set b F 1' 'set b q 1' 'set b p 1' \
    'set b t 1' 'set b q 1' 'set b p 1' 'set b F 1' 'set b t 1' 'set b p 1' 'set b n 1' \
    'set b z 1' 'set b q 1' 'set b p 1'
lines exp 'set b zero 000.' 'set b zero 111.' 'set b peek FFFF' 'set b tail FFFF' \
    'set b zero 000.' 'set b peek ORIG' 'set b tail TAIL' 'set b peek ORIG' 'set b tail TAIL' \
    'set b zero 000.' 'set b peek ORIG' 'set b tail TAIL'
for g in image wide; do
    for knob in on off; do
        run env KVAOT_TRACK_WRITES=$knob "$tmp/bin/$g" wf.txt
        want_status 0
        want_out exp
        want_err_prefix "$g: wf.txt:14: trap in on-set (bucket \"b\", key \"z\"): "
    done
done
verdict trap-resets-after-many-pages

# The same and the image test without write tracking
# (KVAOT_TRACK_WRITES=off: the kernel's page scan every time), and without
# the page scan too (KVAOT_DIRTY_SCAN=off): the fallbacks a kernel older
# than 6.7 gets, memset and MADV_DONTNEED.
lines exp 'set b zero 000.' 'set b zero 111.' 'set b zero 000.' 'set b zero 000.' \
    'set b peek ORIG' 'set b tail TAIL' 'set b zero 000.'
for knobs in "KVAOT_TRACK_WRITES=off" "KVAOT_TRACK_WRITES=off KVAOT_DIRTY_SCAN=off"; do
    for g in image small; do
        run env $knobs "$tmp/bin/$g" wz.txt
        want_status 0
        want_out exp
    done
    run env $knobs "$tmp/bin/image" im.txt
    want_status 0
    want_out im.exp
done
verdict trap-resets-without-page-scan

# Under valgrind (it reports the tracked faults' addresses wrongly) and
# under a debugger (gdb would stop at each), write tracking is off by
# itself: after two traps, a write to pages no instance wrote before is
# kept (under valgrind it became a "call stack exhausted" trap), and the
# next trap resets it.
lines vg.txt 'set b t 1' 'set b t 1' 'set b q 1' 'set b n 1' 'set b q 1' 'set b z 1' \
    'set b q 1' 'set b p 1'
lines exp 'set b zero 000.' 'set b zero 111.' 'set b zero 000.' 'set b peek ORIG' \
    'set b tail TAIL'
case $KVAOT_FLAGS in
*sanitize=address*)     # valgrind cannot run AddressSanitizer's executables
    echo "trap-tracking-off-under-valgrind-and-gdb: valgrind part skipped under ASan" ;;
*)
    run valgrind -q "$tmp/bin/small" vg.txt
    want_status 0
    want_out exp
    want_err_prefix 'small: vg.txt:6: trap in on-set (bucket "b", key "z"): Unreachable'
    ! grep -q 'vg.txt:4' "$W/err" || note "under valgrind, event 4 trapped" ;;
esac
run gdb -nx -batch -ex run --args "$tmp/bin/small" vg.txt
grep '^set ' "$W/out" >"$W/gdb.out" || true
want_file exp "$W/gdb.out" "the program's output under gdb"
! grep -q SIGSEGV "$W/out" || note "gdb stopped at a SIGSEGV"
verdict trap-tracking-off-under-valgrind-and-gdb

# Trap report: <stdin>, line numbers counting comments, canonical quoting of
# bucket and key.
printf '# c\nset "sp ace" boom\nset "t\\tb" boom x\n{"op":"delete","bucket":"q\\"","key":"boom"}\n' >tm.txt
run "$P" <tm.txt
want_status 0
want_no_out
want_err_prefix 'probe: <stdin>:2: trap in on-set (bucket "sp ace", key "boom"): '
want_err_prefix 'probe: <stdin>:3: trap in on-set (bucket "t\tb", key "boom"): '
want_err_prefix 'probe: <stdin>:4: trap in on-delete (bucket "q\"", key "boom"): '
verdict trap-report-format

# Stack exhaustion is a trap like any other, and the next instance works.
lines rec.txt 'set b k1 v' 'set b rec' 'set b k2 v' 'set b rec' 'set b k3 v'
lines exp 'set b k1 v' 'set b k2 v' 'set b k3 v'
run "$P" rec.txt </dev/null
want_status 0
want_out exp
want_err_prefix 'probe: rec.txt:2: trap in on-set (bucket "b", key "rec"): '
want_err_prefix 'probe: rec.txt:4: trap in on-set (bucket "b", key "rec"): '
verdict stack-exhaustion

# Rollback puts deleted keys back at their original place (delboom: delete
# a, set a, delete c, trap); delok is the same without the trap.
lines d.txt 'set d a 1' 'set d b 2' 'set d c 3' 'set d delboom' 'set d after x'
lines exp 'set d a 1' 'set d b 2' 'set d c 3' 'set d after x'
lines exp.snap 'set d a 1' 'set d b 2' 'set d c 3' 'set d delboom ""' 'set d after x'
run "$P" --save d.snap d.txt </dev/null
want_status 0
want_out exp
want_err_prefix 'probe: d.txt:4: trap in on-set (bucket "d", key "delboom"): '
want_file exp.snap d.snap "--save file"
verdict trap-rollback-deletes

lines d2.txt 'set d a 1' 'set d b 2' 'set d c 3' 'set d delok' 'set d after x'
lines exp 'set d a 1' 'set d b 2' 'set d c 3' 'delete d a' 'set d a new' \
    'delete d c' 'set d after x'
lines exp.snap 'set d b 2' 'set d delok ""' 'set d a new' 'set d after x'
run "$P" --save d2.snap d2.txt </dev/null
want_status 0
want_out exp
want_file exp.snap d2.snap "--save file"
verdict no-trap-deletes

# Rollback removes a bucket the guest created in the trapped event: "fresh"
# is created again later, after "c".
lines nb.txt 'set b newbkt' 'set c k1 v' 'set fresh k2 v'
lines exp 'set c k1 v' 'set fresh k2 v'
lines exp.snap 'set b newbkt ""' 'set c k1 v' 'set fresh k2 v'
run "$P" --save nb.snap nb.txt </dev/null
want_status 0
want_out exp
want_file exp.snap nb.snap "--save file"
verdict trap-rollback-bucket

# A trap in _initialize: exit 5 and nothing saved, at start...
lines ctl-trap.txt 'set ctl trap-init 1'
lines ev.txt 'set l new x'
lines keep.snap 'set keep me please'
cp keep.snap keep.orig
run "$P" --load ctl-trap.txt --save keep.snap ev.txt </dev/null
want_status 5
want_no_out
want_err_nonempty
want_file keep.orig keep.snap "--save target"
rm -f new.snap
run "$P" --load ctl-trap.txt --save new.snap ev.txt </dev/null
want_status 5
[ ! -e new.snap ] || note "--save file written"
verdict start-failure-saves-nothing

# ...and when re-instantiating after a trap.
lines ri.txt 'set b x 1' 'set ctl trap-init 1' 'set b boom' 'set b y 2'
lines exp 'set b x 1' 'set ctl trap-init 1'
rm -f new.snap
run "$P" --save new.snap ri.txt </dev/null
want_status 5
want_out exp
want_err_prefix 'probe: ri.txt:3: trap in on-set (bucket "b", key "boom"): '
[ ! -e new.snap ] || note "--save file written"
verdict restart-failure-saves-nothing

fi

# ==== limits ===================================================================

if group limits; then

# --timeout: the endless loop traps, the next event runs. Twice, with a
# trap that is not a signal between: the deadline's signal is unblocked
# again after each unwind out of its handler.
lines to.txt 'set b loop' 'set b boom' 'set b loop' 'set b after x'
lines exp 'set b after x'
run "$P" --timeout 100 to.txt </dev/null
want_status 0
want_out exp
want_err_prefix 'probe: to.txt:1: trap in on-set (bucket "b", key "loop"): '
verdict timeout

# --max-memory 1 (MiB = 16 pages): the guest has 1 page; grow(15) works,
# grow(1) more fails. Without the cap both work.
lines g.txt 'set b grow'
lines exp 'set b grow of'
run "$P" --max-memory 1 g.txt </dev/null
want_status 0
want_out exp
lines exp 'set b grow oo'
run "$P" g.txt </dev/null
want_status 0
want_out exp
verdict max-memory

# --max-value 10: an 11-byte write returns stream-error and moves nothing;
# 10 bytes then 1 more: ok then stream-error.
lines big.txt 'set b big'
lines exp 'set b big1 ""' 'set b big2 0123456789' 'set b bigtags eoe'
run "$P" --max-value 10 big.txt </dev/null
want_status 0
want_out exp
lines exp 'set b big1 0123456789a' 'set b big2 0123456789a' 'set b bigtags ooo'
run "$P" big.txt </dev/null
want_status 0
want_out exp
verdict max-value

# --max-handles 4: event bucket + incoming-value + outgoing-value + one
# output-stream fill the table; a second write-body is an error until the
# first stream is dropped.
lines h.txt 'set b hand'
lines exp 'set b hand oeo'
run "$P" --max-handles 4 h.txt </dev/null
want_status 0
want_out exp
lines exp 'set b hand ooo'
run "$P" h.txt </dev/null
want_status 0
want_out exp
verdict max-handles

# Full table: a failing delete must make an error handle, so it traps (and
# the event is rolled back); with room it is an ordinary error.
lines he.txt 'set b handerr' 'set b k v'
lines exp 'set b k v'
run "$P" --max-handles 4 he.txt </dev/null
want_status 0
want_out exp
want_err_prefix 'probe: he.txt:1: trap in on-set (bucket "b", key "handerr"): '
lines exp 'set b handerr eh' 'set b k v'
run "$P" he.txt </dev/null
want_status 0
want_out exp
verdict max-handles-error-handle-traps

# --timeout is per event: many quick events, together far past the limit,
# never trap.
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "set b k%d v\n", i % 1000 }' >many.txt
run "$P" --timeout 50 --stats many.txt </dev/null
want_status 0
[ "$(wc -l <"$W/out")" -eq 200000 ] || note "expected 200000 output lines"
grep -Eq '(^|[^a-z/])traps[ :=]+0([^0-9]|$)' "$W/err" || note "--stats does not say traps 0"
verdict timeout-per-event

fi

# ==== malformed input ==========================================================

if group bad; then

# Every malformed-line case with --skip-bad: each reported as
# `probe: FILE:LINE:COL: message` (1-based byte columns), the good lines
# processed, exit 0.
{
    printf 'set s ok1 a\n'                                         # 1
    printf 'frob b k\n'                                            # 2
    printf '   sett b k\n'                                         # 3
    printf 'set\n'                                                 # 4
    printf 'set b\n'                                               # 5
    printf 'delete b \n'                                           # 6
    printf 'set b"x k v\n'                                         # 7
    printf 'set b k\001 v\n'                                       # 8
    printf 'set "b k v\n'                                          # 9
    printf 'set "b"x k\n'                                          # 10
    printf 'set b "k\\q" v\n'                                      # 11
    printf 'set b "\\x4" v\n'                                      # 12
    printf 'set b k "v" x\n'                                       # 13
    printf 'delete b k extra\n'                                    # 14
    printf 'set \377 k v\n'                                        # 15
    printf 'set b "a\\xffb" v\n'                                   # 16
    printf 'set b \303\251\377 v\n'                                # 17
    printf 'set b k "a\\qb"\n'                                     # 18
    printf 'set b k "abc\n'                                        # 19
    printf 'set b "abc\\\n'                                        # 20
    printf 'set b\177 k v\n'                                       # 21
    printf '{"op":"put","bucket":"b","key":"k"}\n'                 # 22
    printf '{}\n'                                                  # 23
    printf '  {"op":"set","bucket":1,"key":"k"}\n'                 # 24
    printf '{"op":"set","bucket":"b"}\n'                           # 25
    printf '{"op":"set","bucket":"b","key":"k","value":"a","value_b64":"YQ=="}\n' # 26
    printf '{"op":"set","bucket":"b","key":"k","value_b64":"YQ="}\n'  # 27
    printf '{"op":"set","bucket":"b","key":"k","value":5}\n'       # 28
    printf 'set s ok2 b\n'                                         # 29
    printf 'set b "k\\\001" v\n'                                   # 30
    printf '{"op":"set","bucket":"b","key":"k","value_b64":"Y Q=="}\n' # 31
    printf '{"op":"set","bucket":"b","key":"k","value_b64":"YQ*="}\n'  # 32
    printf '{"op":"set","bucket":"b","key":"k","value_b64":"YQ==\\n"}\n' # 33
    printf 'set b "\\xZZ" v\n'                                     # 34
    printf 'set "" k "\\x4"\n'                                     # 35
    printf 'set b "k"\001 v\n'                                     # 36
    printf 'set s ok3 c\r\n'                                       # 37
    printf '{"op":"set","bucket":"b","key":"k","value_b64":"-_8="}\n'  # 38
} >skip.txt
lines exp.err \
    'probe: skip.txt:2:1: expected "set" or "delete"' \
    'probe: skip.txt:3:4: expected "set" or "delete"' \
    'probe: skip.txt:4:4: missing bucket' \
    'probe: skip.txt:5:6: missing key' \
    'probe: skip.txt:6:10: missing key' \
    "probe: skip.txt:7:6: unexpected '\"' in bucket" \
    'probe: skip.txt:8:8: control byte 0x01 in key' \
    'probe: skip.txt:9:5: unterminated quoted string' \
    'probe: skip.txt:10:8: expected blank after quoted bucket' \
    'probe: skip.txt:11:9: invalid escape \q' \
    'probe: skip.txt:12:8: \x must be followed by two hex digits' \
    'probe: skip.txt:13:13: unexpected text after quoted value' \
    'probe: skip.txt:14:12: unexpected text after key' \
    'probe: skip.txt:15:5: bucket is not valid UTF-8' \
    'probe: skip.txt:16:9: key is not valid UTF-8' \
    'probe: skip.txt:17:9: key is not valid UTF-8' \
    'probe: skip.txt:18:11: invalid escape \q' \
    'probe: skip.txt:19:9: unterminated quoted string' \
    'probe: skip.txt:20:7: unterminated quoted string' \
    'probe: skip.txt:21:6: control byte 0x7f in bucket' \
    'probe: skip.txt:22:1: "op" must be "set" or "delete"' \
    'probe: skip.txt:23:1: missing "op"' \
    'probe: skip.txt:24:3: "bucket" is not a string' \
    'probe: skip.txt:25:1: missing "key"' \
    'probe: skip.txt:26:1: both "value" and "value_b64" given' \
    'probe: skip.txt:27:1: "value_b64" is not valid padded base64' \
    'probe: skip.txt:28:1: "value" is not a string' \
    'probe: skip.txt:30:9: invalid escape: byte 0x01 after backslash' \
    'probe: skip.txt:31:1: "value_b64" is not valid padded base64' \
    'probe: skip.txt:32:1: "value_b64" is not valid padded base64' \
    'probe: skip.txt:33:1: "value_b64" is not valid padded base64' \
    'probe: skip.txt:34:8: \x must be followed by two hex digits' \
    'probe: skip.txt:35:11: \x must be followed by two hex digits' \
    'probe: skip.txt:36:10: expected blank after quoted key' \
    'probe: skip.txt:38:1: "value_b64" is not valid padded base64'
lines exp 'set s ok1 a' 'set s ok2 b' 'set s ok3 c'
run "$P" --skip-bad skip.txt </dev/null
want_status 0
want_out exp
want_file exp.err "$W/err" stderr
verdict skip-bad-text-and-json

# JSON syntax errors: the message is jansson's, the column is the offending
# byte, or one past the end when the line ends too early; a lone surrogate
# is an error pointing into its string.
{
    printf '{"op":"set",x}\n'                                      # 1: x at 13
    printf '{"op":"set","bucket":"b","key":"k"\n'                  # 2: 34 bytes
    printf '{"op":"delete","bucket":"b","key":"k"} x\n'            # 3: x at 40
    printf '{"op":"set","bucket":"b","key":"\\ud800"}\n'           # 4: string at 32..39
    printf 'set s ok x\n'                                          # 5
} >js.txt
lines exp 'set s ok x'
run "$P" --skip-bad js.txt </dev/null
want_status 0
want_out exp
want_err_prefix 'probe: js.txt:1:13: invalid JSON: '
want_err_prefix 'probe: js.txt:3:40: invalid JSON: '
[ "$(wc -l <"$W/err")" -eq 4 ] || note "expected 4 stderr lines"
verdict json-syntax-errors
want_err_prefix 'probe: js.txt:2:35: invalid JSON: '
verdict json-syntax-error-at-end-of-line
if ! grep -Eq '^probe: js\.txt:4:3[23]: invalid JSON: ' "$W/err"; then
    note "expected 'probe: js.txt:4:32: invalid JSON: ...' (the string) or :33 (its \\ud800)"
fi
verdict json-lone-surrogate

# Without --skip-bad: stop at the first bad line with exit 3; earlier lines
# fully processed, later ones not; the store is saved.
printf 'set s a 1\nset s b 2\nset b k\001 v\nset s c 3\n' >stop3.txt
lines exp 'set s a 1' 'set s b 2'
run "$P" --save stop3.snap stop3.txt </dev/null
want_status 3
want_out exp
lines exp.err 'probe: stop3.txt:3:8: control byte 0x01 in key'
want_file exp.err "$W/err" stderr
want_file exp stop3.snap "--save file"
verdict stop-on-bad-line

# Same from stdin.
printf 'set s a 1\n\nfrob\nset s c 3\n' >stop4.txt
lines exp 'set s a 1'
run "$P" <stop4.txt
want_status 3
want_out exp
want_err_line 'probe: <stdin>:3:1: expected "set" or "delete"'
verdict stop-on-bad-line-stdin

# A missing second input file: exit 4 after the first was processed and
# saved; the third is not read.
lines f1.txt 'set f a 1' 'set f b 2'
lines f3.txt 'set f c 3'
lines exp 'set f a 1' 'set f b 2'
rm -f f.snap
run "$P" --save f.snap f1.txt missing.txt f3.txt </dev/null
want_status 4
want_out exp
grep -qF 'missing.txt' "$W/err" || note "stderr does not name missing.txt"
want_file exp f.snap "--save file"
verdict missing-second-file

# `-` reads stdin in its place among the files.
lines exp 'set f a 1' 'set f b 2' 'set f mid 2' 'set f c 3'
printf 'set f mid 2\n' >mid.txt
run "$P" f1.txt - f3.txt <mid.txt
want_status 0
want_out exp
verdict stdin-dash

# Usage errors: exit 2, nothing on stdout.
usage_case() {
    run "$P" "$@" </dev/null
    want_status 2
    want_no_out
    want_err_nonempty
}
usage_case --bogus
usage_case --format xml
usage_case --format
usage_case --timeout abc
usage_case --timeout -5
usage_case --timeout
usage_case --on-trap maybe
usage_case --max-handles lots
usage_case --max-value 1k
verdict usage-errors

fi

# ==== streaming and flushing =====================================================

if group stream; then

# 1 GiB of input, generated on the fly, through a guest that does nothing
# with it: max RSS stays flat (well under 64 MiB), every line is an event.
# Under ASan the allocator quarantine is turned off, as it would otherwise
# hold up to 256 MiB of freed values.
big_line="set b nop $(printf '%01000d' 0)"
if [ "$sanitized" = yes ]; then
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
    export ASAN_OPTIONS
fi
rss_kb=
if [ -x /usr/bin/time ]; then
    if yes "$big_line" | head -c 1073741824 |
        /usr/bin/time -f %M -o rss.txt "$P" --stats >"$W/out" 2>"$W/err"; then
        st=0
    else
        st=$?
    fi
    rss_kb=$(tail -n 1 rss.txt)
else
    # Sample the peak (VmHWM) from /proc while it runs.
    mkfifo bigfifo
    "$P" --stats <bigfifo >"$W/out" 2>"$W/err" &
    pid=$!
    bgpids="$bgpids $pid"
    (yes "$big_line" | head -c 1073741824 >bigfifo) &
    rss_kb=0
    while kill -0 "$pid" 2>/dev/null; do
        v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$v" ] && rss_kb=$v
        sleep 0.1
    done
    if wait "$pid"; then st=0; else st=$?; fi
    forget "$pid"
fi
want_status 0
want_no_out
# 1073741824 bytes = 1062059 lines of 1011 bytes + a last line of 175.
grep -Eq '(^|[^a-z/])events[ :=]+1062060([^0-9]|$)' "$W/err" ||
    note "--stats does not report 1062060 events"
case $rss_kb in
'' | *[!0-9]*) note "max RSS not measured ($rss_kb)" ;;
*)
    [ "$rss_kb" -lt 65536 ] || note "max RSS $rss_kb KiB for 1 GiB of input"
    info="max RSS $rss_kb KiB"
    echo "  ($info)" >>"$details"
    ;;
esac
verdict streaming-flat-memory

# A line longer than any read buffer (700 kB value).
{
    printf 'set b long '
    head -c 700000 /dev/zero | tr '\0' x
    printf '\nset b after y\n'
} >long.txt
cp long.txt exp
run "$P" long.txt </dev/null
want_status 0
want_out exp
verdict long-line

# Output is flushed before the program waits for more input.
rm -f fifo
mkfifo fifo
"$P" <fifo >"$W/out" 2>"$W/err" &
pid=$!
bgpids="$bgpids $pid"
exec 3>fifo
printf 'set b k1 one\n' >&3
wait_lines "$W/out" 1 10 || note "first output line not flushed while waiting"
printf 'set b k2 tw' >&3
sleep 0.2
printf 'o\n' >&3
wait_lines "$W/out" 2 10 || note "second output line not flushed while waiting"
exec 3>&-
wait_app "$pid"
lines exp 'set b k1 one' 'set b k2 two'
want_status 0
want_out exp
verdict flush-before-wait

fi

# ==== --stats, --help, --version ===================================================

if group misc; then

lines st.txt 'set b k v' 'set b boom' 'delete b k' 'set b nop' 'set b count'
lines exp 'set b k v' 'set b count 1'
run "$P" --stats st.txt </dev/null
want_status 0
want_out exp
for pat in 'events[ :=]+5' 'sets[ :=]+4' 'deletes[ :=]+1' 'traps[ :=]+1' \
    'mutations[ :=]+2'; do
    grep -Eq "(^|[^a-z/])$pat([^0-9]|\$)" "$W/err" || note "--stats lacks /$pat/"
done
for word in 'events/s' p50 p99 max; do
    grep -qF -- "$word" "$W/err" || note "--stats lacks '$word'"
done
verdict stats

for opt in -h --help; do
    run "$P" "$opt" </dev/null
    want_status 0
    [ -s "$W/out" ] || note "$opt: nothing on stdout"
    for o in --format --load --save --on-trap --timeout --max-memory --skip-bad \
        --max-handles --max-value --stats --guest-output --env --version; do
        grep -qF -- "$o" "$W/out" || note "$opt does not mention $o"
    done
done
verdict help

run "$P" --version </dev/null
want_status 0
[ -s "$W/out" ] || note "--version: nothing on stdout"
verdict version

fi

# ==== the guest's side channel (WASI) ==========================================

if group wasi; then

# tests/hostile/wasi-p1.wat: key "w" writes 01234 to fd 1, "W" to fd 2,
# "E" stores its environment buffer as b["env"] (see its header).
if ! wat2wasm "$root/tests/hostile/wasi-p1.wat" -o "$tmp/wasi.wasm" >"$tmp/build.log" 2>&1 ||
    ! eval "\"\$KVAOT\" build \"\$tmp/wasi.wasm\" -o \"\$tmp/bin/wasi\" $KVAOT_FLAGS" \
        >>"$tmp/build.log" 2>&1; then
    note "building tests/hostile/wasi-p1.wat failed"
    cat "$tmp/build.log" >>"$details"
fi
WP="$tmp/bin/wasi"
lines we.txt 'set b w 1' 'set b W 1'

# --guest-output FILE: fd 1 and 2 appended to FILE (not stderr), across runs
rm -f guest.log
run "$WP" --guest-output guest.log we.txt </dev/null
want_status 0
run "$WP" --guest-output guest.log we.txt </dev/null
want_status 0
printf '01234012340123401234' >exp
want_file exp guest.log "--guest-output file"
grep -q 01234 "$W/err" && note "guest output on stderr too"
[ "$(stat -c %a guest.log 2>/dev/null)" = 644 ] || note "--guest-output file mode is not 0644"
verdict guest-output-file

# default: stderr; none: nowhere
run "$WP" we.txt </dev/null
want_status 0
grep -q '^0123401234$' "$W/err" || note "guest output not on stderr by default"
run "$WP" --guest-output none we.txt </dev/null
want_status 0
grep -q 01234 "$W/err" && note "--guest-output none still writes"
verdict guest-output-default-none

# a --guest-output that cannot be opened: exit 4 before any event
run "$WP" --guest-output "$tmp/no/such/dir/log" we.txt </dev/null
want_status 4
want_no_out
want_err_prefix "wasi: --guest-output $tmp/no/such/dir/log: cannot open:"
verdict guest-output-unopenable

# --env NAME=VALUE, in order, a repeated NAME twice; the host environment
# is never passed on
lines env.txt 'set b E 1'
lines exp 'set b seen E' 'set b res 0' 'set b env "A=1\0B=\0A=2\0"'
HOME_SEEN=1 run "$WP" --env A=1 --env B= --env A=2 env.txt </dev/null
want_status 0
want_out exp
lines exp 'set b seen E' 'set b res 0' 'set b env ""'
HOME_SEEN=1 run "$WP" env.txt </dev/null
want_status 0
want_out exp
verdict env

# --env without NAME= or with an empty NAME: usage errors
for bad in NOEQUALS =value; do
    run "$WP" --env "$bad" env.txt </dev/null
    want_status 2
    want_no_out
    want_err_prefix "wasi: --env takes NAME=VALUE with a non-empty NAME: '$bad'"
done
verdict env-usage

fi

finish
