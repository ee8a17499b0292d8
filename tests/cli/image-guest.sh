#!/bin/sh
# tests/cli/image-guest.sh BYTES - prints a WAT guest whose data segment at
# 65536 is "ORIG", BYTES-8 'a's, "TAIL" (a memory image: runtime/memory.c
# maps it copy-on-write into fresh instances when BYTES is a megabyte or
# more). On-set by the key's first byte: w writes 'X' over the O of ORIG;
# t writes 'Y' there, then traps; p sets b[peek] and b[tail] to the
# segment's first and last 4 bytes; G grows the memory by a page and writes
# 'G' into it; s sets b[size] to the memory's size in pages, 4 digits.
# Three bytes on pages no segment covers (8192, 3 pages below the end and
# the end of the initial memory): n writes 'N' to each; z writes 'Z' to
# each, then traps; q sets b[zero] to one digit per byte (0: it is zero).
# F fills all of the memory but its first page with 'F' (more pages than
# runtime/wtrack.c tracks one by one).
set -eu
n=$1
pages=$(( (65536 + n) / 65536 + 2 ))
end=$((pages * 65536 - 8))
far="8192 $((end - 3 * 4096)) $end"
{
cat <<'W'
(module
  (import "wasi:keyvalue/types" "new-outgoing-value" (func $new_ov (result i32)))
  (import "wasi:keyvalue/types" "outgoing-value-write-body" (func $write_body (param i32 i32)))
  (import "wasi:keyvalue/types" "drop-outgoing-value" (func $drop_ov (param i32)))
  (import "wasi:keyvalue/types" "drop-incoming-value" (func $drop_iv (param i32)))
  (import "wasi:keyvalue/streams" "write" (func $write_stream (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/streams" "drop-output-stream" (func $drop_os (param i32)))
  (import "wasi:keyvalue/readwrite" "set" (func $set (param i32 i32 i32 i32 i32)))
  (memory (export "memory") PAGES)
  (data (i32.const 16) "peektailsizezero")
  (global $heap (mut i32) (i32.const 4096))
  (func $put (param $b i32) (param $kp i32) (param $vp i32)
    (local $ov i32) (local $os i32)
    (local.set $ov (call $new_ov))
    (call $write_body (local.get $ov) (i32.const 1024))
    (local.set $os (i32.load (i32.const 1028)))
    (call $write_stream (local.get $os) (local.get $vp) (i32.const 4) (i32.const 1024))
    (call $set (local.get $b) (local.get $kp) (i32.const 4) (local.get $ov) (i32.const 1024))
    (call $drop_os (local.get $os))
    (call $drop_ov (local.get $ov)))
  (func (export "wasi:keyvalue/handle-watch#on-set") (param $b i32) (param $kp i32) (param $kl i32) (param $iv i32)
    (local $k i32)
    (call $drop_iv (local.get $iv))
    (local.set $k (i32.load8_u (local.get $kp)))
    (if (i32.eq (local.get $k) (i32.const 0x77))          ;; w: write X
      (then (i32.store8 (i32.const 65536) (i32.const 0x58))))
    (if (i32.eq (local.get $k) (i32.const 0x74))          ;; t: write Y, trap
      (then (i32.store8 (i32.const 65536) (i32.const 0x59)) (unreachable)))
    (if (i32.eq (local.get $k) (i32.const 0x47))          ;; G: grow, write G there
      (then (i32.store8 (i32.mul (memory.grow (i32.const 1)) (i32.const 65536))
                        (i32.const 0x47))))
    (if (i32.eq (local.get $k) (i32.const 0x73))          ;; s: size in 4 digits at 40
      (then
        (i32.store8 (i32.const 40) (i32.add (i32.const 48) (i32.rem_u (i32.div_u (memory.size) (i32.const 1000)) (i32.const 10))))
        (i32.store8 (i32.const 41) (i32.add (i32.const 48) (i32.rem_u (i32.div_u (memory.size) (i32.const 100)) (i32.const 10))))
        (i32.store8 (i32.const 42) (i32.add (i32.const 48) (i32.rem_u (i32.div_u (memory.size) (i32.const 10)) (i32.const 10))))
        (i32.store8 (i32.const 43) (i32.add (i32.const 48) (i32.rem_u (memory.size) (i32.const 10))))
        (call $put (local.get $b) (i32.const 24) (i32.const 40))))
    (if (i32.eq (local.get $k) (i32.const 0x46))          ;; F: fill from 4096 on
      (then (memory.fill (i32.const 4096) (i32.const 0x46)
                         (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4096)))))
    (if (i32.eq (local.get $k) (i32.const 0x6e))          ;; n: write N far
      (then FAR_N))
    (if (i32.eq (local.get $k) (i32.const 0x7a))          ;; z: write Z far, trap
      (then FAR_Z (unreachable)))
    (if (i32.eq (local.get $k) (i32.const 0x71))          ;; q: which are zero
      (then FAR_Q (i32.store8 (i32.const 43) (i32.const 0x2e))
        (call $put (local.get $b) (i32.const 28) (i32.const 40))))
    (if (i32.eq (local.get $k) (i32.const 0x70))          ;; p: peek and tail
      (then
        (call $put (local.get $b) (i32.const 16) (i32.const 65536))
W
printf '        (call $put (local.get $b) (i32.const 20) (i32.const %d)))))\n' $((65536 + n - 4))
cat <<'W'
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
W
printf '  (data (i32.const 65536) "ORIG'
awk -v n=$((n - 8)) 'BEGIN { s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; while (n >= 64) { printf "%s", s; n -= 64 } while (n-- > 0) printf "a" }'
printf 'TAIL"))\n'
} | sed -e "s/PAGES/$pages/" \
    -e "s/FAR_N/$(for a in $far; do printf '(i32.store8 (i32.const %d) (i32.const 0x4e)) ' $a; done)/" \
    -e "s/FAR_Z/$(for a in $far; do printf '(i32.store8 (i32.const %d) (i32.const 0x5a)) ' $a; done)/" \
    -e "s/FAR_Q/$(i=40; for a in $far; do printf '(i32.store8 (i32.const %d) (i32.add (i32.const 48) (i32.ne (i32.load8_u (i32.const %d)) (i32.const 0)))) ' $i $a; i=$((i + 1)); done)/"
