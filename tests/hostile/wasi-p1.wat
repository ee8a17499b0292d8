;; tests/hostile/wasi-p1.wat - WASI preview 1 (SPEC §8.1) at its edges: bad
;; pointers are EFAULT results (never traps) and write nothing, bad fds are
;; EBADF, pointers are checked before fds, proc_exit/proc_raise trap (and
;; are rolled back), poll_oneoff's rules. Memory is 2 pages (131072 bytes).
;; Each action stores its errno as b["res"] (decimal) and, where there is
;; one, a result value. Key's first byte:
;;   w  fd_write(1, ["01234"]) -> 0; b["nw"] = 5 (the guest output gets 01234)
;;   W  fd_write(2, ["01234"]) -> 0
;;   7  fd_write(7, ["01234"]) -> 8 (EBADF)
;;   o  fd_write(1, an iovec past the end of memory) -> 21 (EFAULT), nothing written
;;   O  fd_write(7, the same) -> 21: pointers before the fd
;;   n  fd_write(1, ["01234"], nwritten at 131070) -> 21, nothing written
;;   r  random_get(65536, 65536) -> 0 (the whole second page)
;;   R  random_get(65536, 65537) -> 21
;;   h  memory.grow by 1024 pages (64 MiB), then random_get of all of them -> 0
;;   x  b["doomed"] = "yes", then proc_exit(7): a trap, rolled back
;;   q  proc_raise(9): a trap
;;   f  fd_fdstat_get(1) -> 0; b["ft"] = filetype (2), b["rt"] = low 30 rights bits set (1073741823)
;;   F  fd_fdstat_get(5) -> 8
;;   s  fd_seek(1) -> 70 (ESPIPE); S fd_seek(9) -> 8; T fd_seek(1, result at 131068) -> 21
;;   p  fd_prestat_get(3) -> 8; P fd_prestat_get(3, result at 131070) -> 21
;;   c  clock_time_get(1) -> 0; C clock_time_get(4) -> 28 (EINVAL); D clock_time_get(0, at 131066) -> 21
;;   e  environ_sizes_get -> 0; b["ec"] = count, b["eb"] = bytes
;;   E  environ_get -> 0; b["env"] = the environ buffer (NAME=VALUE\0 ...)
;;   a  args_sizes_get -> 0; b["ac"] = 0
;;   d  fd_read(0) -> 0; b["nr"] = 0 (end of file);  i fd_read(1) -> 8
;;   z  path_open -> 52 (ENOSYS);  y sched_yield -> 0;  k fd_close(1) -> 0;  K fd_close(3) -> 8
;;   l  poll_oneoff with 0 subscriptions -> 28
;;   L  poll_oneoff(1 ms clock) -> 0; b["ne"] = 1, b["et"] = 0, b["ee"] = 0, b["eu"] = 17
;;   m  poll_oneoff(fd_read sub, 10 s clock) -> 0 at once; b["ne"] = 1, b["et"] = 1, b["ee"] = 8, b["eu"] = 34
;;   M  poll_oneoff(tag 3) -> 28
;;   N  poll_oneoff(clock id 9) -> 0; b["ne"] = 1, b["et"] = 0, b["ee"] = 28, b["eu"] = 85
;;   t  poll_oneoff(10 s clock): sleeps (wasi-p1--timeout: --timeout cuts it)
(module
  ;; ---- prelude (the same in every hostile guest) --------------------------
  (import "wasi:keyvalue/types" "new-outgoing-value" (func $new_ov (result i32)))
  (import "wasi:keyvalue/types" "outgoing-value-write-body" (func $write_body (param i32 i32)))
  (import "wasi:keyvalue/types" "drop-outgoing-value" (func $drop_ov (param i32)))
  (import "wasi:keyvalue/types" "drop-incoming-value" (func $drop_iv (param i32)))
  (import "wasi:keyvalue/types" "incoming-value-consume-sync" (func $consume_sync (param i32 i32)))
  (import "wasi:keyvalue/streams" "write" (func $write (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/streams" "drop-output-stream" (func $drop_os (param i32)))
  (import "wasi:keyvalue/wasi-cloud-error" "drop-error" (func $drop_err (param i32)))
  (import "wasi:keyvalue/readwrite" "get" (func $get (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/readwrite" "set" (func $set (param i32 i32 i32 i32 i32)))
  ;; ---- this guest's own imports
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "proc_raise" (func $proc_raise (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi:keyvalue/atomic" "increment" (func $increment (param i32 i32 i32 i64 i32)))

  ;; Memory: 16 "seen", 20 "prev", 24 "res", 32 "0123456789", 48-1023 this
  ;; guest's own data, 1024 the prelude's return area, 1056 a second one,
  ;; 1088-4095 lists, 4096+ the bump heap of cabi_realloc.
  (memory (export "memory") 2)
  (data (i32.const 16) "seenprevres")
  (data (i32.const 32) "0123456789")
  (global $heap (mut i32) (i32.const 4096))
  (global $key (mut i32) (i32.const 0))   ;; the event's key pointer

  ;; Bump allocator: old_ptr/old_size ignored (the host only allocates).
  (func $bump (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (local.get $p))

  ;; put(b, k, v): b[k] = v through a fresh outgoing-value, dropped after.
  (func $put (param $b i32) (param $kp i32) (param $kl i32) (param $vp i32) (param $vl i32)
    (local $ov i32) (local $os i32)
    (local.set $ov (call $new_ov))
    (call $write_body (local.get $ov) (i32.const 1024))
    (local.set $os (i32.load (i32.const 1028)))
    (call $write (local.get $os) (local.get $vp) (local.get $vl) (i32.const 1024))
    (call $set (local.get $b) (local.get $kp) (local.get $kl) (local.get $ov) (i32.const 1024))
    (call $drop_os (local.get $os))
    (call $drop_ov (local.get $ov)))

  ;; res(b, d): b["res"] = the decimal digit d (a result tag, 0 ok / 1 err).
  (func $res (param $b i32) (param $d i32)
    (call $put (local.get $b) (i32.const 24) (i32.const 3)
               (i32.add (i32.const 32) (local.get $d)) (i32.const 1)))

  ;; mark(b, key): b["prev"] = b["seen"] when there is one; b["seen"] = key.
  ;; Run first by every handler, so a trapped event's own writes would show,
  ;; and the next event's "prev" shows whether the store was rolled back.
  (func $mark (param $b i32) (param $kp i32) (param $kl i32)
    (local $iv i32)
    (call $get (local.get $b) (i32.const 16) (i32.const 4) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024))
      (then (call $drop_err (i32.load (i32.const 1028))))
      (else
        (local.set $iv (i32.load (i32.const 1028)))
        (call $consume_sync (local.get $iv) (i32.const 1024))
        (call $put (local.get $b) (i32.const 20) (i32.const 4)
                   (i32.load (i32.const 1028)) (i32.load (i32.const 1032)))
        (call $drop_iv (local.get $iv))))
    (call $put (local.get $b) (i32.const 16) (i32.const 4) (local.get $kp) (local.get $kl)))

  ;; First byte of the key (0 for an empty key): selects the hostile action.
  (func $sel (param $kp i32) (param $kl i32) (result i32)
    (if (result i32) (local.get $kl)
      (then (i32.load8_u (local.get $kp)))
      (else (i32.const 0))))

  (func (export "wasi:keyvalue/handle-watch#on-set") (param $b i32) (param $kp i32) (param $kl i32) (param $iv i32)
    (global.set $key (local.get $kp))
    (call $mark (local.get $b) (local.get $kp) (local.get $kl))
    (call $hostile (local.get $b) (call $sel (local.get $kp) (local.get $kl)) (local.get $iv)))

  (func (export "wasi:keyvalue/handle-watch#on-delete") (param $b i32) (param $kp i32) (param $kl i32)
    (global.set $key (local.get $kp))
    (call $mark (local.get $b) (local.get $kp) (local.get $kl))
    (call $hostile (local.get $b) (call $sel (local.get $kp) (local.get $kl)) (i32.const 0)))
  ;; ---- end of prelude ------------------------------------------------------

  ;; ---- this guest's own part --------------------------------------------

  ;; num(n): the decimal digits of n, right-aligned before 980; $np = start.
  (global $np (mut i32) (i32.const 0))
  (func $num (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (i32.const 980))
    (loop $l
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $l (local.get $n)))
    (global.set $np (local.get $p))
    (i32.sub (i32.const 980) (local.get $p)))
  ;; putnum(b, kp, kl, n): b[k] = n in decimal
  (func $putnum (param $b i32) (param $kp i32) (param $kl i32) (param $n i32)
    (local $len i32)
    (local.set $len (call $num (local.get $n)))
    (call $put (local.get $b) (local.get $kp) (local.get $kl) (global.get $np) (local.get $len)))
  ;; errno(b, e): b["res"] = e in decimal
  (func $errno (param $b i32) (param $e i32)
    (call $putnum (local.get $b) (i32.const 24) (i32.const 3) (local.get $e)))

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (call $bump (local.get 2) (local.get 3)))

  ;; keys at 48 (nw ft rt ec eb env ac nr ne et ee eu doomed yes), iovecs at 1088 ("01234") and 1104 (past the end),
  ;; fdstat 1112, seek 1136, prestat 1144, clock 1152, environ sizes 1160,
  ;; environ pointers 1168, environ buffer 1200, subscriptions 1456
  ;; (A 1 ms clock, B fd_read, C 10 s clock, D tag 3, E clock id 9), events
  ;; 1696, nevents 1856.
  (data (i32.const 48) "nwftrtecebenvacnrneeteeeudoomedyes")
  (data (i32.const 1088) "\20\00\00\00\05\00\00\00")
  (data (i32.const 1104) "\fe\ff\01\00\0a\00\00\00")
  (data (i32.const 1456)
    "\11\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00" "\01\00\00\00\00\00\00\00"
    "\40\42\0f\00\00\00\00\00" "\00\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00"
    "\22\00\00\00\00\00\00\00" "\01\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00"
    "\00\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00"
    "\33\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00" "\01\00\00\00\00\00\00\00"
    "\00\e4\0b\54\02\00\00\00" "\00\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00"
    "\44\00\00\00\00\00\00\00" "\03\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00"
    "\00\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00"
    "\55\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00" "\09\00\00\00\00\00\00\00"
    "\00\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00")

  ;; events(b): the first event's count, type, errno and userdata byte
  (func $events (param $b i32)
    (call $putnum (local.get $b) (i32.const 65) (i32.const 2) (i32.load (i32.const 1856)))
    (call $putnum (local.get $b) (i32.const 67) (i32.const 2) (i32.load8_u (i32.const 1706)))
    (call $putnum (local.get $b) (i32.const 69) (i32.const 2) (i32.load16_u (i32.const 1704)))
    (call $putnum (local.get $b) (i32.const 71) (i32.const 2) (i32.load8_u (i32.const 1696))))

  (func $hostile (param $b i32) (param $k i32) (param $iv i32)
    (if (i32.eq (local.get $k) (i32.const 0x77)) ;; w
      (then
        (call $errno (local.get $b) (call $fd_write (i32.const 1) (i32.const 1088) (i32.const 1) (i32.const 1096)))
        (call $putnum (local.get $b) (i32.const 48) (i32.const 2) (i32.load (i32.const 1096)))))
    (if (i32.eq (local.get $k) (i32.const 0x57)) ;; W
      (then (call $errno (local.get $b) (call $fd_write (i32.const 2) (i32.const 1088) (i32.const 1) (i32.const 1096)))))
    (if (i32.eq (local.get $k) (i32.const 0x37)) ;; 7
      (then (call $errno (local.get $b) (call $fd_write (i32.const 7) (i32.const 1088) (i32.const 1) (i32.const 1096)))))
    (if (i32.eq (local.get $k) (i32.const 0x6f)) ;; o
      (then (call $errno (local.get $b) (call $fd_write (i32.const 1) (i32.const 1104) (i32.const 1) (i32.const 1096)))))
    (if (i32.eq (local.get $k) (i32.const 0x4f)) ;; O
      (then (call $errno (local.get $b) (call $fd_write (i32.const 7) (i32.const 1104) (i32.const 1) (i32.const 1096)))))
    (if (i32.eq (local.get $k) (i32.const 0x6e)) ;; n
      (then (call $errno (local.get $b) (call $fd_write (i32.const 1) (i32.const 1088) (i32.const 1) (i32.const 131070)))))
    (if (i32.eq (local.get $k) (i32.const 0x72)) ;; r
      (then (call $errno (local.get $b) (call $random_get (i32.const 65536) (i32.const 65536)))))
    (if (i32.eq (local.get $k) (i32.const 0x68)) ;; h
      (then
        (call $errno (local.get $b)
          (call $random_get (i32.mul (memory.grow (i32.const 1024)) (i32.const 65536))
                            (i32.const 67108864)))))
    (if (i32.eq (local.get $k) (i32.const 0x52)) ;; R
      (then (call $errno (local.get $b) (call $random_get (i32.const 65536) (i32.const 65537)))))
    (if (i32.eq (local.get $k) (i32.const 0x78)) ;; x
      (then
        (call $put (local.get $b) (i32.const 73) (i32.const 6) (i32.const 79) (i32.const 3))
        (call $proc_exit (i32.const 7))))
    (if (i32.eq (local.get $k) (i32.const 0x71)) ;; q
      (then (call $errno (local.get $b) (call $proc_raise (i32.const 9)))))
    (if (i32.eq (local.get $k) (i32.const 0x66)) ;; f
      (then
        (call $errno (local.get $b) (call $fd_fdstat_get (i32.const 1) (i32.const 1112)))
        (call $putnum (local.get $b) (i32.const 50) (i32.const 2) (i32.load8_u (i32.const 1112)))
        (call $putnum (local.get $b) (i32.const 52) (i32.const 2) (i32.load (i32.const 1120)))))
    (if (i32.eq (local.get $k) (i32.const 0x46)) ;; F
      (then (call $errno (local.get $b) (call $fd_fdstat_get (i32.const 5) (i32.const 1112)))))
    (if (i32.eq (local.get $k) (i32.const 0x73)) ;; s
      (then (call $errno (local.get $b) (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 1136)))))
    (if (i32.eq (local.get $k) (i32.const 0x53)) ;; S
      (then (call $errno (local.get $b) (call $fd_seek (i32.const 9) (i64.const 0) (i32.const 0) (i32.const 1136)))))
    (if (i32.eq (local.get $k) (i32.const 0x54)) ;; T
      (then (call $errno (local.get $b) (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 131068)))))
    (if (i32.eq (local.get $k) (i32.const 0x70)) ;; p
      (then (call $errno (local.get $b) (call $fd_prestat_get (i32.const 3) (i32.const 1144)))))
    (if (i32.eq (local.get $k) (i32.const 0x50)) ;; P
      (then (call $errno (local.get $b) (call $fd_prestat_get (i32.const 3) (i32.const 131070)))))
    (if (i32.eq (local.get $k) (i32.const 0x63)) ;; c
      (then (call $errno (local.get $b) (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 1152)))))
    (if (i32.eq (local.get $k) (i32.const 0x43)) ;; C
      (then (call $errno (local.get $b) (call $clock_time_get (i32.const 4) (i64.const 0) (i32.const 1152)))))
    (if (i32.eq (local.get $k) (i32.const 0x44)) ;; D
      (then (call $errno (local.get $b) (call $clock_time_get (i32.const 0) (i64.const 0) (i32.const 131066)))))
    (if (i32.eq (local.get $k) (i32.const 0x65)) ;; e
      (then
        (call $errno (local.get $b) (call $environ_sizes_get (i32.const 1160) (i32.const 1164)))
        (call $putnum (local.get $b) (i32.const 54) (i32.const 2) (i32.load (i32.const 1160)))
        (call $putnum (local.get $b) (i32.const 56) (i32.const 2) (i32.load (i32.const 1164)))))
    (if (i32.eq (local.get $k) (i32.const 0x45)) ;; E
      (then
        (drop (call $environ_sizes_get (i32.const 1160) (i32.const 1164)))
        (call $errno (local.get $b) (call $environ_get (i32.const 1168) (i32.const 1200)))
        (call $put (local.get $b) (i32.const 58) (i32.const 3) (i32.const 1200) (i32.load (i32.const 1164)))))
    (if (i32.eq (local.get $k) (i32.const 0x61)) ;; a
      (then
        (call $errno (local.get $b) (call $args_sizes_get (i32.const 1160) (i32.const 1164)))
        (call $putnum (local.get $b) (i32.const 61) (i32.const 2) (i32.load (i32.const 1160)))))
    (if (i32.eq (local.get $k) (i32.const 0x64)) ;; d
      (then
        (i32.store (i32.const 1096) (i32.const 99))
        (call $errno (local.get $b) (call $fd_read (i32.const 0) (i32.const 1088) (i32.const 1) (i32.const 1096)))
        (call $putnum (local.get $b) (i32.const 63) (i32.const 2) (i32.load (i32.const 1096)))))
    (if (i32.eq (local.get $k) (i32.const 0x69)) ;; i
      (then (call $errno (local.get $b) (call $fd_read (i32.const 1) (i32.const 1088) (i32.const 1) (i32.const 1096)))))
    (if (i32.eq (local.get $k) (i32.const 0x7a)) ;; z
      (then (call $errno (local.get $b) (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0)
                                            (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)))))
    (if (i32.eq (local.get $k) (i32.const 0x79)) ;; y
      (then (call $errno (local.get $b) (call $sched_yield))))
    (if (i32.eq (local.get $k) (i32.const 0x6b)) ;; k
      (then (call $errno (local.get $b) (call $fd_close (i32.const 1)))))
    (if (i32.eq (local.get $k) (i32.const 0x4b)) ;; K
      (then (call $errno (local.get $b) (call $fd_close (i32.const 3)))))
    (if (i32.eq (local.get $k) (i32.const 0x6c)) ;; l
      (then (call $errno (local.get $b) (call $poll_oneoff (i32.const 1456) (i32.const 1696) (i32.const 0) (i32.const 1856)))))
    (if (i32.eq (local.get $k) (i32.const 0x4c)) ;; L
      (then
        (call $errno (local.get $b) (call $poll_oneoff (i32.const 1456) (i32.const 1696) (i32.const 1) (i32.const 1856)))
        (call $events (local.get $b))))
    (if (i32.eq (local.get $k) (i32.const 0x6d)) ;; m
      (then
        (call $errno (local.get $b) (call $poll_oneoff (i32.const 1504) (i32.const 1696) (i32.const 2) (i32.const 1856)))
        (call $events (local.get $b))))
    (if (i32.eq (local.get $k) (i32.const 0x4d)) ;; M
      (then (call $errno (local.get $b) (call $poll_oneoff (i32.const 1600) (i32.const 1696) (i32.const 1) (i32.const 1856)))))
    (if (i32.eq (local.get $k) (i32.const 0x4e)) ;; N
      (then
        (call $errno (local.get $b) (call $poll_oneoff (i32.const 1648) (i32.const 1696) (i32.const 1) (i32.const 1856)))
        (call $events (local.get $b))))
    (if (i32.eq (local.get $k) (i32.const 0x74)) ;; t
      (then (call $errno (local.get $b) (call $poll_oneoff (i32.const 1552) (i32.const 1696) (i32.const 1) (i32.const 1856))))))
)
