;; tests/inspect/wat/not-a-guest.wat - exports a memory but no handle-watch
;; function: as a core module it is still the guest (used as is) and every
;; missing export is a problem; inside a component (hex/no-guest.hex) no
;; module qualifies as the guest.
(module
  (memory (export "memory") 1)
  (func (export "hello") (param i32 i32) (result i32) local.get 0)
)
