;; An import nothing provides: a WASI 0.2 interface kvaot does not implement.
;; expect: import "wasi:http/types@0.2.3" "[constructor]fields": a WASI 0.2 function kvaot does not provide
;; expect: kvaot build --stub-imports builds the import above that nothing provides as a function that traps when called
(module
  (import "wasi:http/types@0.2.3" "[constructor]fields" (func (result i32)))
  (memory (export "memory") 1)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
)
