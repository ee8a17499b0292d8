;; tests/inspect/wat/wrong-kinds.wat - exports with the right names but the
;; wrong kinds: on-set is a global, memory is a function, realloc a table.
(module
  (global (export "wasi:keyvalue/handle-watch#on-set") i32 (i32.const 0))
  (table (export "cabi_realloc") 1 funcref)
  (memory 1)
  (func (export "memory"))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
