#!/bin/sh
# tests/hostile/run.sh - hostile guests (SPEC §3 "Guest memory is hostile",
# §4 traps, §7): small hand-written WAT guests that behave for some events
# and misbehave for others, built with kvaot and run over their events.
#
# A guest is tests/hostile/GUEST.wat (legacy wit-component names; every one
# starts with the same prelude: a bump cabi_realloc and `mark`, which writes
# b["prev"] = old b["seen"] and b["seen"] = KEY, so a trapped event's own
# writes and a missing rollback both show on stdout). The first byte of the
# event's key selects the hostile action; each .wat's header lists them.
#
# A guest's header may hold `;; wat2wasm: FLAGS` (features to assemble it
# with) and `;; kvaot: FLAGS` (kvaot build options it needs).
# A case is CASE.events next to it; its guest is GUEST.wat where CASE is
# GUEST or GUEST--VARIANT (several cases can share one guest, built once).
#   CASE.events    the events; the executable runs inside tests/hostile as
#                  `APP ARGS CASE.events`, so reports name `CASE.events:LINE`
#   CASE.expected  the exact stdout
#   CASE.args      optional: extra executable arguments, shell words
#   CASE.status    optional: the exit status (default 0); a status >= 128
#                  (killed by a signal: a crash) always fails
#   CASE.err       optional: one substring per line that must occur in
#                  stderr; a line starting with `!` gives one that must not
#
# Environment:
#   BUILD        build directory (default build); work goes to $BUILD/hostile
#   KVAOT        the transpiler (default $BUILD/bin/kvaot)
#   KVAOT_FLAGS  extra `kvaot build` flags, shell words, e.g.
#                --no-static --cc "cc -fsanitize=address,undefined"
#                (default empty; derived from SAN=... when that is set)
#   WAT2WASM     the assembler (default wat2wasm, WABT 1.0.32)
#   JOBS         parallel builds (default: processors, at most 4)
#   CASES        optional space-separated list of case names to run
#   STORE        `redis`: the equivalence pass of SPEC §10 (as in
#                tests/e2e/run.sh): every case against a redis-server of its
#                own, then in memory, and the --save dumps compared
#
# Ends with one line `N passed, M failed`; exits 1 if anything failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

BUILD=${BUILD:-build}
KVAOT=${KVAOT:-$BUILD/bin/kvaot}
WAT2WASM=${WAT2WASM:-wat2wasm}
SAN=${SAN:-}
if [ -z "${KVAOT_FLAGS+set}" ]; then
    if [ -n "$SAN" ]; then
        KVAOT_FLAGS="--no-static --cc \"cc -fsanitize=$SAN -fno-sanitize-recover=all\""
    else
        KVAOT_FLAGS=
    fi
fi

work="$BUILD/hostile"
mkdir -p "$work"
work=$(cd "$work" && pwd)
case $KVAOT in
/*) ;;
*) KVAOT="$root/$KVAOT" ;;
esac

if [ -z "${JOBS:-}" ]; then
    JOBS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
    [ "$JOBS" -gt 4 ] 2>/dev/null && JOBS=4
fi
[ "$JOBS" -ge 1 ] 2>/dev/null || JOBS=2

# A hung executable must not hang the suite: TERM after 10 s, KILL 2 s later
# (a runtime stuck inside an import may only set a flag on SIGTERM).
if command -v timeout >/dev/null 2>&1; then
    run_limit="timeout -k 2 10"
else
    run_limit=
fi



. "$here/../lib.sh"
require_kvaot hostile
if ! command -v "$WAT2WASM" >/dev/null 2>&1; then
    echo "hostile: $WAT2WASM not found (Debian package wabt)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# guest_of CASE -> GUEST
guest_of() {
    echo "${1%%--*}"
}

wanted() {
    [ -z "${CASES:-}" ] && return 0
    case " $CASES " in *" $1 "*) return 0 ;; esac
    return 1
}

# The guests the selected cases need, each once.
guests=" "
# run_app EXTRA OUT ERR: the case's executable ($exe, $args, $name) with
# the shell words EXTRA first; its exit status in $status.
run_app() {
    if (cd "$here" && eval "exec $run_limit \"\$exe\" $1 $args \"\$name.events\"" </dev/null) \
        >"$2" 2>"$3"; then
        status=0
    else
        status=$?
    fi
}

# STORE=redis: the equivalence pass (tests/lib_redis.sh).
. "$here/../lib_redis.sh"
store_pass_init hostile

for ev in "$here"/*.events; do
    [ -f "$ev" ] || continue
    name=$(basename "$ev" .events)
    wanted "$name" || continue
    g=$(guest_of "$name")
    case $guests in *" $g "*) ;; *) guests="$guests$g " ;; esac
done

# build_guest GUEST: assemble and build; leaves $work/GUEST.rc (0 = ok) and
# $work/GUEST.log. Runs in the background, so it reports through files.
build_guest() {
    log="$work/$1.log"
    exe="$work/$1"
    rm -f "$exe" "$work/$1.wasm" "$work/$1.rc"
    # Header lines `;; wat2wasm: FLAGS` and `;; kvaot: FLAGS` (a feature the
    # guest uses, a build option it needs).
    wat_flags=$(sed -n 's/^;; wat2wasm: //p' "$here/$1.wat")
    own_flags=$(sed -n 's/^;; kvaot: //p' "$here/$1.wat")
    # shellcheck disable=SC2086
    if ! "$WAT2WASM" $wat_flags "$here/$1.wat" -o "$work/$1.wasm" >"$log" 2>&1; then
        echo 1 >"$work/$1.rc"
        return 0
    fi
    # KVAOT_FLAGS is shell words: let eval split it, quotes included.
    if eval "\"\$KVAOT\" build \"\$work/\$1.wasm\" -o \"\$exe\" $own_flags $KVAOT_FLAGS" >>"$log" 2>&1 &&
        [ -x "$exe" ]; then
        echo 0 >"$work/$1.rc"
    else
        echo 1 >"$work/$1.rc"
    fi
}

# Build in parallel, JOBS at a time.
pids=
n=0
for g in $guests; do
    if [ ! -f "$here/$g.wat" ]; then
        echo 1 >"$work/$g.rc"
        echo "no $g.wat" >"$work/$g.log"
        continue
    fi
    build_guest "$g" &
    pids="$pids $!"
    n=$((n + 1))
    if [ "$n" -ge "$JOBS" ]; then
        for p in $pids; do wait "$p" || true; done
        pids=
        n=0
    fi
done
for p in $pids; do wait "$p" || true; done

for g in $guests; do
    if [ "$(cat "$work/$g.rc" 2>/dev/null || echo 1)" != 0 ]; then
        echo "hostile: building $g failed:" >&2
        sed -n '1,40p' "$work/$g.log" >&2
    fi
done

for ev in "$here"/*.events; do
    [ -f "$ev" ] || continue
    name=$(basename "$ev" .events)
    wanted "$name" || continue
    g=$(guest_of "$name")
    if [ "$(cat "$work/$g.rc" 2>/dev/null || echo 1)" != 0 ]; then
        fail "$name" "guest $g did not build"
        continue
    fi
    exe="$work/$g"
    args=
    if [ -f "$here/$name.args" ]; then
        args=$(tr '\n\r' '  ' <"$here/$name.args")
    fi
    out="$work/$name.out"
    err="$work/$name.err"
    store_pass_run "$out" "$err"

    want_status=0
    if [ -f "$here/$name.status" ]; then
        want_status=$(tr -d ' \r\n' <"$here/$name.status")
    fi
    problems=
    if [ -n "$run_limit" ] && { [ "$status" = 124 ] || [ "$status" = 137 ]; }; then
        problems="${problems}hung: killed after 10 s (exit status $status); "
    elif [ "$status" -ge 128 ]; then
        problems="${problems}crashed: exit status $status (signal $((status - 128))); "
    elif [ "$status" != "$want_status" ]; then
        problems="${problems}exit status $status, expected $want_status; "
    fi
    cmp -s "$here/$name.expected" "$out" || problems="${problems}stdout differs; "
    if [ -f "$here/$name.err" ]; then
        check_err_lines "$here/$name.err" "$err"
    fi

    store_pass_check "$out"

    report_case "$name" "$problems" "$here/$name.expected" "$out" "$err" 40
done

finish
