;; tests/inspect/wat/p1-bad-signature.wat - preview 1 functions with wrong
;; signatures (a world-check problem like any other, SPEC §8.1) and a name
;; preview 1 does not have.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i64)))
  (import "wasi_snapshot_preview1" "fd_frobnicate" (func (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
