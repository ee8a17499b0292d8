;; Several problems at once: every one of them must be reported.
;; expect: import "env" "memory": memory imports are not provided (only functions are), also not with --stub-imports
;; expect: import "wasi_snapshot_preview1" "fd_write": expected (i32, i32, i32, i32) -> (i32), found (i32) -> (i32) (the WASI preview 1 signature)
;; expect: import "cm32p2|wasi:keyvalue/types@0.1.0" "size": expected (i32) -> (i64), found (i32) -> (i32)
;; expect: import "cm32p2|wasi:keyvalue/atomic" "increment": expected (i32, i32, i32, i64, i32) -> (), found (i32, i32, i32, i32, i32) -> ()
;; expect: import "env" "table": table imports are not provided (only functions are)
;; expect: missing export on-set (wasi:keyvalue/handle-watch#on-set or cm32p2|wasi:keyvalue/handle-watch|on-set): expected (i32, i32, i32, i32) -> ()
;; expect: missing export realloc (cabi_realloc or cm32p2_realloc): expected (i32, i32, i32, i32) -> (i32)
(module
  (import "env" "memory" (memory 1))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
  (import "cm32p2|wasi:keyvalue/types@0.1.0" "size" (func (param i32) (result i32)))
  (import "cm32p2|wasi:keyvalue/readwrite@0.1.0" "get" (func (param i32 i32 i32 i32)))
  (import "cm32p2|wasi:keyvalue/atomic" "increment" (func (param i32 i32 i32 i32 i32)))
  (import "env" "table" (table 1 funcref))
  (export "cm32p2_memory" (memory 0))
  (func (export "cm32p2|wasi:keyvalue/handle-watch|on-delete") (param i32 i32 i32))
)
