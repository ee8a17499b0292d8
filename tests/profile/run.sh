#!/bin/sh
# tests/profile/run.sh - `kvaot build --profile` makes guests debuggable and
# profilable with native tools (README "Profiling a guest"):
#   c      a C guest built with clang -g: nm shows its functions by their
#          source names, addr2line maps a function's address into its own
#          lines of guest.c, gdb -batch stops in it by name, `next` steps to
#          a later line of it, and the backtrace runs from guest.c through
#          on-set's export into the runtime; the output is unchanged; the
#          same lines in a --no-split build;
#   rust   a Rust guest built with rustc -g: the same with demangled names
#          (dlmalloc::dlmalloc::Dlmalloc<A>::free) and guest.rs lines;
#   cpp    the C++ sample: demangled names, no _Z symbol left;
#   plain  a guest with no name section and no DWARF: builds, runs, its
#          functions named by their exports or wasm-function[N];
#   clash  a guest whose functions are named main, kvrt_main, memcpy,
#          malloc, free, write: builds and runs with and without --profile,
#          the runtime's and libc's symbols untouched, the guest's with
#          the .guest suffix.
# Needs clang (wasm32), /usr/bin/rustc with the wasm32 std, wat2wasm, nm,
# addr2line and gdb (scripts/install-deps.sh installs them).
# Env: BUILD (default build), KVAOT_FLAGS (extra build flags, eval'd),
# TESTS (groups to run). Prints one line per test and `N passed, M failed`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
KVAOT=$BUILD/bin/kvaot
KVAOT_FLAGS=${KVAOT_FLAGS:-}
TESTS=${TESTS:-c rust cpp plain clash}
RUSTC=${RUSTC_DEBIAN:-/usr/bin/rustc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvaot-profile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/cache"
W=$tmp
details=$tmp/details
limit="timeout 120"
bgpids=
. "$root/tests/lib_run.sh"
cd "$tmp"

# build ARGS...: kvaot build with $KVAOT_FLAGS; status in $st, stderr in $W/err
build() {
    st=0
    eval "\"\$KVAOT\" build \"\$@\" $KVAOT_FLAGS" >"$W/out" 2>"$W/err" || st=$?
}

# build_runs WASM APP E2E_CASE TEST [FLAGS]: build WASM --profile into APP,
# run it over tests/e2e/E2E_CASE's events: its output is that case's
build_runs() {
    build "$1" --profile -o "$2" ${5:-}
    [ "$st" = 0 ] || note "kvaot build --profile exited $st"
    run "./$2" "$root/tests/e2e/$3/input.events"
    want_status 0
    want_out "$root/tests/e2e/$3/expected.out"
    verdict "$4"
}

# addr_of APP SYMBOL: the symbol's address in nm's output, empty when absent
addr_of() {
    nm "$1" | awk -v s="$2" '{ n = $0; sub(/^[0-9a-f]+ [A-Za-z] /, "", n) } n == s { print $1; exit }'
}

# fn_lines FILE START_PATTERN: "FIRST LAST", the lines of the function whose
# definition matches START_PATTERN (a grep -n regex) up to the first line
# that is just "}" after it
fn_lines() {
    awk -v pat="$2" '!f && $0 ~ pat { f = NR } f && /^}/ { print f, NR; exit }' "$1"
}

# in_range LINE "FIRST LAST"
in_range() {
    set -- "$1" $2
    [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# gdb_run APP SCRIPT_LINES... : gdb -batch with one -ex per argument (after
# the app's arguments in $gdb_args); output in $W/gdb
gdb_run() {
    _app=$1
    shift
    set -- "$@"
    _ex=
    for _c in "$@"; do
        _ex="$_ex -ex \"$_c\""
    done
    eval "$limit gdb -nx -batch $_ex --args \"\$_app\" $gdb_args" >"$W/gdb" 2>&1 || true
}

# check_addr2line APP SYMBOL SRC RANGE: addr2line on SYMBOL's address names
# the function and a line of SRC inside RANGE
check_addr2line() {
    _a=$(addr_of "$1" "$2")
    if [ -z "$_a" ]; then
        note "no symbol '$2'"
        return
    fi
    addr2line -f -e "$1" "0x$_a" >"$W/a2l" 2>&1 || true
    [ "$(sed -n 1p "$W/a2l")" = "$2" ] || note "addr2line -f names '$(sed -n 1p "$W/a2l")', not '$2'"
    _loc=$(sed -n 2p "$W/a2l")
    case $_loc in
    "$3":*) in_range "${_loc##*:}" "$4" ||
        note "addr2line: $2 at line ${_loc##*:}, outside its lines $4 of $3" ;;
    *) note "addr2line: $2 at '$_loc', not in $3" ;;
    esac
}

# ---- c: a C guest with DWARF --------------------------------------------------
if echo " $TESTS " | grep -q ' c '; then
    src=$root/samples/counters/guest.c
    clang --target=wasm32 -nostdlib -O2 -g -mno-simd128 -I "$root/samples/include" \
        -Wl,--no-entry -Wl,--export-dynamic -o c.wasm "$src"
    build_runs c.wasm capp counters-incr c-profile-build-runs

    nm capp >nm.out 2>&1
    for s in on_set on_delete kv_buf_u64 put_ret "handle-watch#on-set.export"; do
        grep -q " $s\$" nm.out || note "nm: no '$s'"
    done
    ! grep -q 'w2c_kvg' nm.out || note "nm: a placeholder is left: $(grep -m1 w2c_kvg nm.out)"
    verdict c-names-in-nm

    check_addr2line capp on_set "$src" "$(fn_lines "$src" 'void on_set\(')"
    check_addr2line capp put_ret "$src" "$(fn_lines "$src" 'void put_ret\(')"
    check_addr2line capp kv_buf_u64 "$root/samples/include/kvguest.h" \
        "$(fn_lines "$root/samples/include/kvguest.h" 'void kv_buf_u64\(')"
    verdict c-addr2line-guest-lines

    range=$(fn_lines "$src" 'void on_set\(')
    gdb_args="\"$root/tests/e2e/counters-incr/input.events\""
    gdb_run ./capp "break on_set" "run" "bt" "next" "next"
    grep -q '^Breakpoint 1, on_set (' "$W/gdb" || note "gdb did not stop in on_set"
    frame0=$(grep -m1 '^#0  on_set (' "$W/gdb" || true)
    case $frame0 in
    *" at $src:"*) in_range "${frame0##*:}" "$range" || note "gdb: frame 0 at line ${frame0##*:}, outside $range" ;;
    *) note "gdb: frame 0 is not in $src: '$frame0'" ;;
    esac
    grep -q 'in handle-watch#on-set.export (' "$W/gdb" || note "gdb: no on-set export frame"
    grep -q 'in kvrt_main (.* at .*runtime/cli.c:' "$W/gdb" || note "gdb: the backtrace does not reach kvrt_main"
    # `next` prints the line it stops at: "NN<tab>source"; a later line of on_set
    stepped=$(awk -F'\t' '/^[0-9]+\t/ { l = $1 } END { print l }' "$W/gdb")
    first=${frame0##*:}
    if in_range "$stepped" "$range" && [ "$stepped" -gt "$first" ]; then :; else
        note "gdb next: stopped at line '$stepped', expected a line of on_set after $first"
    fi
    [ -n "$probs" ] && sed -n '1,30p' "$W/gdb" >>"$details"
    verdict c-gdb-break-bt-next

    # compiled as one unit, the functions carry their lines too
    build_runs c.wasm cwhole counters-incr c-no-split-build-runs --no-split
    n=$(grep -n 'kv_incoming_value_consume_sync(iv, &v);' "$src" | head -1 | cut -d: -f1)
    for app in capp cwhole; do
        gdb_args=
        gdb_run "./$app" "info line $src:$n"
        grep -q "^Line $n of \"$src\" starts at address" "$W/gdb" ||
            note "$app: gdb has no code for $src:$n: $(head -1 "$W/gdb")"
    done
    verdict c-source-line-has-code
fi

# ---- rust: a Rust guest with DWARF ----------------------------------------------
if echo " $TESTS " | grep -q ' rust '; then
    src=$root/samples/rustcount/guest.rs
    "$RUSTC" --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib \
        -C opt-level=2 -C panic=abort -g -o r.wasm "$src"
    build_runs r.wasm rapp rustcount-basic rust-profile-build-runs

    nm rapp >nm.out 2>&1
    for s in 'dlmalloc::dlmalloc::Dlmalloc<A>::free' 'guest::put' \
        'wasi:keyvalue/handle-watch#on-set'; do
        grep -qF " $s" nm.out || note "nm: no '$s'"
    done
    n=$(grep -c ' _ZN\| _R' nm.out || true)
    [ "$n" = 0 ] || note "nm: $n mangled Rust names left, e.g. $(grep -m1 ' _ZN\| _R' nm.out)"
    verdict rust-demangled-names

    check_addr2line rapp guest::put "$src" "$(fn_lines "$src" '^fn put\(')"
    verdict rust-addr2line-guest-lines

    gdb_args="\"$root/tests/e2e/rustcount-basic/input.events\""
    gdb_run ./rapp "break guest::put" "run" "bt"
    frame0=$(grep -m1 '^#0  guest::put (' "$W/gdb" || true)
    case $frame0 in
    *" at $src:"*) in_range "${frame0##*:}" "$(fn_lines "$src" '^fn put\(')" ||
        note "gdb: frame 0 at line ${frame0##*:}, outside fn put" ;;
    *) note "gdb: frame 0 is not guest::put in $src: '$frame0'" ;;
    esac
    grep -q "in wasi:keyvalue/handle-watch#on-set (.* at $src:[0-9]*\$" "$W/gdb" ||
        note "gdb: no on-set frame at a line of guest.rs"
    [ -n "$probs" ] && sed -n '1,30p' "$W/gdb" >>"$details"
    verdict rust-gdb-break-bt
fi

# ---- cpp: the C++ sample (name section, no DWARF) --------------------------------
if echo " $TESTS " | grep -q ' cpp '; then
    build "$BUILD/samples/cppcount.wasm" --profile -o cppapp
    [ "$st" = 0 ] || note "kvaot build --profile exited $st"
    nm cppapp >nm.out 2>&1
    grep -q ' __cxxabiv1::__class_type_info::can_catch(__cxxabiv1::__shim_type_info const\*, void\*&) const$' nm.out ||
        note "nm: no demangled __cxxabiv1::__class_type_info::can_catch(...)"
    n=$(grep -c ' _Z' nm.out || true)
    [ "$n" = 0 ] || note "nm: $n mangled C++ names left, e.g. $(grep -m1 ' _Z' nm.out)"
    verdict cpp-demangled-names
fi

# ---- plain: no name section, no DWARF ------------------------------------------
if echo " $TESTS " | grep -q ' plain '; then
    wat2wasm "$here/clash.wat" -o plain.wasm
    "$KVAOT" inspect plain.wasm >inspect.out 2>&1 || true
    grep -q '^debug info: name section no, DWARF no' inspect.out ||
        note "inspect: $(grep '^debug info' inspect.out || echo 'no debug info line')"
    build plain.wasm --profile -o plainapp
    [ "$st" = 0 ] || note "kvaot build --profile exited $st"
    printf 'set b hello 1\n' | $limit ./plainapp >out 2>err || note "plainapp exited $?"
    [ "$(cat out)" = "set b copy hello" ] || note "output '$(cat out)'"
    nm plainapp >nm.out 2>&1
    grep -q ' wasm-function\[[0-9]*\]$' nm.out || note "nm: no wasm-function[N]"
    grep -q ' cabi_realloc$' nm.out || note "nm: the export cabi_realloc does not name its function"
    ! grep -q 'w2c_kvg' nm.out || note "nm: a placeholder is left"
    verdict plain-guest-builds-with-profile
fi

# ---- clash: names of the runtime's and libc's symbols ---------------------------
if echo " $TESTS " | grep -q ' clash '; then
    wat2wasm --debug-names "$here/clash.wat" -o clash.wasm
    for mode in "" --profile; do
        build clash.wasm $mode -o "clash$mode"
        [ "$st" = 0 ] || note "kvaot build $mode exited $st"
        printf 'set b hello 1\nset b x2 2\n' | $limit "./clash$mode" >out 2>err ||
            note "clash$mode exited $?"
        [ "$(cat out)" = "set b copy hello
set b copy x2" ] || note "clash$mode: output '$(cat out)'"
    done
    nm clash--profile >nm.out 2>&1
    for s in main kvrt_main memcpy malloc free write; do
        grep -q " $s\.guest\$" nm.out || note "nm: no '$s.guest'"
    done
    for s in main kvrt_main; do
        n=$(grep -c " $s\$" nm.out || true)
        [ "$n" = 1 ] || note "nm: $n symbols '$s', expected the runtime's one"
    done
    verdict clash-names-build-and-run
fi

finish
