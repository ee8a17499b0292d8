;; tests/inspect/wat/escaped-names.wat - names with a double quote, a
;; backslash, a tab, DEL and non-ASCII UTF-8: inspect's text output escapes
;; them (\" \\ \x09 \x7f, UTF-8 kept), its JSON is still valid.
(module
  (import "say \"hi\"\\" "tab\there\7f" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "wasi:keyvalue/handle-watch#on-set") (param i32 i32 i32 i32))
  (func (export "wasi:keyvalue/handle-watch#on-delete") (param i32 i32 i32))
  (func (export "caf\c3\a9 \01"))
)
