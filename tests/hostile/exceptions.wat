;; tests/hostile/exceptions.wat - the legacy exception-handling proposal,
;; which wasm2c 1.0.32 translates when asked (SPEC §8.5: kvaot passes
;; --enable-exceptions when the guest uses it): a throw caught in the guest
;; works; one that nothing catches is a trap, `uncaught wasm exception`.
;; wat2wasm: --enable-exceptions
;;   c  throw $e 7 inside try, catch it: b["res"] = 7
;;   u  throw $e 3 with no try: trap
;;   r  catch, then rethrow: trap
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
  (import "wasi:keyvalue/atomic" "increment" (func $increment (param i32 i32 i32 i64 i32)))

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

  (tag $e (param i32))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (call $bump (local.get 2) (local.get 3)))

  (func $hostile (param $b i32) (param $k i32) (param $iv i32)
    (if (i32.eq (local.get $k) (i32.const 0x63))
      (then
        (call $res (local.get $b)
          (try (result i32)
            (do (throw $e (i32.const 7)))
            (catch $e)))))
    (if (i32.eq (local.get $k) (i32.const 0x75)) (then (throw $e (i32.const 3))))
    (if (i32.eq (local.get $k) (i32.const 0x72))
      (then
        (try
          (do (throw $e (i32.const 1)))
          (catch $e (drop) (rethrow 0))))))
)
