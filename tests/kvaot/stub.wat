;; A guest with an import nothing provides (env.helper), called only when the
;; event's key is "call": refused by default, built with --stub-imports (a
;; warning names the stub); the stub traps when called (SPEC §8.4).
(module
  (import "env" "helper" (func $helper (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32)
    (if (i32.eq (local.get 2) (i32.const 4))
      (then (drop (call $helper (i32.const 1))))))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
