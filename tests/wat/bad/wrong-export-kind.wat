;; expect: export "cabi_realloc" (realloc): expected (i32, i32, i32, i32) -> (i32), found a global
;; expect: export "memory" (memory): expected a memory, found a function () -> ()
(module
  (memory 1)
  (global (export "cabi_realloc") i32 (i32.const 0))
  (func (export "memory"))
  (func (export "handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "handle-watch#on-delete") (param i32 i32 i32))
)
