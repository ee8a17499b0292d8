;; tests/inspect/wat/features-ok.wat - features kvaot builds (SPEC §8.5,
;; §8.6): exceptions and a second memory (wasm2c flags), tail calls
;; (rewritten as call + return), a start function (run after
;; instantiation): accepted, each listed.
;; wat2wasm: --enable-exceptions --enable-tail-call --enable-multi-memory --debug-names
(module
  (memory (export "memory") 1)
  (memory $scratch 1)
  (tag $oops (param i32))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func $loop (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (return_call $loop (i32.sub (local.get 0) (i32.const 1))))
      (else (i32.const 0))))
  (func $init (i32.store $scratch (i32.const 0) (i32.const 1)))
  (start $init)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32)
    (try (do (throw $oops (call $loop (i32.const 3)))) (catch $oops (drop))))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
