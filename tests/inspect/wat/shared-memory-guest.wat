;; tests/inspect/wat/shared-memory-guest.wat - a shared memory and an atomic
;; instruction (threads): refused, naming the memory and the function.
;; wat2wasm: --enable-threads --debug-names
(module
  (memory (export "memory") 1 2 shared)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func $count (param i32) (result i32)
    (i32.atomic.rmw.add (local.get 0) (i32.const 1)))
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32)
    (drop (call $count (i32.const 64))))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
