;; tests/inspect/wat/wasi-p2-guest.wat - a guest that imports WASI 0.2
;; itself (SPEC §8.3: both namings, any @0.2.N), a wasi:http function kvaot
;; does not provide, an undefined "env" symbol and wasi_unstable: refused,
;; each unprovided import named and marked stub, with the --stub-imports
;; fix (the wasi-p2-stubs case builds it with the option).
(module
  (import "wasi:cli/stderr@0.2.3" "get-stderr" (func (result i32)))
  (import "cm32p2|wasi:io/streams@0.2.0" "[method]output-stream.blocking-write-and-flush"
    (func (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.10" "[resource-drop]output-stream" (func (param i32)))
  (import "wasi:clocks/monotonic-clock@0.2.3" "now" (func (result i64)))
  (import "wasi:http/types@0.2.3" "[constructor]fields" (func (result i32)))
  (import "env" "helper" (func (param i32) (result i32)))
  (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
)
