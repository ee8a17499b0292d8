;; tests/cli/probe.wat - the guest of tests/cli/run.sh (legacy wit-component
;; names, SPEC §2 core signatures). Every output goes through the event's own
;; bucket handle, so the guest never names a bucket except where noted.
;;
;; on-set(bucket, key, value) - by key:
;;   boom     set BUCKET boomed = "yes", then trap (unreachable)
;;   count    g += 1 (a global: restarts with each instance);
;;            set BUCKET count = the digit of g
;;   loop     loop forever (for --timeout)
;;   grow     memory.grow(15) then memory.grow(1); set BUCKET grow = two
;;            letters, o = ok, f = failed (1 page + 15 = 1 MiB)
;;   big      ov1: one 11-byte write; ov2: a 10-byte then a 1-byte write;
;;            set big1 = ov1, big2 = ov2, bigtags = the three write results
;;            (o = ok, e = stream-error)
;;   hand     with the host's two event handles live: new-outgoing-value,
;;            write-body (t1), write-body again (t2), drop the first stream,
;;            write-body (t3); set BUCKET hand = t1 t2 t3 (o = ok, e = err)
;;   handerr  new-outgoing-value and write-body (4 live handles), then
;;            delete BUCKET "nokey" (fails: makes an error handle); then
;;            drop the stream and the value and set BUCKET handerr = the
;;            delete's tag (o/e) and h (error handle non-zero) or 0
;;   delok    delete a, set a = "new", delete c (all in BUCKET)
;;   delboom  the same as delok, then trap
;;   newbkt   open bucket "fresh", set fresh k = "v", then trap
;;   del      delete BUCKET VALUE (VALUE used as the key)
;;   nop      nothing
;;   rec      recurse without end (a non-tail call): stack exhaustion
;;   anything else: echo, set BUCKET KEY = VALUE
;; on-delete(bucket, key): boom and count as above; anything else: nothing.
;; _initialize: opens bucket "ctl"; traps when ctl trap-init exists; when
;;   ctl log-init exists, increment ctl inits by 1 (printed as a set).
(module
  (import "wasi:keyvalue/types" "open-bucket" (func $open (param i32 i32 i32)))
  (import "wasi:keyvalue/types" "drop-bucket" (func $drop_bucket (param i32)))
  (import "wasi:keyvalue/types" "new-outgoing-value" (func $new_ov (result i32)))
  (import "wasi:keyvalue/types" "drop-outgoing-value" (func $drop_ov (param i32)))
  (import "wasi:keyvalue/types" "outgoing-value-write-body" (func $write_body (param i32 i32)))
  (import "wasi:keyvalue/types" "incoming-value-consume-sync" (func $consume (param i32 i32)))
  (import "wasi:keyvalue/streams" "write" (func $write (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/streams" "drop-output-stream" (func $drop_os (param i32)))
  (import "wasi:keyvalue/readwrite" "set" (func $set (param i32 i32 i32 i32 i32)))
  (import "wasi:keyvalue/readwrite" "delete" (func $delete (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/readwrite" "exists" (func $exists (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/atomic" "increment" (func $incr (param i32 i32 i32 i64 i32)))
  (import "wasi:keyvalue/wasi-cloud-error" "drop-error" (func $drop_err (param i32)))

  (memory (export "memory") 1)
  ;; 0..24: return area (8-aligned); 512..: scratch; 1024..: constants;
  ;; 4096..: bump heap for realloc, reset after each handler.
  (global $heap (mut i32) (i32.const 4096))
  (global $count (mut i32) (i32.const 0))

  (data (i32.const 1024) "boom")
  (data (i32.const 1032) "count")
  (data (i32.const 1040) "loop")
  (data (i32.const 1048) "grow")
  (data (i32.const 1056) "big")
  (data (i32.const 1064) "hand")
  (data (i32.const 1072) "delboom")
  (data (i32.const 1080) "delok")
  (data (i32.const 1088) "newbkt")
  (data (i32.const 1096) "nop")
  (data (i32.const 1104) "ctl")
  (data (i32.const 1112) "trap-init")
  (data (i32.const 1128) "log-init")
  (data (i32.const 1144) "inits")
  (data (i32.const 1152) "boomed")
  (data (i32.const 1160) "yes")
  (data (i32.const 1168) "0123456789a")
  (data (i32.const 1184) "big1")
  (data (i32.const 1192) "big2")
  (data (i32.const 1200) "bigtags")
  (data (i32.const 1208) "fresh")
  (data (i32.const 1216) "k")
  (data (i32.const 1224) "v")
  (data (i32.const 1232) "a")
  (data (i32.const 1240) "new")
  (data (i32.const 1248) "c")
  (data (i32.const 1256) "del")
  (data (i32.const 1264) "handerr")
  (data (i32.const 1272) "nokey")
  (data (i32.const 1280) "rec")

  (func (export "cabi_realloc") (param $old i32) (param $osz i32) (param $align i32)
        (param $size i32) (result i32)
    (local $p i32) (local $need i32)
    (local.set $p (i32.and
      (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (local.set $need (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $need) (i32.const 16))
                                          (i32.const 1)))
                    (i32.const -1))
          (then unreachable))))
    (local.get $p))

  ;; key == s[0..n)
  (func $is (param $kp i32) (param $kl i32) (param $s i32) (param $n i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $kl) (local.get $n)) (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $kp) (local.get $i)))
                    (i32.load8_u (i32.add (local.get $s) (local.get $i))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  ;; 'o' when the result tag at 0 is ok, else 'e'
  (func $tag (result i32)
    (select (i32.const 101) (i32.const 111) (i32.load8_u (i32.const 0))))

  ;; an error result at 0 with its handle at 4: drop it
  (func $drop_if_err
    (if (i32.load8_u (i32.const 0)) (then (call $drop_err (i32.load (i32.const 4))))))

  ;; set b k = v[0..vl)
  (func $put (param $b i32) (param $kp i32) (param $kl i32) (param $vp i32) (param $vl i32)
    (local $ov i32) (local $s i32)
    (local.set $ov (call $new_ov))
    (call $write_body (local.get $ov) (i32.const 0))
    (local.set $s (i32.load (i32.const 4)))
    (call $write (local.get $s) (local.get $vp) (local.get $vl) (i32.const 0))
    (call $drop_os (local.get $s))
    (call $set (local.get $b) (local.get $kp) (local.get $kl) (local.get $ov) (i32.const 0))
    (call $drop_if_err)
    (call $drop_ov (local.get $ov)))

  (func $del (param $b i32) (param $kp i32) (param $kl i32)
    (call $delete (local.get $b) (local.get $kp) (local.get $kl) (i32.const 0))
    (call $drop_if_err))

  (func $bump_count (param $b i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store8 (i32.const 512) (i32.add (i32.const 48) (global.get $count)))
    (call $put (local.get $b) (i32.const 1032) (i32.const 5) (i32.const 512) (i32.const 1)))

  (func $boom (param $b i32)
    (call $put (local.get $b) (i32.const 1152) (i32.const 6) (i32.const 1160) (i32.const 3))
    unreachable)

  (func $grow (param $b i32)
    (i32.store8 (i32.const 512)
      (select (i32.const 102) (i32.const 111)
              (i32.eq (memory.grow (i32.const 15)) (i32.const -1))))
    (i32.store8 (i32.const 513)
      (select (i32.const 102) (i32.const 111)
              (i32.eq (memory.grow (i32.const 1)) (i32.const -1))))
    (call $put (local.get $b) (i32.const 1048) (i32.const 4) (i32.const 512) (i32.const 2)))

  (func $big (param $b i32)
    (local $ov i32) (local $s i32)
    (local.set $ov (call $new_ov))
    (call $write_body (local.get $ov) (i32.const 0))
    (local.set $s (i32.load (i32.const 4)))
    (call $write (local.get $s) (i32.const 1168) (i32.const 11) (i32.const 0))
    (i32.store8 (i32.const 512) (call $tag))
    (call $drop_os (local.get $s))
    (call $set (local.get $b) (i32.const 1184) (i32.const 4) (local.get $ov) (i32.const 0))
    (call $drop_if_err)
    (call $drop_ov (local.get $ov))

    (local.set $ov (call $new_ov))
    (call $write_body (local.get $ov) (i32.const 0))
    (local.set $s (i32.load (i32.const 4)))
    (call $write (local.get $s) (i32.const 1168) (i32.const 10) (i32.const 0))
    (i32.store8 (i32.const 513) (call $tag))
    (call $write (local.get $s) (i32.const 1178) (i32.const 1) (i32.const 0))
    (i32.store8 (i32.const 514) (call $tag))
    (call $drop_os (local.get $s))
    (call $set (local.get $b) (i32.const 1192) (i32.const 4) (local.get $ov) (i32.const 0))
    (call $drop_if_err)
    (call $drop_ov (local.get $ov))

    (call $put (local.get $b) (i32.const 1200) (i32.const 7) (i32.const 512) (i32.const 3)))

  (func $hand (param $b i32) (param $kp i32) (param $kl i32)
    (local $ov i32) (local $s1 i32) (local $s2 i32) (local $s3 i32)
    (local.set $ov (call $new_ov))
    (call $write_body (local.get $ov) (i32.const 0))
    (i32.store8 (i32.const 512) (call $tag))
    (local.set $s1 (i32.load (i32.const 4)))
    (call $write_body (local.get $ov) (i32.const 0))
    (i32.store8 (i32.const 513) (call $tag))
    (if (i32.eqz (i32.load8_u (i32.const 0)))
      (then (call $drop_os (i32.load (i32.const 4)))))
    (call $drop_os (local.get $s1))
    (call $write_body (local.get $ov) (i32.const 0))
    (i32.store8 (i32.const 514) (call $tag))
    (local.set $s3 (i32.load (i32.const 4)))
    (call $write (local.get $s3) (i32.const 512) (i32.const 3) (i32.const 0))
    (call $drop_os (local.get $s3))
    (call $set (local.get $b) (local.get $kp) (local.get $kl) (local.get $ov) (i32.const 0))
    (call $drop_if_err)
    (call $drop_ov (local.get $ov)))

  (func $handerr (param $b i32) (param $kp i32) (param $kl i32)
    (local $ov i32) (local $s i32)
    (local.set $ov (call $new_ov))
    (call $write_body (local.get $ov) (i32.const 0))
    (local.set $s (i32.load (i32.const 4)))
    (call $delete (local.get $b) (i32.const 1272) (i32.const 5) (i32.const 0))
    (i32.store8 (i32.const 512) (call $tag))
    (i32.store8 (i32.const 513)
      (select (i32.const 104) (i32.const 48) (i32.load (i32.const 4))))
    (call $drop_os (local.get $s))
    (call $drop_ov (local.get $ov))
    (call $put (local.get $b) (local.get $kp) (local.get $kl) (i32.const 512) (i32.const 2)))

  (func $rec (param $n i32)
    (call $rec (i32.add (local.get $n) (i32.const 1)))
    (i32.store (i32.const 520) (local.get $n)))

  (func $delops (param $b i32)
    (call $del (local.get $b) (i32.const 1232) (i32.const 1))
    (call $put (local.get $b) (i32.const 1232) (i32.const 1) (i32.const 1240) (i32.const 3))
    (call $del (local.get $b) (i32.const 1248) (i32.const 1)))

  (func $newbkt
    (local $f i32)
    (call $open (i32.const 1208) (i32.const 5) (i32.const 0))
    (local.set $f (i32.load (i32.const 4)))
    (call $put (local.get $f) (i32.const 1216) (i32.const 1) (i32.const 1224) (i32.const 1))
    unreachable)

  (func (export "wasi:keyvalue/handle-watch#on-set")
        (param $b i32) (param $kp i32) (param $kl i32) (param $iv i32)
    (local $vp i32) (local $vl i32)
    (call $consume (local.get $iv) (i32.const 0))
    (local.set $vp (i32.load (i32.const 4)))
    (local.set $vl (i32.load (i32.const 8)))
    (block $done
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1024) (i32.const 4))
        (then (call $boom (local.get $b))))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1032) (i32.const 5))
        (then (call $bump_count (local.get $b)) (br $done)))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1040) (i32.const 4))
        (then (loop $forever (br $forever))))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1048) (i32.const 4))
        (then (call $grow (local.get $b)) (br $done)))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1056) (i32.const 3))
        (then (call $big (local.get $b)) (br $done)))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1064) (i32.const 4))
        (then (call $hand (local.get $b) (local.get $kp) (local.get $kl)) (br $done)))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1264) (i32.const 7))
        (then (call $handerr (local.get $b) (local.get $kp) (local.get $kl)) (br $done)))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1080) (i32.const 5))
        (then (call $delops (local.get $b)) (br $done)))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1072) (i32.const 7))
        (then (call $delops (local.get $b)) unreachable))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1088) (i32.const 6))
        (then (call $newbkt)))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1256) (i32.const 3))
        (then (call $del (local.get $b) (local.get $vp) (local.get $vl)) (br $done)))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1280) (i32.const 3))
        (then (call $rec (i32.const 0))))
      (if (call $is (local.get $kp) (local.get $kl) (i32.const 1096) (i32.const 3))
        (then (br $done)))
      (call $put (local.get $b) (local.get $kp) (local.get $kl) (local.get $vp) (local.get $vl)))
    (global.set $heap (i32.const 4096)))

  (func (export "wasi:keyvalue/handle-watch#on-delete")
        (param $b i32) (param $kp i32) (param $kl i32)
    (if (call $is (local.get $kp) (local.get $kl) (i32.const 1024) (i32.const 4))
      (then (call $boom (local.get $b))))
    (if (call $is (local.get $kp) (local.get $kl) (i32.const 1032) (i32.const 5))
      (then (call $bump_count (local.get $b))))
    (global.set $heap (i32.const 4096)))

  (func (export "_initialize")
    (local $c i32)
    (call $open (i32.const 1104) (i32.const 3) (i32.const 0))
    (local.set $c (i32.load (i32.const 4)))
    (call $exists (local.get $c) (i32.const 1112) (i32.const 9) (i32.const 0))
    (if (i32.and (i32.eqz (i32.load8_u (i32.const 0))) (i32.load8_u (i32.const 4)))
      (then unreachable))
    (call $exists (local.get $c) (i32.const 1128) (i32.const 8) (i32.const 0))
    (if (i32.and (i32.eqz (i32.load8_u (i32.const 0))) (i32.load8_u (i32.const 4)))
      (then
        (call $incr (local.get $c) (i32.const 1144) (i32.const 5) (i64.const 1) (i32.const 0))
        (if (i32.load8_u (i32.const 0)) (then (call $drop_err (i32.load (i32.const 8)))))))
    (call $drop_bucket (local.get $c))
    (global.set $heap (i32.const 4096)))
)
