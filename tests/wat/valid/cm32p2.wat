;; Current wit-component naming: import modules cm32p2|<pkg>/<iface>[@version],
;; exports cm32p2|...|on-set, ...|on-set_post, cm32p2_memory, cm32p2_realloc,
;; cm32p2_initialize.
(module
  (import "cm32p2|wasi:keyvalue/readwrite@0.1.0" "get" (func $get (param i32 i32 i32 i32)))
  (import "cm32p2|wasi:keyvalue/readwrite@0.1.0" "set" (func $set (param i32 i32 i32 i32 i32)))
  (import "cm32p2|wasi:keyvalue/types" "size" (func $size (param i32) (result i64)))
  (import "cm32p2|wasi:keyvalue/types" "new-outgoing-value" (func $new (result i32)))
  (import "cm32p2|wasi:keyvalue/streams" "read" (func $read (param i32 i64 i32)))
  (import "cm32p2|wasi:keyvalue/atomic" "compare-and-swap" (func $cas (param i32 i32 i32 i64 i64 i32)))
  (memory (export "cm32p2_memory") 1)
  (func (export "cm32p2|wasi:keyvalue/handle-watch@0.1.0|on-set") (param i32 i32 i32 i32))
  (func (export "cm32p2|wasi:keyvalue/handle-watch@0.1.0|on-delete") (param i32 i32 i32))
  (func (export "cm32p2|wasi:keyvalue/handle-watch@0.1.0|on-set_post"))
  (func (export "cm32p2|wasi:keyvalue/handle-watch@0.1.0|on-delete_post"))
  (func (export "cm32p2_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "cm32p2_initialize"))
)
