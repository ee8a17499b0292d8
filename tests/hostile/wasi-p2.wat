;; tests/hostile/wasi-p2.wat - WASI 0.2 imported by the guest itself (SPEC
;; §8.3), at its edges: resources are handles in the same table (kind-checked;
;; a bad handle traps), argument pointers and return areas are checked like
;; the world's (a bad one traps), output streams write to the guest output
;; and accept everything, input streams are closed, exit traps. Both namings
;; (legacy `wasi:io/streams@0.2.3`, current `cm32p2|wasi:...`) and two
;; @0.2.N versions. Memory is 2 pages. Key's first byte:
;;   o  get-stdout, blocking-write-and-flush "01234" -> ok (res 0); drop
;;   b  blocking-write-and-flush on handle 12345 -> trap
;;   d  get-stdout, drop it twice -> trap
;;   k  check-write -> ok (res 0), b["cw"] = 1048576
;;   i  get-stdin, read 10 -> err closed (res 1, b["disc"] = 1)
;;   s  splice(stdout, stdin, 10) -> err closed (res 1, b["disc"] = 1)
;;   S  splice(stdout, stdout, 10): the source is not an input-stream -> trap
;;   p  poll([subscribe-duration(1 ms)]) -> [0] (b["rl"] = 1)
;;   e  poll([]) -> trap
;;   x  b["doomed"] = "yes", then exit(err) -> trap, rolled back
;;   v  get-environment -> b["ec"] = the number of --env pairs
;;   r  get-random-bytes(16) -> b["rl"] = 16
;;   g  get-directories -> b["dl"] = 0
;;   w  blocking-write-and-flush of a list past the end of memory -> trap
;;   m  check-write with a return area at 4 mod 8 -> trap
;;   u  [resource-drop]pollable 777 -> trap
(module
  ;; ---- prelude (the same in every hostile guest) --------------------------
  (import "wasi:keyvalue/types" "new-outgoing-value" (func $new_ov (result i32)))
  (import "wasi:keyvalue/types" "outgoing-value-write-body" (func $write_body (param i32 i32)))
  (import "wasi:keyvalue/types" "drop-outgoing-value" (func $drop_ov (param i32)))
  (import "wasi:keyvalue/types" "drop-incoming-value" (func $drop_iv (param i32)))
  (import "wasi:keyvalue/types" "incoming-value-consume-sync" (func $consume_sync (param i32 i32)))
  (import "wasi:keyvalue/streams" "write" (func $write (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/streams" "drop-output-stream" (func $drop_os (param i32)))
  (import "wasi:keyvalue/wasi-cloud-error" "drop-error" (func $drop_err (param i32)))
  (import "wasi:keyvalue/readwrite" "get" (func $get (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/readwrite" "set" (func $set (param i32 i32 i32 i32 i32)))
  ;; ---- this guest's own imports
  (import "wasi:cli/stdout@0.2.3" "get-stdout" (func $get_stdout (result i32)))
  (import "wasi:cli/stdin@0.2.0" "get-stdin" (func $get_stdin (result i32)))
  (import "cm32p2|wasi:io/streams@0.2.3" "[method]output-stream.blocking-write-and-flush"
    (func $bwf (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.3" "[method]output-stream.check-write" (func $check_write (param i32 i32)))
  (import "wasi:io/streams@0.2.3" "[method]output-stream.splice" (func $splice (param i32 i32 i64 i32)))
  (import "wasi:io/streams@0.2.3" "[method]input-stream.read" (func $read (param i32 i64 i32)))
  (import "wasi:io/streams@0.2.3" "[resource-drop]output-stream" (func $drop_out (param i32)))
  (import "wasi:io/streams@0.2.3" "[resource-drop]input-stream" (func $drop_in (param i32)))
  (import "wasi:io/poll@0.2.3" "poll" (func $poll (param i32 i32 i32)))
  (import "wasi:io/poll@0.2.3" "[resource-drop]pollable" (func $drop_pollable (param i32)))
  (import "wasi:clocks/monotonic-clock@0.2.3" "subscribe-duration" (func $after (param i64) (result i32)))
  (import "wasi:cli/exit@0.2.3" "exit" (func $exit (param i32)))
  (import "wasi:cli/environment@0.2.3" "get-environment" (func $get_env (param i32)))
  (import "wasi:random/random@0.2.3" "get-random-bytes" (func $random (param i64 i32)))
  (import "wasi:filesystem/preopens@0.2.3" "get-directories" (func $get_dirs (param i32)))
  (import "wasi:keyvalue/atomic" "increment" (func $increment (param i32 i32 i32 i64 i32)))

  ;; Memory: 16 "seen", 20 "prev", 24 "res", 32 "0123456789", 48-1023 this
  ;; guest's own data, 1024 the prelude's return area, 1056 a second one,
  ;; 1088-4095 lists, 4096+ the bump heap of cabi_realloc.
  (memory (export "memory") 2)
  (data (i32.const 16) "seenprevres")
  (data (i32.const 32) "0123456789")
  (global $heap (mut i32) (i32.const 4096))
  (global $key (mut i32) (i32.const 0))   ;; the event's key pointer

  ;; Bump allocator: old_ptr/old_size ignored (the host only allocates).
  (func $bump (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (local.get $p))

  ;; put(b, k, v): b[k] = v through a fresh outgoing-value, dropped after.
  (func $put (param $b i32) (param $kp i32) (param $kl i32) (param $vp i32) (param $vl i32)
    (local $ov i32) (local $os i32)
    (local.set $ov (call $new_ov))
    (call $write_body (local.get $ov) (i32.const 1024))
    (local.set $os (i32.load (i32.const 1028)))
    (call $write (local.get $os) (local.get $vp) (local.get $vl) (i32.const 1024))
    (call $set (local.get $b) (local.get $kp) (local.get $kl) (local.get $ov) (i32.const 1024))
    (call $drop_os (local.get $os))
    (call $drop_ov (local.get $ov)))

  ;; res(b, d): b["res"] = the decimal digit d (a result tag, 0 ok / 1 err).
  (func $res (param $b i32) (param $d i32)
    (call $put (local.get $b) (i32.const 24) (i32.const 3)
               (i32.add (i32.const 32) (local.get $d)) (i32.const 1)))

  ;; mark(b, key): b["prev"] = b["seen"] when there is one; b["seen"] = key.
  ;; Run first by every handler, so a trapped event's own writes would show,
  ;; and the next event's "prev" shows whether the store was rolled back.
  (func $mark (param $b i32) (param $kp i32) (param $kl i32)
    (local $iv i32)
    (call $get (local.get $b) (i32.const 16) (i32.const 4) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024))
      (then (call $drop_err (i32.load (i32.const 1028))))
      (else
        (local.set $iv (i32.load (i32.const 1028)))
        (call $consume_sync (local.get $iv) (i32.const 1024))
        (call $put (local.get $b) (i32.const 20) (i32.const 4)
                   (i32.load (i32.const 1028)) (i32.load (i32.const 1032)))
        (call $drop_iv (local.get $iv))))
    (call $put (local.get $b) (i32.const 16) (i32.const 4) (local.get $kp) (local.get $kl)))

  ;; First byte of the key (0 for an empty key): selects the hostile action.
  (func $sel (param $kp i32) (param $kl i32) (result i32)
    (if (result i32) (local.get $kl)
      (then (i32.load8_u (local.get $kp)))
      (else (i32.const 0))))

  (func (export "wasi:keyvalue/handle-watch#on-set") (param $b i32) (param $kp i32) (param $kl i32) (param $iv i32)
    (global.set $key (local.get $kp))
    (call $mark (local.get $b) (local.get $kp) (local.get $kl))
    (call $hostile (local.get $b) (call $sel (local.get $kp) (local.get $kl)) (local.get $iv)))

  (func (export "wasi:keyvalue/handle-watch#on-delete") (param $b i32) (param $kp i32) (param $kl i32)
    (global.set $key (local.get $kp))
    (call $mark (local.get $b) (local.get $kp) (local.get $kl))
    (call $hostile (local.get $b) (call $sel (local.get $kp) (local.get $kl)) (i32.const 0)))
  ;; ---- end of prelude ------------------------------------------------------

  ;; ---- this guest's own part --------------------------------------------

  ;; num(n): the decimal digits of n, right-aligned before 980; $np = start.
  (global $np (mut i32) (i32.const 0))
  (func $num (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (i32.const 980))
    (loop $l
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $l (local.get $n)))
    (global.set $np (local.get $p))
    (i32.sub (i32.const 980) (local.get $p)))
  ;; putnum(b, kp, kl, n): b[k] = n in decimal
  (func $putnum (param $b i32) (param $kp i32) (param $kl i32) (param $n i32)
    (local $len i32)
    (local.set $len (call $num (local.get $n)))
    (call $put (local.get $b) (local.get $kp) (local.get $kl) (global.get $np) (local.get $len)))
  ;; errno(b, e): b["res"] = e in decimal
  (func $errno (param $b i32) (param $e i32)
    (call $putnum (local.get $b) (i32.const 24) (i32.const 3) (local.get $e)))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (call $bump (local.get 2) (local.get 3)))

  ;; keys at 48 (cw disc ec rl dl doomed yes); return areas at 1056 (8-aligned)
  (data (i32.const 48) "cwdiscecrldldoomedyes")

  (func $hostile (param $b i32) (param $k i32) (param $iv i32)
    (local $h i32) (local $in i32)
    (if (i32.eq (local.get $k) (i32.const 0x6f)) ;; o
      (then
        (local.set $h (call $get_stdout))
        (call $bwf (local.get $h) (i32.const 32) (i32.const 5) (i32.const 1056))
        (call $errno (local.get $b) (i32.load8_u (i32.const 1056)))
        (call $drop_out (local.get $h))))
    (if (i32.eq (local.get $k) (i32.const 0x62)) ;; b
      (then (call $bwf (i32.const 12345) (i32.const 32) (i32.const 5) (i32.const 1056))))
    (if (i32.eq (local.get $k) (i32.const 0x64)) ;; d
      (then
        (local.set $h (call $get_stdout))
        (call $drop_out (local.get $h))
        (call $drop_out (local.get $h))))
    (if (i32.eq (local.get $k) (i32.const 0x6b)) ;; k
      (then
        (local.set $h (call $get_stdout))
        (call $check_write (local.get $h) (i32.const 1056))
        (call $errno (local.get $b) (i32.load8_u (i32.const 1056)))
        (call $putnum (local.get $b) (i32.const 48) (i32.const 2) (i32.load (i32.const 1064)))
        (call $drop_out (local.get $h))))
    (if (i32.eq (local.get $k) (i32.const 0x69)) ;; i
      (then
        (local.set $in (call $get_stdin))
        (call $read (local.get $in) (i64.const 10) (i32.const 1056))
        (call $errno (local.get $b) (i32.load8_u (i32.const 1056)))
        (call $putnum (local.get $b) (i32.const 50) (i32.const 4) (i32.load8_u (i32.const 1060)))
        (call $drop_in (local.get $in))))
    (if (i32.eq (local.get $k) (i32.const 0x73)) ;; s
      (then
        (local.set $h (call $get_stdout))
        (local.set $in (call $get_stdin))
        (call $splice (local.get $h) (local.get $in) (i64.const 10) (i32.const 1056))
        (call $errno (local.get $b) (i32.load8_u (i32.const 1056)))
        (call $putnum (local.get $b) (i32.const 50) (i32.const 4) (i32.load8_u (i32.const 1064)))))
    (if (i32.eq (local.get $k) (i32.const 0x53)) ;; S
      (then
        (local.set $h (call $get_stdout))
        (call $splice (local.get $h) (local.get $h) (i64.const 10) (i32.const 1056))))
    (if (i32.eq (local.get $k) (i32.const 0x70)) ;; p
      (then
        (i32.store (i32.const 1088) (call $after (i64.const 1000000)))
        (call $poll (i32.const 1088) (i32.const 1) (i32.const 1056))
        (call $putnum (local.get $b) (i32.const 56) (i32.const 2) (i32.load (i32.const 1060)))
        (call $drop_pollable (i32.load (i32.const 1088)))))
    (if (i32.eq (local.get $k) (i32.const 0x65)) ;; e
      (then (call $poll (i32.const 1088) (i32.const 0) (i32.const 1056))))
    (if (i32.eq (local.get $k) (i32.const 0x78)) ;; x
      (then
        (call $put (local.get $b) (i32.const 60) (i32.const 6) (i32.const 66) (i32.const 3))
        (call $exit (i32.const 1))))
    (if (i32.eq (local.get $k) (i32.const 0x76)) ;; v
      (then
        (call $get_env (i32.const 1056))
        (call $putnum (local.get $b) (i32.const 54) (i32.const 2) (i32.load (i32.const 1060)))))
    (if (i32.eq (local.get $k) (i32.const 0x72)) ;; r
      (then
        (call $random (i64.const 16) (i32.const 1056))
        (call $putnum (local.get $b) (i32.const 56) (i32.const 2) (i32.load (i32.const 1060)))))
    (if (i32.eq (local.get $k) (i32.const 0x67)) ;; g
      (then
        (call $get_dirs (i32.const 1056))
        (call $putnum (local.get $b) (i32.const 58) (i32.const 2) (i32.load (i32.const 1060)))))
    (if (i32.eq (local.get $k) (i32.const 0x77)) ;; w
      (then
        (local.set $h (call $get_stdout))
        (call $bwf (local.get $h) (i32.const 131070) (i32.const 10) (i32.const 1056))))
    (if (i32.eq (local.get $k) (i32.const 0x6d)) ;; m
      (then
        (local.set $h (call $get_stdout))
        (call $check_write (local.get $h) (i32.const 1060))))
    (if (i32.eq (local.get $k) (i32.const 0x75)) ;; u
      (then (call $drop_pollable (i32.const 777)))))
)
