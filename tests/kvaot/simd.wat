;; Conforming guest that uses a SIMD instruction, which wasm2c 1.0.32 cannot
;; translate: `kvaot build` refuses it before any C is written (exit 1),
;; naming the feature, the function, the offset and the fix (SPEC §8.5).
(module
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 16)
  (func $vector_add (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32)
    (drop (v128.const i32x4 0 0 0 0)))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
