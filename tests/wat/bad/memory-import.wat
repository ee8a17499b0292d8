;; expect: import "env" "memory": memory imports are not provided (only functions are)
(module
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))
  (func (export "cm32p2|wasi:keyvalue/handle-watch|on-set") (param i32 i32 i32 i32))
  (func (export "cm32p2|wasi:keyvalue/handle-watch|on-delete") (param i32 i32 i32))
  (func (export "cm32p2_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
)
