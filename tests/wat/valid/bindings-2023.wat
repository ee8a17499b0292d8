;; 2023 bindings naming: bare interface import modules, handle-watch#on-set.
(module
  (import "readwrite" "get" (func $get (param i32 i32 i32 i32)))
  (import "types" "drop-bucket" (func $drop (param i32)))
  (import "wasi-cloud-error" "trace" (func $trace (param i32 i32)))
  (import "batch" "get-keys" (func $keys (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "handle-watch#on-delete") (param i32 i32 i32))
  (func (export "cabi_post_handle-watch#on-set"))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
)
