;; bench/noop.wat - the trivial guest: empty handlers (measures the host per-event cost).
(module
  (memory (export "memory") 2)
  (global $bump (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    global.get $bump
    local.get 2
    i32.add
    i32.const 1
    i32.sub
    i32.const 0
    local.get 2
    i32.sub
    i32.and
    local.tee $p
    local.get 3
    i32.add
    global.set $bump
    local.get $p)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32)
    i32.const 1024 global.set $bump)
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32)
    i32.const 1024 global.set $bump)
)
