;; Non-conforming guest: a wrong signature, an import nothing provides, no
;; on-delete.
(module
  (import "wasi:keyvalue/readwrite" "get" (func (param i32)))
  (import "wasi:cli/environment" "get-arguments" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 16)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
)
