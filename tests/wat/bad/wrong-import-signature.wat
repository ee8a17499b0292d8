;; expect: import "wasi:keyvalue/readwrite" "get": expected (i32, i32, i32, i32) -> (), found (i32) -> ()
(module
  (import "wasi:keyvalue/readwrite" "get" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
)
