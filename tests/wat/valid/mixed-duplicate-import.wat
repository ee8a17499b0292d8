;; Schemes mixed, and one world function (readwrite get) imported twice under
;; different module names: both bind. No post-returns, no initialize (optional).
(module
  (import "cm32p2|wasi:keyvalue/readwrite" "get" (func $get1 (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/readwrite" "get" (func $get2 (param i32 i32 i32 i32)))
  (import "readwrite" "exists" (func $exists (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "cm32p2|wasi:keyvalue/handle-watch|on-delete") (param i32 i32 i32))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "unrelated-export") (result i32) i32.const 7)
)
