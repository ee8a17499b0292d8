;; tests/inspect/wat/as-like.wat - what asc makes by default: handlers
;; exported under their own names (onSet, onDelete), env.abort imported.
;; kvaot provides env.abort and points at --map-export (the as-like-mapped
;; case uses it).
(module
  (import "env" "abort" (func (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "onSet") (param i32 i32 i32 i32))
  (func (export "onDelete") (param i32 i32 i32))
)
