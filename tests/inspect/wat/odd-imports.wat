;; tests/inspect/wat/odd-imports.wat - non-function imports (memory, table,
;; global) before the function imports, which must still show their own
;; signatures; an unknown function import; a 2023-names world import.
(module
  (import "env" "memory" (memory 1))
  (import "env" "table" (table 1 funcref))
  (import "env" "g" (global i32))
  (import "env" "abort" (func (param i32 i32 i32 i32)))
  (import "readwrite" "exists" (func (param i32 i32 i32 i32)))
  (import "atomic" "increment" (func (param i32 i32 i32 i64 i32)))
  (export "memory" (memory 0))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "handle-watch#on-delete") (param i32 i32 i32))
)
