# tests/lib.sh - shared by the end-to-end runners (tests/*/run.sh, sourced
# after they set $KVAOT): the pass/fail counters and their closing
# `N passed, M failed` line, the check that kvaot was built, the expected
# stderr lines of a case, and the report of a failed case (what differs, the
# stdout diff, the first stderr lines).

passed=0
failed=0

pass() {
    passed=$((passed + 1))
    echo "ok   $1"
}

fail() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
}

# require_kvaot SUITE: stop with one failure when $KVAOT is missing.
require_kvaot() {
    if [ ! -x "$KVAOT" ]; then
        echo "$1: $KVAOT not found or not executable (run make all)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
}

# report_case NAME PROBLEMS EXPECTED OUT ERR DIFF_LINES: pass when PROBLEMS
# is empty, else fail, showing the stdout diff when it differs and stderr.
report_case() {
    if [ -z "$2" ]; then
        pass "$1"
        return
    fi
    fail "$1" "$2"
    case $2 in
    *"stdout differs"*)
        diff -u "$3" "$4" | sed -n "1,$6p" || true
        ;;
    esac
    if [ -s "$5" ]; then
        echo "  stderr:"
        sed -n '1,20p' "$5" | sed 's/^/    /'
    fi
}

# finish: the closing line; exit status 0 only when nothing failed.
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# check_err_lines SPEC ERR: every non-empty line of the file SPEC must occur
# in the file ERR, and a line starting with `!` gives one that must not;
# what fails is appended to $problems.
check_err_lines() {
    while IFS= read -r _line || [ -n "$_line" ]; do
        case $_line in
        '') ;;
        '!'*)
            if grep -qF -- "${_line#!}" "$2"; then
                problems="${problems}stderr has '${_line#!}'; "
            fi
            ;;
        *)
            grep -qF -- "$_line" "$2" ||
                problems="${problems}stderr lacks '$_line'; "
            ;;
        esac
    done <"$1"
}
