#!/bin/sh
# tests/e2e/run.sh - end-to-end tests: each sample guest through kvaot, each
# case's events through the built executable, stdout compared byte for byte.
#
# A case is a directory CASES_DIR/CASE/ (default tests/e2e/CASE/) holding
#   cmd              one line: SAMPLE [ARGS...]; SAMPLE is a guest from
#                    $BUILD/samples/SAMPLE.wasm (`make samples`), or, for
#                    NAME-component, $BUILD/components/NAME-component.wasm
#                    (`make components`, tests/components.mk). A sample
#                    that needs `kvaot build` flags of its own (--map-export,
#                    --stub-imports) lists them in samples/NAME/kvaot.flags,
#                    one line of shell words; NAME-component uses NAME's.
#                    ARGS are shell words (quotes work). The executable runs
#                    inside the case directory as `APP ARGS input.events`;
#                    when ARGS contain a lone `-`, input.events goes to stdin
#                    instead of being appended.
#   input.events     the events
#   expected.out     the exact stdout (for `--format json`, when jq is
#                    installed, compared line by line by meaning: jq -c)
#   expected.status  optional exit status (default 0)
#   expected.err     optional: every non-empty line must occur in stderr; a
#                    line starting with `!` gives one that must not
#
# Environment:
#   BUILD        build directory (default build)
#   KVAOT        the transpiler (default $BUILD/bin/kvaot)
#   KVAOT_FLAGS  extra `kvaot build` flags, shell words, e.g.
#                --no-static --cc "cc -fsanitize=address,undefined"
#                (default empty; derived from SAN=... when that is set)
#   CASES        optional space-separated list of case names to run
#   CASES_DIR    the directory of the cases (default tests/e2e; tests/js
#                holds the JavaScript guest's, `make test-js`)
#   STORE        `redis`: the equivalence pass of SPEC §10: a redis-server
#                of its own, every case run with --store against it (same
#                stdout, status and stderr lines expected) and once more in
#                memory, and the two --save dumps must be equal
#
# Each sample is built once into $BUILD/e2e/SAMPLE. Unless KVAOT_FLAGS holds
# --no-static, one built executable is also checked to be statically linked.
# Ends with one line `N passed, M failed`; exits 1 if anything failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
cases_dir=$(cd "${CASES_DIR:-$here}" && pwd)

BUILD=${BUILD:-build}
KVAOT=${KVAOT:-$BUILD/bin/kvaot}
SAN=${SAN:-}
if [ -z "${KVAOT_FLAGS+set}" ]; then
    if [ -n "$SAN" ]; then
        KVAOT_FLAGS="--no-static --cc \"cc -fsanitize=$SAN -fno-sanitize-recover=all\""
    else
        KVAOT_FLAGS=
    fi
fi

mkdir -p "$BUILD/e2e/out"
build_abs=$(cd "$BUILD" && pwd)
case $KVAOT in
/*) ;;
*) KVAOT="$root/$KVAOT" ;;
esac

. "$here/../lib.sh"
require_kvaot e2e

if command -v timeout >/dev/null 2>&1; then
    run_limit="timeout 120"
else
    run_limit=
fi
have_jq=no
if command -v jq >/dev/null 2>&1; then
    have_jq=yes
fi

# run_app EXTRA OUT ERR: the case's executable ($exe, $args, $stdin_mode)
# with the shell words EXTRA first; its exit status in $status.
run_app() {
    if [ "$stdin_mode" = yes ]; then
        if (cd "$dir" && eval "exec $run_limit \"\$exe\" $1 $args" <input.events) \
            >"$2" 2>"$3"; then
            status=0
        else
            status=$?
        fi
    else
        if (cd "$dir" && eval "exec $run_limit \"\$exe\" $1 $args input.events" </dev/null) \
            >"$2" 2>"$3"; then
            status=0
        else
            status=$?
        fi
    fi
}

# STORE=redis: the equivalence pass (tests/lib_redis.sh).
. "$here/../lib_redis.sh"
store_pass_init e2e

built=" "       # samples built successfully, space-separated
broken=" "      # samples that failed to build
static_checked=no


# build_sample NAME -> 0 when $build_abs/e2e/NAME is ready
build_sample() {
    case $built in *" $1 "*) return 0 ;; esac
    case $broken in *" $1 "*) return 1 ;; esac
    case $1 in
    *-component) wasm="$build_abs/components/$1.wasm" ;;
    *) wasm="$build_abs/samples/$1.wasm" ;;
    esac
    exe="$build_abs/e2e/$1"
    log="$build_abs/e2e/out/build-$1.log"
    if [ ! -f "$wasm" ]; then
        echo "e2e: $wasm missing (run make samples components)" >&2
        broken="$broken$1 "
        return 1
    fi
    rm -f "$exe"
    own_flags=
    flags_file="$root/samples/${1%-component}/kvaot.flags"
    [ -f "$flags_file" ] && own_flags=$(sed -n '1p' "$flags_file")
    # KVAOT_FLAGS is shell words: let eval split it, quotes included.
    if eval "\"\$KVAOT\" build \"\$wasm\" -o \"\$exe\" $own_flags $KVAOT_FLAGS" >"$log" 2>&1 &&
        [ -x "$exe" ]; then
        built="$built$1 "
        return 0
    fi
    echo "e2e: kvaot build $1 failed:" >&2
    sed -n '1,40p' "$log" >&2
    broken="$broken$1 "
    return 1
}

# check_static EXE: the default build must be one static executable.
check_static() {
    desc=$(file -L "$1" 2>/dev/null || true)
    lddout=$(ldd "$1" 2>&1 || true)
    case "$desc" in
    *"statically linked"* | *"static-pie linked"*)
        pass "static-link ($(basename "$1"))"
        return
        ;;
    esac
    case "$lddout" in
    *"not a dynamic executable"* | *"statically linked"*)
        pass "static-link ($(basename "$1"))"
        return
        ;;
    esac
    fail "static-link ($(basename "$1"))" "not statically linked: $desc"
}

# same_json EXPECTED ACTUAL: equal line by line after jq -c normalisation.
same_json() {
    jq -c . <"$1" >"$2.exp.norm" 2>/dev/null || return 1
    jq -c . <"$2" >"$2.norm" 2>/dev/null || return 1
    cmp -s "$2.exp.norm" "$2.norm"
}

for dir in "$cases_dir"/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    [ -f "$dir/cmd" ] || continue
    if [ -n "${CASES:-}" ]; then
        case " $CASES " in *" $name "*) ;; *) continue ;; esac
    fi
    cmdline=$(sed -n '1p' "$dir/cmd" | tr -d '\r')
    sample=${cmdline%% *}
    if [ "$sample" = "$cmdline" ]; then
        args=
    else
        args=${cmdline#* }
    fi
    if ! build_sample "$sample"; then
        fail "$name" "sample $sample did not build"
        continue
    fi
    exe="$build_abs/e2e/$sample"
    if [ "$static_checked" = no ]; then
        static_checked=yes
        case " $KVAOT_FLAGS " in
        *" --no-static "*) ;;
        *) check_static "$exe" ;;
        esac
    fi

    out="$build_abs/e2e/out/$name.out"
    err="$build_abs/e2e/out/$name.err"
    # A lone `-` among the args: the events come on stdin.
    stdin_mode=no
    eval "set -- $args"
    for a in "$@"; do
        [ "$a" = "-" ] && stdin_mode=yes
    done
    store_pass_run "$out" "$err"

    want_status=0
    if [ -f "$dir/expected.status" ]; then
        want_status=$(tr -d ' \r\n' <"$dir/expected.status")
    fi
    problems=

    case " $args " in
    *" --format json "* | *" --format=json "*) json=$have_jq ;;
    *) json=no ;;
    esac
    if [ "$json" = yes ]; then
        same_json "$dir/expected.out" "$out" || problems="${problems}stdout differs; "
    else
        cmp -s "$dir/expected.out" "$out" || problems="${problems}stdout differs; "
    fi
    [ "$status" = "$want_status" ] ||
        problems="${problems}exit status $status, expected $want_status; "
    if [ -f "$dir/expected.err" ]; then
        check_err_lines "$dir/expected.err" "$err"
    fi

    store_pass_check "$out"

    report_case "$name" "$problems" "$dir/expected.out" "$out" "$err" 60
done

finish
