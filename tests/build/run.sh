#!/bin/sh
# tests/build/run.sh - kvaot build of a large generated guest
# (tests/build/gen-guest.awk: thousands of functions, all in a table, a
# data segment): split into units and compiled in parallel it behaves
# exactly as the one-unit build (--no-split); --profile keeps the guest's
# function names; the build cache (a rebuild compiles nothing, a changed
# function recompiles its unit only, a damaged entry is found and rebuilt,
# two builds at once both succeed); progress on a terminal and not on a
# pipe; -j, --big-fn-kb and --stats.
# A rebuild of the same guest takes even wasm2c's translation (the list of
# units) from the cache.
# Env: BUILD (default build), KVAOT_FLAGS (extra build flags, eval'd),
# FUNCS (the generated guest's functions, default 3000; at least 1500).
# Prints one line per test and `N passed, M failed`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
KVAOT=$BUILD/bin/kvaot
KVAOT_FLAGS=${KVAOT_FLAGS:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvaot-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# the tests' own build cache
export XDG_CACHE_HOME="$tmp/cache"
W=$tmp
details=$tmp/details
limit=
bgpids=
. "$root/tests/lib_run.sh"
# build ARGS...: kvaot build at -O1 (quicker; a later -O wins) with
# $KVAOT_FLAGS; status in $st, stderr in $tmp/err
build() {
    st=0
    eval "\"\$KVAOT\" build -O1 \"\$@\" $KVAOT_FLAGS" >"$tmp/out" 2>"$tmp/err" || st=$?
}
# compiles: the number of units compiled (not taken from the cache) by the
# last build with -v
compiles() {
    grep -c '^+ .* -c .*\.c -o ' "$tmp/err" || true
}
cd "$tmp"

N=${FUNCS:-3000}
awk -v N=$N -f "$here/gen-guest.awk" >big.wat
awk -v N=$N -v CHANGE=1234 -f "$here/gen-guest.awk" >changed.wat
wat2wasm big.wat -o big.wasm
wat2wasm changed.wat -o changed.wasm
awk 'BEGIN { for (i = 0; i < 300; i++) printf "set b%d k%d value-%d-%s\n", i % 3, i, i * 7, substr("abcdefghij", 1, i % 10) }' >ev.txt

# ---- split and unsplit behave the same ---------------------------------------
build big.wasm -O1 --no-split --no-cache -o whole --stats
[ "$st" = 0 ] || note "--no-split build exited $st"
grep -q 'not split' "$tmp/err" || note "--stats does not say 'not split'"
build big.wasm -O1 --no-cache -o split --stats
[ "$st" = 0 ] || note "split build exited $st"
units=$(sed -n 's/.*split [0-9.]* s into \([0-9]*\) units (\([0-9]*\) functions).*/\1 \2/p' "$tmp/err")
set -- $units
[ "${1:-0}" -ge 4 ] || note "split into ${1:-?} units, expected at least 4"
[ "${2:-0}" -ge "$N" ] || note "${2:-?} functions, expected at least $N"
grep -q 'warning' "$tmp/err" && note "a warning: $(grep warning "$tmp/err" | head -1)"
./whole ev.txt >whole.out 2>&1 || note "the one-unit executable failed"
./split ev.txt >split.out 2>&1 || note "the split executable failed"
[ "$(wc -l <split.out)" = 300 ] || note "$(wc -l <split.out) output lines, expected 300"
cmp -s whole.out split.out || note "split and one-unit outputs differ"
verdict split-behaves-as-one-unit

# ---- --profile keeps the names -----------------------------------------------
# (the generated guest has no name section: its functions are named
# wasm-function[N]; tests/profile checks names and lines in depth)
build big.wasm -O1 --profile -o prof
[ "$st" = 0 ] || note "--profile build exited $st"
named=$(nm prof 2>/dev/null | grep -c ' wasm-function\[[0-9]*\]$' || true)
[ "$named" -ge "$N" ] || note "$named guest functions named in the symbol table, expected $N"
a=$(nm prof | awk '$3 == "wasm-function[1500]" { print $1 }')
[ -n "$a" ] || note "no symbol wasm-function[1500]"
if command -v gdb >/dev/null 2>&1 && [ -n "$a" ]; then
    gdb -batch -ex "info line *0x$a" prof 2>/dev/null | grep -q 'guest-f' ||
        note "gdb does not place wasm-function[1500] in a guest unit"
fi
verdict profile-names

# ---- the build cache ---------------------------------------------------------
rm -rf "$XDG_CACHE_HOME"
build big.wasm -v -o c1
[ "$st" = 0 ] || note "first build exited $st"
first=$(compiles)
[ "$first" -ge 5 ] || note "the first build compiled $first units"
build big.wasm -v -o c2
[ "$st" = 0 ] || note "second build exited $st"
[ "$(compiles)" = 0 ] || note "the second build compiled $(compiles) units"
[ "$(grep -c '\.o from the build cache' "$tmp/err")" = "$first" ] ||
    note "$(grep -c '\.o from the build cache' "$tmp/err") units from the cache, expected $first"
grep -q "^kvaot: guest.wasm's translation ([0-9]* units) from the build cache" "$tmp/err" ||
    note "the translation was not taken from the cache"
grep -q '^+ wasm2c' "$tmp/err" && note "the second build ran wasm2c"
build big.wasm -v --emit-c emitted -o c2e
[ -s emitted/guest.c ] && [ -s emitted/guest-f000.c ] ||
    note "with --emit-c a cached build does not write the C"
[ "$(compiles)" = 0 ] || note "the --emit-c build compiled $(compiles) units"
./c1 ev.txt >c1.out
./c2 ev.txt >c2.out
cmp -s c1.out c2.out && cmp -s c1.out split.out || note "cached builds behave differently"
verdict cache-rebuild-compiles-nothing

build changed.wasm -v -o c3
[ "$st" = 0 ] || note "the changed guest's build exited $st"
[ "$(compiles)" = 1 ] || note "changing one function recompiled $(compiles) units"
grep '^+ .* -c ' "$tmp/err" | grep -q 'guest-f[0-9]*\.c' || note "the recompiled unit is not a function unit"
build changed.wasm --no-cache -o c3fresh
./c3 ev.txt >c3.out
./c3fresh ev.txt >c3fresh.out
cmp -s c3.out c3fresh.out || note "the rebuilt guest behaves unlike a fresh build of it"
verdict cache-one-function-one-unit

# damage one entry: found, rebuilt, repaired
build big.wasm -v -o c4pre
entry=$(sed -n 's/^kvaot: guest-f[0-9]*\.o from the build cache (\(.*\))$/\1/p' "$tmp/err" | head -1)
if [ -z "$entry" ] || [ ! -f "$entry" ]; then
    note "no cache entry of big.wasm's function units named by -v"
else
    printf 'X' | dd of="$entry" bs=1 seek=200 conv=notrunc 2>/dev/null
    build big.wasm -v -o c4
    [ "$st" = 0 ] || note "the build with a damaged entry exited $st"
    [ "$(compiles)" = 1 ] || note "$(compiles) units compiled after damaging one entry, expected 1"
    grep -q "warning: the build cache's entry for guest-f[0-9]*\.o ($entry) was damaged" "$tmp/err" ||
        note "no warning names the damaged entry"
    ./c4 ev.txt >c4.out
    cmp -s c4.out c1.out || note "the build with a damaged entry behaves differently"
    build big.wasm -v -o c5
    [ "$(compiles)" = 0 ] || note "the damaged entry was not repaired"
fi
verdict cache-damaged-entry

# two builds at once, on an empty cache
rm -rf "$XDG_CACHE_HOME"
st1=0
st2=0
eval "\"\$KVAOT\" build big.wasm -O1 -o p1 $KVAOT_FLAGS" >p1.log 2>&1 &
pid1=$!
eval "\"\$KVAOT\" build big.wasm -O1 -o p2 $KVAOT_FLAGS" >p2.log 2>&1 &
pid2=$!
wait "$pid1" || st1=$?
wait "$pid2" || st2=$?
[ "$st1" = 0 ] && [ "$st2" = 0 ] || note "concurrent builds exited $st1 and $st2: $(cat p1.log p2.log | head -3)"
./p1 ev.txt >p1.out 2>&1 || true
./p2 ev.txt >p2.out 2>&1 || true
cmp -s p1.out c1.out && cmp -s p2.out c1.out || note "concurrent builds behave differently"
find "$XDG_CACHE_HOME" -name '*.tmp.*' | grep -q . && note "temporary cache files were left"
build big.wasm -v -o p3
[ "$(compiles)" = 0 ] || note "after two concurrent builds a third compiled $(compiles) units"
verdict cache-concurrent-builds

# ---- progress ----------------------------------------------------------------
# on a terminal (script gives the build a pty) after the first second; a
# build that takes long enough: no cache, one compiler at a time
if command -v script >/dev/null 2>&1; then
    script -q -e -c "\"$KVAOT\" build big.wasm -O1 --no-cache -j 1 -o tty $KVAOT_FLAGS" /dev/null >tty.log 2>&1 ||
        note "the build on a terminal failed: $(tail -c 300 tty.log)"
    grep -q '\[[0-9]*/[0-9]*\] compiling guest-' tty.log || note "no progress line on a terminal"
    LC_ALL=C grep -q "$(printf '\r')" tty.log || note "the progress line is not rewritten in place"
else
    note "script (util-linux) is not installed"
fi
build big.wasm --no-cache -j 1 -o pipe
grep -q '\[[0-9]*/[0-9]*\]' "$tmp/err" && note "progress on a pipe"
[ -s "$tmp/err" ] && note "a quiet build wrote to stderr: $(head -c 200 "$tmp/err")"
verdict progress-on-terminal-only

# ---- options -------------------------------------------------------------------
build big.wasm -j 0 -o x
[ "$st" = 2 ] || note "-j 0 exited $st, expected 2"
build big.wasm -j many -o x
[ "$st" = 2 ] || note "-j many exited $st, expected 2"
build big.wasm --big-fn-kb x -o x
[ "$st" = 2 ] || note "--big-fn-kb x exited $st, expected 2"
# --big-fn-kb 1: on-set (a few KiB of C) gets a unit of its own, at -O1
build big.wasm -O2 --big-fn-kb 1 --no-cache -v -j 3 -o bigfn
[ "$st" = 0 ] || note "--big-fn-kb 1 build exited $st"
grep '^+ .* -c ' "$tmp/err" | grep ' -O1 ' | grep -q 'guest-f' || note "no function unit at -O1"
grep '^+ .* -c ' "$tmp/err" | grep ' -O2 ' | grep -q 'guest-f' || note "no function unit at -O2"
grep '^+ .* -c ' "$tmp/err" | grep 'guest-main\.c' | grep -q ' -O0 ' || note "the set-up unit is not at -O0"
./bigfn ev.txt >bigfn.out
cmp -s bigfn.out c1.out || note "the --big-fn-kb build behaves differently"
verdict options

finish
