;; tests/profile/clash.wat - a guest whose functions are named like the
;; runtime's and libc's symbols (main, kvrt_main, memcpy, malloc, free,
;; write): a --profile build must link and run it unchanged, the names
;; showing with the .guest suffix. Assembled with --debug-names.
;; on-set(b, key) copies the key through $memcpy into memory $malloc gave,
;; and sets b["copy"] = that copy.
(module
  (import "wasi:keyvalue/types" "new-outgoing-value" (func $new_ov (result i32)))
  (import "wasi:keyvalue/types" "outgoing-value-write-body" (func $write_body (param i32 i32)))
  (import "wasi:keyvalue/types" "drop-outgoing-value" (func $drop_ov (param i32)))
  (import "wasi:keyvalue/types" "drop-incoming-value" (func $drop_iv (param i32)))
  (import "wasi:keyvalue/streams" "write" (func $write_stream (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/streams" "drop-output-stream" (func $drop_os (param i32)))
  (import "wasi:keyvalue/readwrite" "set" (func $set (param i32 i32 i32 i32 i32)))

  ;; 16 "copy", 1024 the return area, 4096+ the heap
  (memory (export "memory") 1)
  (data (i32.const 16) "copy")
  (global $heap (mut i32) (i32.const 4096))

  (func $malloc (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (local.get $p))

  (func $free (param $p i32))

  (func $memcpy (param $d i32) (param $s i32) (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (i32.add (local.get $d) (local.get $i))
                    (i32.load8_u (i32.add (local.get $s) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $d))

  ;; write(b, v, n): b["copy"] = v[0..n)
  (func $write (param $b i32) (param $vp i32) (param $vl i32)
    (local $ov i32) (local $os i32)
    (local.set $ov (call $new_ov))
    (call $write_body (local.get $ov) (i32.const 1024))
    (local.set $os (i32.load (i32.const 1028)))
    (call $write_stream (local.get $os) (local.get $vp) (local.get $vl) (i32.const 1024))
    (call $set (local.get $b) (i32.const 16) (i32.const 4) (local.get $ov) (i32.const 1024))
    (call $drop_os (local.get $os))
    (call $drop_ov (local.get $ov)))

  (func $kvrt_main (param $b i32) (param $kp i32) (param $kl i32)
    (local $p i32)
    (local.set $p (call $malloc (local.get $kl)))
    (drop (call $memcpy (local.get $p) (local.get $kp) (local.get $kl)))
    (call $write (local.get $b) (local.get $p) (local.get $kl))
    (call $free (local.get $p)))

  (func $main (param $b i32) (param $kp i32) (param $kl i32)
    (call $kvrt_main (local.get $b) (local.get $kp) (local.get $kl)))

  (func (export "wasi:keyvalue/handle-watch#on-set") (param $b i32) (param $kp i32) (param $kl i32) (param $iv i32)
    (call $drop_iv (local.get $iv))
    (if (i32.ne (local.get $kl) (i32.const 4))     ;; not "copy" itself
      (then (call $main (local.get $b) (local.get $kp) (local.get $kl)))))

  (func (export "wasi:keyvalue/handle-watch#on-delete") (param $b i32) (param $kp i32) (param $kl i32))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (call $malloc (local.get 3))))
