;; tests/inspect/wat/memory64-guest.wat - a 64-bit memory (memory64):
;; refused (wasm2c 1.0.32 cannot translate it).
;; wat2wasm: --enable-memory64
(module
  (memory (export "memory") i64 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
