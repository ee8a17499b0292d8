;; tests/inspect/wat/missing-exports.wat - on-set only: on-delete, realloc
;; and the memory are missing, and each missing one is a problem.
(module
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
)
