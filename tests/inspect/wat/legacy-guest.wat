;; tests/inspect/wat/legacy-guest.wat - a conforming guest with legacy
;; wit-component names and every optional export (post-returns, initialize),
;; plus one export kvaot does not use. inspect: exit 0.
(module
  (import "wasi:keyvalue/types@0.1.0" "open-bucket" (func (param i32 i32 i32)))
  (import "wasi:keyvalue/readwrite@0.1.0" "get" (func (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/types@0.1.0" "size" (func (param i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "wasi:keyvalue/handle-watch@0.1.0#on-set") (param i32 i32 i32 i32))
  (func (export "wasi:keyvalue/handle-watch@0.1.0#on-delete") (param i32 i32 i32))
  (func (export "cabi_post_wasi:keyvalue/handle-watch@0.1.0#on-set"))
  (func (export "cabi_post_wasi:keyvalue/handle-watch@0.1.0#on-delete"))
  (func (export "_initialize"))
  (func (export "helper") (param i32) (result i32) local.get 0)
)
