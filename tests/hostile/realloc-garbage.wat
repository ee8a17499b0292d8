;; tests/hostile/realloc-garbage.wat - cabi_realloc returning garbage when
;; the host returns a string or list: the host must trap, never write there
;; (SPEC §3, §7). The handler arms $evil; realloc then returns it as is.
;; Key's first byte:
;;   x  trace(error of a failed get) with realloc -> 65536 (out of bounds)
;;   y  consume-sync(event value "hello") with realloc -> 0xfffffff0
;;      (pointer + size wraps past 2^32)
;;   v  consume-sync(event value "0123456789") with realloc -> 65530
;;      (10 bytes straddle the end)
;;   z  get-keys(b) with realloc -> 4097 (misaligned for align 4)
;;   w  get-many(b, []) with realloc -> 4098: misaligned even though the
;;      list is empty (realloc(0, 0, 4, 0))
;;   an 11-byte key: realloc(0, 0, 1, 11), called by the host to copy the
;;      event's key in before on-set, returns 65530 -> trap
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
  (import "wasi:keyvalue/wasi-cloud-error" "trace" (func $trace (param i32 i32)))
  (import "wasi:keyvalue/batch" "get-keys" (func $get_keys (param i32 i32)))
  (import "wasi:keyvalue/batch" "get-many" (func $get_many (param i32 i32 i32 i32)))

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

  (data (i32.const 48) "nope")
  (global $evil (mut i32) (i32.const 0))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (if (global.get $evil) (then (return (global.get $evil))))
    (if (i32.eq (local.get 3) (i32.const 11)) (then (return (i32.const 65530))))
    (call $bump (local.get 2) (local.get 3)))

  (func $hostile (param $b i32) (param $k i32) (param $iv i32)
    (if (i32.eq (local.get $k) (i32.const 0x78)) ;; x
      (then
        (call $get (local.get $b) (i32.const 48) (i32.const 4) (i32.const 1056))
        (if (i32.eqz (i32.load8_u (i32.const 1056))) (then unreachable))
        (global.set $evil (i32.const 65536))
        (call $trace (i32.load (i32.const 1060)) (i32.const 1056))))
    (if (i32.eq (local.get $k) (i32.const 0x79)) ;; y
      (then
        (global.set $evil (i32.const 0xfffffff0))
        (call $consume_sync (local.get $iv) (i32.const 1056))))
    (if (i32.eq (local.get $k) (i32.const 0x76)) ;; v
      (then
        (global.set $evil (i32.const 65530))
        (call $consume_sync (local.get $iv) (i32.const 1056))))
    (if (i32.eq (local.get $k) (i32.const 0x7a)) ;; z
      (then
        (global.set $evil (i32.const 4097))
        (call $get_keys (local.get $b) (i32.const 1056))))
    (if (i32.eq (local.get $k) (i32.const 0x77)) ;; w
      (then
        (global.set $evil (i32.const 4098))
        (call $get_many (local.get $b) (i32.const 1088) (i32.const 0) (i32.const 1056)))))
)
