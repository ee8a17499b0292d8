# tests/build/gen-guest.awk - a large generated guest (WAT) for the build
# tests and `make bench-build`: N functions in chains of ten, all of them in
# a table, a data segment of 8 bytes per function, and on-set computing a
# hash of the event's value through the table and the data, written back as
#   set BUCKET KEY#h HASH      (8 hex digits)
# on-delete does nothing. Variables: N (functions, default 3000), CHANGE (a
# function index whose constant differs: the cache test's one-function
# edit; default -1, none).
# usage: awk -v N=20000 -f gen-guest.awk > guest.wat
function const_of(i) { return (i * 2654435761 + 12345) % 1000003 + (i == CHANGE ? 7 : 0) }
BEGIN {
    if (N == "") N = 3000
    if (CHANGE == "") CHANGE = -1
    print "(module"
    print "  (import \"wasi:keyvalue/types\" \"new-outgoing-value\" (func $new_ov (result i32)))"
    print "  (import \"wasi:keyvalue/types\" \"drop-outgoing-value\" (func $drop_ov (param i32)))"
    print "  (import \"wasi:keyvalue/types\" \"outgoing-value-write-body\" (func $write_body (param i32 i32)))"
    print "  (import \"wasi:keyvalue/types\" \"incoming-value-consume-sync\" (func $consume (param i32 i32)))"
    print "  (import \"wasi:keyvalue/streams\" \"write\" (func $write (param i32 i32 i32 i32)))"
    print "  (import \"wasi:keyvalue/streams\" \"drop-output-stream\" (func $drop_os (param i32)))"
    print "  (import \"wasi:keyvalue/readwrite\" \"set\" (func $set (param i32 i32 i32 i32 i32)))"
    print "  (import \"wasi:keyvalue/wasi-cloud-error\" \"drop-error\" (func $drop_err (param i32)))"
    print "  (type $fn (func (param i32) (result i32)))"
    print "  (memory (export \"memory\") 4)"
    print "  (global $heap (mut i32) (i32.const 16384))"
    printf "  (table %d funcref)\n", N
    printf "  (elem (i32.const 0)"
    for (i = 0; i < N; i++) printf " $f%d", i
    print ")"
    # data: 8 bytes per function from 65536 on (at most 4 pages - 64 KiB)
    D = N * 8; if (D > 196608) D = 196608
    printf "  (data (i32.const 65536) \""
    s = 1
    for (i = 0; i < D; i++) { s = (s * 1103515245 + 12345) % 2147483648; printf "\\%02x", int(s / 65536) % 256 }
    print "\")"
    print "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32)"
    print "    (local $p i32)"
    print "    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))"
    print "                           (i32.sub (i32.const 0) (local.get 2))))"
    print "    (global.set $heap (i32.add (local.get $p) (local.get 3)))"
    print "    (local.get $p))"
    for (i = 0; i < N; i++) {
        printf "  (func $f%d (type $fn) (param $x i32) (result i32)\n", i
        printf "    (local.set $x (i32.xor (i32.mul (local.get $x) (i32.const %d))\n", const_of(i)
        printf "      (i32.load8_u offset=65536 (i32.rem_u (i32.add (local.get $x) (i32.const %d)) (i32.const %d)))))\n", i, D
        printf "    (local.set $x (i32.add (local.get $x) (i32.shr_u (local.get $x) (i32.const %d))))\n", i % 13 + 3
        if (i % 10 != 9 && i + 1 < N)
            printf "    (call $f%d (local.get $x)))\n", i + 1
        else
            print "    (local.get $x))"
    }
    # hex(h) at 512..520
    print "  (func $hex (param $h i32)"
    print "    (local $i i32) (local $d i32)"
    print "    (loop $next"
    print "      (local.set $d (i32.and (i32.shr_u (local.get $h) (i32.sub (i32.const 28) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 15)))"
    print "      (i32.store8 offset=512 (local.get $i) (i32.add (local.get $d) (select (i32.const 87) (i32.const 48) (i32.gt_u (local.get $d) (i32.const 9)))))"
    print "      (local.set $i (i32.add (local.get $i) (i32.const 1)))"
    print "      (br_if $next (i32.lt_u (local.get $i) (i32.const 8)))))"
    print "  (func (export \"wasi:keyvalue/handle-watch#on-set\") (param $b i32) (param $kp i32) (param $kl i32) (param $iv i32)"
    print "    (local $vp i32) (local $vl i32) (local $i i32) (local $h i32) (local $ov i32) (local $s i32)"
    print "    (global.set $heap (i32.const 16384))"
    print "    (call $consume (local.get $iv) (i32.const 0))"
    print "    (local.set $vp (i32.load (i32.const 4)))"
    print "    (local.set $vl (i32.load (i32.const 8)))"
    print "    (local.set $h (i32.const 5381))"
    print "    (block $done (loop $next"
    print "      (br_if $done (i32.ge_u (local.get $i) (local.get $vl)))"
    print "      (local.set $h (i32.add (local.get $h) (i32.load8_u (i32.add (local.get $vp) (local.get $i)))))"
    printf "      (local.set $h (call_indirect (type $fn) (local.get $h) (i32.rem_u (local.get $h) (i32.const %d))))\n", N
    print "      (local.set $i (i32.add (local.get $i) (i32.const 1)))"
    print "      (br $next)))"
    print "    (call $hex (local.get $h))"
    print "    ;; the key: KEY#h at 1024"
    print "    (memory.copy (i32.const 1024) (local.get $kp) (local.get $kl))"
    print "    (i32.store16 (i32.add (i32.const 1024) (local.get $kl)) (i32.const 26659))"
    print "    (local.set $ov (call $new_ov))"
    print "    (call $write_body (local.get $ov) (i32.const 0))"
    print "    (local.set $s (i32.load (i32.const 4)))"
    print "    (call $write (local.get $s) (i32.const 512) (i32.const 8) (i32.const 0))"
    print "    (call $drop_os (local.get $s))"
    print "    (call $set (local.get $b) (i32.const 1024) (i32.add (local.get $kl) (i32.const 2)) (local.get $ov) (i32.const 0))"
    print "    (if (i32.load8_u (i32.const 0)) (then (call $drop_err (i32.load (i32.const 4)))))"
    print "    (call $drop_ov (local.get $ov)))"
    print "  (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i32 i32)))"
}
