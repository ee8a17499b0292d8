;; expect: missing export on-delete (wasi:keyvalue/handle-watch#on-delete or cm32p2|wasi:keyvalue/handle-watch|on-delete): expected (i32, i32, i32) -> ()
(module
  (memory (export "memory") 1)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
)
