//! samples/rustwasi/guest.rs - a Rust guest on the `wasm32-wasi` target with
//! Rust's std, built with Debian 12's rustc 1.63 (packages `rustc` and
//! `libstd-rust-dev-wasm32`, which ships that target):
//!
//!     /usr/bin/rustc --edition 2021 --target wasm32-wasi --crate-type cdylib \
//!         -C opt-level=2 -C panic=abort guest.rs
//!
//! Rust's wasm32-wasi std imports WASI preview 1 even when nothing is
//! printed (fd_write, environ_*, random_get for HashMap's seed, proc_exit);
//! this guest also prints with eprintln! and println! and reads an
//! environment variable, all of which kvaot provides (SPEC §8.1).
//!
//! Behaviour:
//!  - on-set(bucket, key, value): eprintln!("rustwasi: on-set KEY"); keeps
//!    a HashMap<String, u64> of value lengths per key in guest memory (it
//!    lives as long as the instance) and stores
//!    stats/KEY = "LEN total=T keys=N", where T is the sum of the lengths
//!    of the latest value of every key seen and N the number of keys;
//!  - key "env": stores stats/env = the value of $RUSTWASI (or "(unset)");
//!  - key "panic": panics (panic=abort: a trap; Rust's panic hook first
//!    prints "panicked at ..." on stderr);
//!  - on-delete(bucket, key): removes the key from the map and deletes
//!    stats/KEY; println!("rustwasi: delete KEY").

use std::alloc::{self, Layout};
use std::collections::HashMap;

#[repr(C)]
#[derive(Default)]
struct ResU32 {
    tag: u8,
    val: u32,
}

#[repr(C)]
#[derive(Default)]
struct ResU64 {
    tag: u8,
    val: u64,
}

#[link(wasm_import_module = "wasi:keyvalue/types")]
extern "C" {
    #[link_name = "open-bucket"]
    fn open_bucket(name: *const u8, len: usize, ret: *mut ResU32);
    #[link_name = "drop-bucket"]
    fn drop_bucket(b: u32);
    #[link_name = "new-outgoing-value"]
    fn new_outgoing_value() -> u32;
    #[link_name = "outgoing-value-write-body"]
    fn outgoing_value_write_body(ov: u32, ret: *mut ResU32);
    #[link_name = "drop-outgoing-value"]
    fn drop_outgoing_value(ov: u32);
    #[link_name = "size"]
    fn size(iv: u32) -> u64;
}

#[link(wasm_import_module = "wasi:keyvalue/streams")]
extern "C" {
    #[link_name = "write"]
    fn stream_write(dst: u32, buf: *const u8, len: usize, ret: *mut ResU64);
    #[link_name = "drop-output-stream"]
    fn drop_output_stream(s: u32);
}

#[link(wasm_import_module = "wasi:keyvalue/readwrite")]
extern "C" {
    #[link_name = "set"]
    fn kv_set(b: u32, key: *const u8, klen: usize, ov: u32, ret: *mut ResU32);
    #[link_name = "delete"]
    fn kv_delete(b: u32, key: *const u8, klen: usize, ret: *mut ResU32);
}

#[link(wasm_import_module = "wasi:keyvalue/wasi-cloud-error")]
extern "C" {
    #[link_name = "drop-error"]
    fn drop_error(e: u32);
}

/// The canonical-ABI realloc on Rust's allocator.
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(old: *mut u8, old_size: usize, align: usize,
                                      new_size: usize) -> *mut u8 {
    let layout = Layout::from_size_align(new_size.max(1), align).unwrap();
    if old.is_null() {
        alloc::alloc(layout)
    } else {
        let old_layout = Layout::from_size_align(old_size.max(1), align).unwrap();
        alloc::realloc(old, old_layout, new_size.max(1))
    }
}

/// Take ownership of a string the host allocated with cabi_realloc(.., 1, len).
unsafe fn take_key(ptr: *mut u8, len: usize) -> String {
    let bytes = std::slice::from_raw_parts(ptr, len).to_vec();
    alloc::dealloc(ptr, Layout::from_size_align(len.max(1), 1).unwrap());
    String::from_utf8(bytes).expect("keys are UTF-8")
}

fn open(name: &str) -> u32 {
    let mut r = ResU32::default();
    unsafe { open_bucket(name.as_ptr(), name.len(), &mut r) };
    assert!(r.tag == 0, "open-bucket failed");
    r.val
}

fn put(bucket: u32, key: &str, value: &str) {
    unsafe {
        let ov = new_outgoing_value();
        let mut ws = ResU32::default();
        outgoing_value_write_body(ov, &mut ws);
        assert!(ws.tag == 0);
        let mut w = ResU64::default();
        stream_write(ws.val, value.as_ptr(), value.len(), &mut w);
        assert!(w.tag == 0 && w.val == value.len() as u64);
        drop_output_stream(ws.val);
        let mut r = ResU32::default();
        kv_set(bucket, key.as_ptr(), key.len(), ov, &mut r);
        if r.tag != 0 {
            drop_error(r.val);
        }
        drop_outgoing_value(ov);
    }
}

static mut LENGTHS: Option<HashMap<String, u64>> = None;

fn lengths() -> &'static mut HashMap<String, u64> {
    unsafe { LENGTHS.get_or_insert_with(HashMap::new) }
}

#[export_name = "wasi:keyvalue/handle-watch#on-set"]
pub unsafe extern "C" fn on_set(_bucket: u32, key_ptr: *mut u8, key_len: usize, iv: u32) {
    let key = take_key(key_ptr, key_len);
    eprintln!("rustwasi: on-set {}", key);
    let len = size(iv);
    let map = lengths();
    map.insert(key.clone(), len);
    let total: u64 = map.values().sum();
    let stats = open("stats");
    put(stats, &key, &format!("{} total={} keys={}", len, total, map.len()));
    match key.as_str() {
        "env" => {
            let v = std::env::var("RUSTWASI").unwrap_or_else(|_| "(unset)".to_string());
            put(stats, "env", &v);
        }
        "panic" => panic!("the key was {:?}", key),
        _ => {}
    }
    drop_bucket(stats);
}

#[export_name = "wasi:keyvalue/handle-watch#on-delete"]
pub unsafe extern "C" fn on_delete(_bucket: u32, key_ptr: *mut u8, key_len: usize) {
    let key = take_key(key_ptr, key_len);
    lengths().remove(&key);
    let stats = open("stats");
    let mut r = ResU32::default();
    kv_delete(stats, key.as_ptr(), key.len(), &mut r);
    if r.tag != 0 {
        drop_error(r.val);
    }
    drop_bucket(stats);
    println!("rustwasi: delete {}", key);
}
