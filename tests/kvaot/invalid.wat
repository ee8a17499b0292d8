;; A guest that passes kvaot's checks but that wasm2c itself refuses (its
;; on-delete adds with nothing on the stack: a validation error, assembled
;; with `wat2wasm --no-check`): `kvaot build` exits 3 showing wasm2c's own
;; message, never an empty one (SPEC §8.5).
(module
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 16)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32)
    (drop (i32.add)))
)
