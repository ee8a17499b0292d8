;; tests/inspect/wat/simd-guest.wat - a conforming guest with one function
;; that uses SIMD (v128), which wasm2c 1.0.32 cannot translate: refused,
;; naming the feature, the function (from the name section) and the offset.
;; wat2wasm: --debug-names
(module
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func $sum_lanes (param i32) (result i32)
    (i32x4.extract_lane 0 (v128.load (local.get 0))))
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32)
    (drop (call $sum_lanes (local.get 1))))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
