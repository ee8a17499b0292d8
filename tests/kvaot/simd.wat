;; Conforming guest that uses a SIMD instruction: wasm2c 1.0.32 cannot
;; translate it, so `kvaot build` must fail with exit 3 and show wasm2c's stderr.
(module
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 16)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32)
    (drop (v128.const i32x4 0 0 0 0)))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
