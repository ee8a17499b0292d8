# tests/lib_run.sh - shared by the runners that drive built executables
# case by case (tests/cli/run.sh, tests/durable/run.sh, tests/build/run.sh), sourced after they
# set $W (the working directory: out, err), $details (a file for a failed
# check's details), $limit (a `timeout N` prefix or empty) and bgpids (the
# background processes their EXIT trap kills; have_jq=yes when jq is there,
# for same_json): running a command, checks
# that note problems, and the verdict of each test.
passed=0
failed=0
probs=
info=

# forget PID: a background process that has been waited for.
forget() {
    _n=
    for _p in $bgpids; do
        [ "$_p" = "$1" ] || _n="$_n $_p"
    done
    bgpids=$_n
}

# wait_app PID [SECONDS]: wait for a background executable (killed with -9
# if it is still there after SECONDS, default 20); its exit status goes to
# $st.
wait_app() {
    _lim=$(( ${2:-20} * 10 ))
    (
        _n=0
        while kill -0 "$1" 2>/dev/null; do
            _n=$((_n + 1))
            if [ "$_n" -gt "$_lim" ]; then
                kill -9 "$1"
                break
            fi
            sleep 0.1
        done
    ) >/dev/null 2>&1 &
    if wait "$1" 2>/dev/null; then st=0; else st=$?; fi
    forget "$1"
}

# wait_running PID: wait (at most 5 s) until PID is on a CPU (state R: a
# guest spinning in its handler).
wait_running() {
    _i=0
    while [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat")" != R ] &&
        [ "$_i" -lt 100 ]; do
        _i=$((_i + 1))
        sleep 0.05
    done
}

# ---- reporting -----------------------------------------------------------

: >"$details"

# note WHAT: record a problem of the current test.
note() {
    probs="$probs$*; "
}

# verdict NAME: count the current test, print its line and its details.
verdict() {
    if [ -z "$probs" ]; then
        passed=$((passed + 1))
        echo "ok   $1${info:+ ($info)}"
    else
        failed=$((failed + 1))
        echo "FAIL $1: $probs"
        if [ -s "$details" ]; then
            sed -n '1,40p' "$details" | sed 's/^/    /'
        fi
        if [ -s "$W/err" ]; then
            echo "    stderr:"
            sed -n '1,12p' "$W/err" | sed 's/^/      /'
        fi
    fi
    probs=
    info=
    : >"$details"
}

finish() {
    echo "$passed passed, $failed failed"
    if [ "$failed" -eq 0 ]; then
        exit 0
    fi
    exit 1
}

# ---- running and checking ------------------------------------------------

# run CMD...: run with stdout to $W/out, stderr to $W/err (stdin is the
# caller's); the exit status goes to $st.
run() {
    if $limit "$@" >"$W/out" 2>"$W/err"; then
        st=0
    else
        st=$?
    fi
}

want_status() {
    [ "$st" = "$1" ] || note "exit status $st, expected $1"
}

# want_file EXPECTED ACTUAL WHAT: byte-identical files.
want_file() {
    if [ ! -f "$2" ]; then
        note "$3 missing"
    elif ! cmp -s "$1" "$2"; then
        note "$3 differs"
        {
            echo "--- $3: diff expected actual"
            diff "$1" "$2" | sed -n '1,30p' || true
        } >>"$details"
    fi
}

# want_out EXPECTED: stdout is exactly EXPECTED (a file).
want_out() {
    want_file "$1" "$W/out" stdout
}

want_no_out() {
    [ ! -s "$W/out" ] || note "stdout not empty"
}

# want_err_line LINE: stderr has exactly this line.
want_err_line() {
    grep -qxF -- "$1" "$W/err" || note "stderr lacks line '$1'"
}

# want_err_prefix PREFIX: stderr has a line that starts with PREFIX.
want_err_prefix() {
    if ! P=$1 awk 'index($0, ENVIRON["P"]) == 1 { f = 1 } END { exit !f }' "$W/err"; then
        note "stderr lacks a line starting '$1'"
    fi
}

want_err_nonempty() {
    [ -s "$W/err" ] || note "stderr empty"
}

# same_json EXPECTED ACTUAL: the same JSON values line by line (by meaning:
# jq -c keeps key order and normalises escapes), one object per line. Without
# jq: byte comparison with the canonical form (keys in order, no spaces).
same_json() {
    if [ "$have_jq" = yes ]; then
        jq -c . <"$1" >"$1.norm" 2>/dev/null || return 1
        jq -c . <"$2" >"$2.norm" 2>/dev/null || return 1
        cmp -s "$1.norm" "$2.norm" || return 1
        [ "$(wc -l <"$1")" -eq "$(wc -l <"$2")" ]
    else
        cmp -s "$1" "$2"
    fi
}

want_json_out() {
    if ! same_json "$1" "$W/out"; then
        note "JSON stdout differs"
        {
            echo "--- JSON stdout: diff expected actual"
            diff "$1" "$W/out" | sed -n '1,30p' || true
        } >>"$details"
    fi
}

# lines FILE TEXT...: write one line per argument (no escapes interpreted).
lines() {
    f=$1
    shift
    printf '%s\n' "$@" >"$f"
}

# wait_lines FILE N SECONDS: poll until FILE has N lines; 1 on timeout.
wait_lines() {
    _i=0
    while [ ! -f "$1" ] || [ "$(wc -l <"$1")" -lt "$2" ]; do
        _i=$((_i + 1))
        [ "$_i" -le $(($3 * 20)) ] || return 1
        sleep 0.05
    done
    return 0
}
