;; tests/inspect/wat/wasi-guest.wat - a legacy-names guest that also calls
;; WASI's fd_write. tests/components.mk wraps it with wit-component and
;; jco's WASI preview1 reactor adapter into
;; $(BUILD)/components/wasi-guest-component.wasm, which kvaot must refuse:
;; the adapter is a second core module needing wasi:* functions the world
;; does not provide (and the guest's own fd_write import is not in it).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    ;; bump allocator: p = align_up(heap, align); heap = p + size
    global.get $heap
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
    global.set $heap
    local.get $p)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32)
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0))))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
