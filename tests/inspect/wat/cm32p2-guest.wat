;; tests/inspect/wat/cm32p2-guest.wat - a conforming guest with current
;; wit-component (cm32p2) names. Also the second guest of
;; hex/two-guests.hex. inspect: exit 0.
(module
  (import "cm32p2|wasi:keyvalue/types" "new-outgoing-value" (func (result i32)))
  (import "cm32p2|wasi:keyvalue/streams" "write" (func (param i32 i32 i32 i32)))
  (memory (export "cm32p2_memory") 1)
  (func (export "cm32p2_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "cm32p2|wasi:keyvalue/handle-watch|on-set") (param i32 i32 i32 i32))
  (func (export "cm32p2|wasi:keyvalue/handle-watch|on-delete") (param i32 i32 i32))
  (func (export "cm32p2_initialize"))
)
