;; expect: missing export on-set (
;; expect: missing export on-delete (
;; expect: missing export realloc (cabi_realloc or cm32p2_realloc): expected (i32, i32, i32, i32) -> (i32)
;; expect: missing export memory (memory or cm32p2_memory): expected a memory
(module)
