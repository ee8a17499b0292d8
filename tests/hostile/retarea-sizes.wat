;; tests/hostile/retarea-sizes.wat - every import with a return area, called
;; with the area (a) exactly at the end of memory: fits, no trap; (b) one
;; alignment unit further: straddles the end -> trap; (c) misaligned by half
;; its alignment -> trap. Sizes and alignments are SPEC §7's list. Keys:
;;   f   (a) for all 21 functions in turn: prints the mutations they make
;;       (set k, delete k, increment n, compare-and-swap n) and res = 0
;;   tX  (b) for function X, mX  (c) for function X, X = a.. in this order:
;;       a read 16/4  b skip 24/8  c write 16/8  d write-repeated 16/8
;;       e splice 24/8  f forward 16/8  g trace 8/4  h open-bucket 8/4
;;       i outgoing-value-write-body 8/4  j consume-sync 12/4
;;       k consume-async 8/4  l get 8/4  m set 8/4  n delete 8/4
;;       o exists 8/4  p increment 16/8  q compare-and-swap 8/4
;;       r get-many 12/4  s get-keys 8/4  t set-many 8/4  u delete-many 8/4
;;   anything else: only the prelude's marks.
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
  (import "wasi:keyvalue/streams" "read" (func $read (param i32 i64 i32)))
  (import "wasi:keyvalue/streams" "skip" (func $skip (param i32 i64 i32)))
  (import "wasi:keyvalue/streams" "write-repeated" (func $write_repeated (param i32 i32 i64 i32)))
  (import "wasi:keyvalue/streams" "splice" (func $splice (param i32 i32 i64 i32)))
  (import "wasi:keyvalue/streams" "forward" (func $forward (param i32 i32 i32)))
  (import "wasi:keyvalue/wasi-cloud-error" "trace" (func $trace (param i32 i32)))
  (import "wasi:keyvalue/types" "open-bucket" (func $open_bucket (param i32 i32 i32)))
  (import "wasi:keyvalue/types" "incoming-value-consume-async" (func $consume_async (param i32 i32)))
  (import "wasi:keyvalue/readwrite" "delete" (func $delete (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/readwrite" "exists" (func $exists (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/atomic" "increment" (func $increment (param i32 i32 i32 i64 i32)))
  (import "wasi:keyvalue/atomic" "compare-and-swap" (func $cas (param i32 i32 i32 i64 i64 i32)))
  (import "wasi:keyvalue/batch" "get-many" (func $get_many (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/batch" "get-keys" (func $get_keys (param i32 i32)))
  (import "wasi:keyvalue/batch" "set-many" (func $set_many (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:keyvalue/batch" "delete-many" (func $delete_many (param i32 i32 i32 i32)))

  ;; Memory: 16 "seen", 20 "prev", 24 "res", 32 "0123456789", 48-1023 this
  ;; guest's own data, 1024 the prelude's return area, 1056 a second one,
  ;; 1088-4095 lists, 4096+ the bump heap of cabi_realloc.
  (memory (export "memory") 1)
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

  (data (i32.const 48) "tmp")
  (data (i32.const 52) "nope")
  (data (i32.const 56) "kn")
  ;; size and alignment of each function's return area, by function number
  (data (i32.const 256) "\10\18\10\10\18\10\08\08\08\0c\08\08\08\08\08\10\08\0c\08\08\08")
  (data (i32.const 288) "\04\08\08\08\08\08\04\04\04\04\04\04\04\04\04\08\04\04\04\04\04")
  (global $gb (mut i32) (i32.const 0))
  (global $giv (mut i32) (i32.const 0))
  (global $ov (mut i32) (i32.const 0))
  (global $os (mut i32) (i32.const 0))
  (global $is (mut i32) (i32.const 0))
  (global $err (mut i32) (i32.const 0))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (call $bump (local.get 2) (local.get 3)))

  ;; Live handles of every kind for the calls below.
  (func $setup (param $b i32) (param $iv i32)
    (global.set $gb (local.get $b))
    (global.set $giv (local.get $iv))
    (global.set $ov (call $new_ov))
    (call $write_body (global.get $ov) (i32.const 1024))
    (global.set $os (i32.load (i32.const 1028)))
    (call $get (local.get $b) (i32.const 16) (i32.const 4) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (call $consume_async (i32.load (i32.const 1028)) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (global.set $is (i32.load (i32.const 1028)))
    (call $get (local.get $b) (i32.const 52) (i32.const 4) (i32.const 1024))
    (if (i32.eqz (i32.load8_u (i32.const 1024))) (then unreachable))
    (global.set $err (i32.load (i32.const 1028))))

  ;; Function number $fn with return area $ret.
  (func $call (param $fn i32) (param $ret i32)
    (local $b i32)
    (local.set $b (global.get $gb))
    (block $done
      (block $u (block $t (block $s (block $r (block $q (block $p (block $o
      (block $n (block $m (block $l (block $k (block $j (block $i (block $h
      (block $g (block $f (block $e (block $d (block $c (block $b_ (block $a
        (br_table $a $b_ $c $d $e $f $g $h $i $j $k $l $m $n $o $p $q $r $s $t $u $done
                  (local.get $fn)))
        (call $read (global.get $is) (i64.const 1) (local.get $ret)) (br $done))
        (call $skip (global.get $is) (i64.const 1) (local.get $ret)) (br $done))
        (call $write (global.get $os) (i32.const 16) (i32.const 1) (local.get $ret)) (br $done))
        (call $write_repeated (global.get $os) (i32.const 97) (i64.const 1) (local.get $ret)) (br $done))
        (call $splice (global.get $os) (global.get $is) (i64.const 1) (local.get $ret)) (br $done))
        (call $forward (global.get $os) (global.get $is) (local.get $ret)) (br $done))
        (call $trace (global.get $err) (local.get $ret)) (br $done))
        (call $open_bucket (i32.const 48) (i32.const 3) (local.get $ret)) (br $done))
        (call $write_body (global.get $ov) (local.get $ret)) (br $done))
        (call $consume_sync (global.get $giv) (local.get $ret)) (br $done))
        (call $consume_async (global.get $giv) (local.get $ret)) (br $done))
        (call $get (local.get $b) (i32.const 16) (i32.const 4) (local.get $ret)) (br $done))
        (call $set (local.get $b) (i32.const 56) (i32.const 1) (global.get $ov) (local.get $ret)) (br $done))
        (call $delete (local.get $b) (i32.const 56) (i32.const 1) (local.get $ret)) (br $done))
        (call $exists (local.get $b) (i32.const 56) (i32.const 1) (local.get $ret)) (br $done))
        (call $increment (local.get $b) (i32.const 57) (i32.const 1) (i64.const 1) (local.get $ret)) (br $done))
        (call $cas (local.get $b) (i32.const 57) (i32.const 1) (i64.const 1) (i64.const 2) (local.get $ret)) (br $done))
        (call $get_many (local.get $b) (i32.const 1088) (i32.const 0) (local.get $ret)) (br $done))
        (call $get_keys (local.get $b) (local.get $ret)) (br $done))
        (call $set_many (local.get $b) (i32.const 1088) (i32.const 0) (i32.const 1088) (i32.const 0) (local.get $ret)) (br $done))
      (call $delete_many (local.get $b) (i32.const 1088) (i32.const 0) (local.get $ret))))

  (func $size (param $fn i32) (result i32) (i32.load8_u (i32.add (i32.const 256) (local.get $fn))))
  (func $align (param $fn i32) (result i32) (i32.load8_u (i32.add (i32.const 288) (local.get $fn))))

  (func $hostile (param $b i32) (param $k i32) (param $iv i32)
    (local $fn i32)
    (if (i32.eq (local.get $k) (i32.const 0x66)) ;; f: every area fits exactly
      (then
        (call $setup (local.get $b) (local.get $iv))
        (loop $each
          (call $call (local.get $fn) (i32.sub (i32.const 65536) (call $size (local.get $fn))))
          (local.set $fn (i32.add (local.get $fn) (i32.const 1)))
          (br_if $each (i32.lt_u (local.get $fn) (i32.const 21))))
        (call $res (local.get $b) (i32.const 0))))
    (if (i32.or (i32.eq (local.get $k) (i32.const 0x74)) (i32.eq (local.get $k) (i32.const 0x6d)))
      (then
        ;; the function is the key's second byte
        (local.set $fn (i32.sub (i32.load8_u (i32.add (global.get $key) (i32.const 1))) (i32.const 0x61)))
        (call $setup (local.get $b) (local.get $iv))
        (if (i32.eq (local.get $k) (i32.const 0x74)) ;; t: straddles the end
          (then (call $call (local.get $fn)
                  (i32.add (i32.sub (i32.const 65536) (call $size (local.get $fn)))
                           (call $align (local.get $fn)))))
          (else (call $call (local.get $fn) ;; m: misaligned
                  (i32.add (i32.const 1056) (i32.shr_u (call $align (local.get $fn)) (i32.const 1)))))))))
)
