;; tests/inspect/wat/bad-signatures.wat - names right, core signatures
;; wrong: an import, the two handlers and realloc each expected X, found Y.
(module
  (import "wasi:keyvalue/readwrite" "get" (func (param i32 i32 i32)))
  (import "wasi:keyvalue/streams" "read" (func (param i32 i32 i32)))
  (import "wasi:keyvalue/types" "drop-bucket" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32) (result i32) i32.const 0)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32) (result i32) i32.const 0)
)
