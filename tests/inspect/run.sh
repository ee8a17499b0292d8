#!/bin/sh
# tests/inspect/run.sh - golden tests of `kvaot inspect` (SPEC §6): for each
# case, the text output, the --json output and the exit status must match
# the files under tests/inspect/expected/ exactly.
#
# tests/inspect/cases lists the cases, one per line: NAME INPUT, where INPUT
# is one of
#   sample:S      $BUILD/samples/S.wasm            (make samples)
#   component:S   $BUILD/components/S-component.wasm (make components)
#   wat:W         tests/inspect/wat/W.wat, assembled here with wat2wasm
#                 (and the flags of its `;; wat2wasm: FLAGS` line)
#   hex:H         tests/inspect/hex/H.hex, turned into bytes here (below)
#   missing:F     a file that does not exist
# and the goldens are
#   expected/NAME.txt     stdout of `kvaot inspect FILE`
#   expected/NAME.json    stdout of `kvaot inspect FILE --json` (also checked
#                         to parse, when jq is installed)
#   expected/NAME.status  the exit status of both
#   expected/NAME.err     optional: every non-empty line must occur in the
#                         stderr of the text run; without it stderr must be
#                         empty
# inspect runs inside the input's directory on its bare file name, so the
# output does not depend on $BUILD or on where the tree is.
#
# A .hex file is bytes as two-digit hex tokens, with `#` comments, plus
# lines `core W` / `core5 W`: a component section of id 1 holding the
# module assembled from wat/W.wat, its size as a minimal / a 5-byte LEB128.
#
# The sample-* and component-* goldens hold the imports and exports of the
# built samples, but not their byte sizes and offsets: those depend on the
# toolchain's version and on whether it ran binaryen's wasm-opt, so they are
# replaced by N (0 in JSON) in both outputs before comparing (normalize_sizes). After
# changing a sample or the jco pin (tests/package.json), rerun with UPDATE=1
# and review what changed.
#
# A cases line may hold inspect options after the input (--stub-imports,
# --map-export ROLE=NAME).
#
# Environment: BUILD (default build), KVAOT (default $BUILD/bin/kvaot),
# CASES (optional space-separated names to run), UPDATE=1 to rewrite the
# goldens from the current output (then read every changed line against
# the SPEC before keeping it).
# Ends with one line `N passed, M failed`; exits 1 if anything failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

BUILD=${BUILD:-build}
KVAOT=${KVAOT:-$BUILD/bin/kvaot}
UPDATE=${UPDATE:-}
case $KVAOT in
/*) ;;
*) KVAOT="$root/$KVAOT" ;;
esac
mkdir -p "$BUILD/inspect/wat" "$BUILD/inspect/hex" "$BUILD/inspect/out"
build_abs=$(cd "$BUILD" && pwd)
work="$build_abs/inspect"



. "$here/../lib.sh"
require_kvaot inspect
have_jq=no
if command -v jq >/dev/null 2>&1; then
    have_jq=yes
fi

# ---- inputs ------------------------------------------------------------

for w in "$here"/wat/*.wat; do
    n=$(basename "$w" .wat)
    # a header line `;; wat2wasm: FLAGS` gives the features to assemble with
    flags=$(sed -n 's/^;; wat2wasm: //p' "$w")
    # shellcheck disable=SC2086
    if ! wat2wasm $flags "$w" -o "$work/wat/$n.wasm" 2>"$work/out/wat-$n.log"; then
        fail "assemble wat/$n.wat" "$(sed -n 1p "$work/out/wat-$n.log")"
        rm -f "$work/wat/$n.wasm"
    fi
done

# leb N [5]: N as LEB128 hex tokens, minimal or padded to 5 bytes.
leb() {
    v=$1
    i=1
    while :; do
        b=$((v & 127))
        v=$((v >> 7))
        if [ "$v" -ne 0 ] || { [ "${2:-}" = 5 ] && [ "$i" -lt 5 ]; }; then
            printf '%02x ' $((b | 128))
        else
            printf '%02x\n' "$b"
            return
        fi
        i=$((i + 1))
    done
}

# hex_tokens FILE: the .hex file as plain hex tokens, `core` lines expanded.
hex_tokens() {
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%%#*}
        case $line in
        core\ * | core5\ *)
            mod=$(echo "${line#* }" | tr -d ' \t\r')
            f="$work/wat/$mod.wasm"
            [ -f "$f" ] || { echo "inspect: $f missing" >&2; return 1; }
            size=$(wc -c <"$f" | tr -d ' ')
            wide=
            case $line in core5*) wide=5 ;; esac
            echo "01 $(leb "$size" $wide)"
            od -An -v -tx1 "$f"
            ;;
        *) echo "$line" ;;
        esac
    done <"$1"
}

# Hex tokens to bytes: awk turns each into a \ooo escape, printf writes it
# (the format is those escapes only, so using it as the format is safe).
# shellcheck disable=SC2059
hex_to_bin() {
    hex_tokens "$1" | awk '
        BEGIN { digits = "0123456789abcdef" }
        {
            out = ""
            for (i = 1; i <= NF; i++) {
                t = tolower($i)
                if (t !~ /^[0-9a-f][0-9a-f]$/) {
                    print "bad hex token: " t > "/dev/stderr"
                    exit 1
                }
                v = (index(digits, substr(t, 1, 1)) - 1) * 16 + index(digits, substr(t, 2, 1)) - 1
                out = out sprintf("\\%03o", v)
            }
            print out
        }' | while IFS= read -r l; do printf "$l"; done
}

for h in "$here"/hex/*.hex; do
    n=$(basename "$h" .hex)
    if ! hex_to_bin "$h" >"$work/hex/$n.wasm" 2>"$work/out/hex-$n.log" ||
        [ -s "$work/out/hex-$n.log" ]; then
        fail "convert hex/$n.hex" "$(sed -n 1p "$work/out/hex-$n.log")"
        rm -f "$work/hex/$n.wasm"
    fi
done

# ---- cases -------------------------------------------------------------

# input_path INPUT -> the file it names
input_path() {
    case $1 in
    sample:*) echo "$build_abs/samples/${1#sample:}.wasm" ;;
    component:*) echo "$build_abs/components/${1#component:}-component.wasm" ;;
    wat:*) echo "$work/wat/${1#wat:}.wasm" ;;
    hex:*) echo "$work/hex/${1#hex:}.wasm" ;;
    missing:*) echo "$work/${1#missing:}" ;;
    *) echo "" ;;
    esac
}

# normalize_sizes FILE: sizes and offsets of a toolchain-built input as N.
normalize_sizes() {
    sed -E -e 's/(component|core module), [0-9]+ bytes/\1, N bytes/' \
        -e 's/offset [0-9]+  [0-9]+ bytes/offset N  N bytes/' \
        -e 's/"(size|offset)":[0-9]+/"\1":0/g' -e 's/at byte [0-9]+/at byte N/g' "$1" >"$1.norm"
    mv "$1.norm" "$1"
}

# check NAME WHAT EXPECTED ACTUAL -> appends to $problems
check_same() {
    if [ ! -f "$3" ]; then
        problems="${problems}no golden $(basename "$3"); "
    elif ! cmp -s "$3" "$4"; then
        problems="${problems}$2 differs; "
        diff -u "$3" "$4" | sed -n '1,40p' >>"$work/out/$1.diff" || true
    fi
}

while read -r name input rest || [ -n "${name:-}" ]; do
    case $name in '' | '#'*) continue ;; esac
    if [ -n "${CASES:-}" ]; then
        case " $CASES " in *" $name "*) ;; *) continue ;; esac
    fi
    f=$(input_path "$input")
    if [ -z "$f" ]; then
        fail "$name" "unknown input kind: $input"
        continue
    fi
    case $input in
    missing:*) ;;
    *)
        if [ ! -f "$f" ]; then
            fail "$name" "input $f missing (run make samples components)"
            continue
        fi
        ;;
    esac
    dir=$(dirname "$f")
    base=$(basename "$f")
    out="$work/out/$name"
    rm -f "$out.diff"
    set +e
    # shellcheck disable=SC2086
    (cd "$dir" && exec "$KVAOT" inspect "$base" $rest) >"$out.txt" 2>"$out.err" </dev/null
    st=$?
    # shellcheck disable=SC2086
    (cd "$dir" && exec "$KVAOT" inspect "$base" --json $rest) >"$out.json" 2>"$out.json.err" </dev/null
    stj=$?
    set -e
    case $input in
    sample:* | component:*)
        normalize_sizes "$out.txt"
        normalize_sizes "$out.json"
        ;;
    esac
    exp="$here/expected/$name"

    if [ -n "$UPDATE" ]; then
        cp "$out.txt" "$exp.txt"
        cp "$out.json" "$exp.json"
        echo "$st" >"$exp.status"
        echo "updated $name"
    fi

    problems=
    check_same "$name" "text output" "$exp.txt" "$out.txt"
    check_same "$name" "JSON output" "$exp.json" "$out.json"
    want=$(tr -d ' \r\n' <"$exp.status" 2>/dev/null || echo missing)
    [ "$st" = "$want" ] || problems="${problems}exit status $st, expected $want; "
    [ "$stj" = "$want" ] || problems="${problems}--json exit status $stj, expected $want; "
    if [ "$have_jq" = yes ] && [ -s "$out.json" ] && ! jq -e . "$out.json" >/dev/null 2>&1; then
        problems="${problems}--json output is not valid JSON; "
    fi
    if [ -f "$exp.err" ]; then
        while IFS= read -r line || [ -n "$line" ]; do
            [ -n "$line" ] || continue
            grep -qF -- "$line" "$out.err" || problems="${problems}stderr lacks '$line'; "
        done <"$exp.err"
    elif [ -s "$out.err" ] || [ -s "$out.json.err" ]; then
        problems="${problems}unexpected stderr: $(sed -n 1p "$out.err" "$out.json.err" | sed -n 1p); "
    fi

    if [ -z "$problems" ]; then
        pass "$name"
    else
        fail "$name" "$problems"
        if [ -f "$out.diff" ]; then cat "$out.diff"; fi
    fi
done <"$here/cases"

finish
