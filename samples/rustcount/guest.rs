//! samples/rustcount/guest.rs - a sample guest written in Rust, built with
//! Debian 12's own toolchain (packages `rustc` and `libstd-rust-dev-wasm32`,
//! rustc 1.63) as a plain core module:
//!
//!     /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown \
//!         --crate-type cdylib -C opt-level=2 -C panic=abort guest.rs
//!
//! (see samples/rustcount/build.mk). No cargo, no crates, no wit-bindgen: the
//! bindings below are written by hand with exactly the core signatures and
//! return areas of SPEC §2, legacy wit-component names (import module
//! `wasi:keyvalue/IFACE`, exports `wasi:keyvalue/handle-watch#on-set`,
//! `cabi_realloc`, `memory`). It shows kvaot runs what rustc produces: Rust's
//! std allocator (dlmalloc) behind the canonical-ABI realloc, Vec/String,
//! and every interface of the world.
//!
//! Behaviour:
//!  - on-set(bucket, key, value):
//!    1. reads the value through incoming-value-consume-async and streams
//!       `read` in chunks of 4 bytes until end of stream (and checks the
//!       byte count against `size`; a mismatch is stored as
//!       errors/size-mismatch = KEY);
//!    2. if the value is a decimal u64 N (1-20 ASCII digits, fits in u64),
//!       atomically increments totals/sum by N (printed as
//!       `set totals sum S`); when that fails (sum is not a counter, or would
//!       overflow) the error's trace is stored as errors/last;
//!    3. lists the keys of the event's bucket (batch get-keys, insertion
//!       order) and stores index/KEY = "COUNT:K1,K2,...".
//!  - on-delete(bucket, key):
//!    1. batch delete-many of [KEY, KEY] in bucket "index" (prints one
//!       `delete index KEY` when it was there, nothing otherwise);
//!    2. readwrite get of KEY in "index", which is now missing: the error's
//!       trace (`no such key: "KEY" in bucket "index"`) is stored as
//!       errors/last.
//! Everything the host hands over (the handler's key, stream chunks, the
//! get-keys list and its strings, trace strings) is freed with the allocator
//! and layout it was allocated with; every handle the guest creates is
//! dropped. The event's bucket handle is left for the host to drop.

use std::alloc::{self, Layout};

// ---- return areas (SPEC §2), checked by size/alignment below --------------

/// result<u32-handle, error-handle> and friends: tag@0, u32@4.
#[repr(C)]
#[derive(Default)]
struct ResU32 {
    tag: u8,
    val: u32,
}

/// result<u64, _>: tag@0, u64@8.
#[repr(C)]
#[derive(Default)]
struct ResU64 {
    tag: u8,
    val: u64,
}

/// streams read: tag@0; ok: ptr@4 len@8 eos@12.
#[repr(C)]
struct ReadRes {
    tag: u8,
    ptr: *mut u8,
    len: usize,
    eos: u8,
}

/// A list or string returned directly (get-keys, trace): ptr@0 len@4.
#[repr(C)]
struct ListRet {
    ptr: *mut u8,
    len: usize,
}

/// One element of a list<string> argument or result: ptr@0 len@4.
#[repr(C)]
#[derive(Clone, Copy)]
struct StrRef {
    ptr: *const u8,
    len: usize,
}

const _: () = assert!(std::mem::size_of::<ResU32>() == 8 && std::mem::align_of::<ResU32>() == 4);
const _: () = assert!(std::mem::size_of::<ResU64>() == 16 && std::mem::align_of::<ResU64>() == 8);
const _: () = assert!(std::mem::size_of::<ReadRes>() == 16 && std::mem::align_of::<ReadRes>() == 4);
const _: () = assert!(std::mem::size_of::<ListRet>() == 8 && std::mem::align_of::<ListRet>() == 4);
const _: () = assert!(std::mem::size_of::<StrRef>() == 8 && std::mem::align_of::<StrRef>() == 4);

impl StrRef {
    /// The bytes of a string inside a list the host returned (still owned by
    /// that list).
    fn as_slice(&self) -> &[u8] {
        if self.len == 0 {
            &[]
        } else {
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }
}

impl ReadRes {
    fn new() -> Self {
        ReadRes { tag: 0, ptr: std::ptr::null_mut(), len: 0, eos: 0 }
    }
}

impl ListRet {
    fn new() -> Self {
        ListRet { ptr: std::ptr::null_mut(), len: 0 }
    }
}

// ---- imports: exactly the core signatures of SPEC §2 -----------------------

#[link(wasm_import_module = "wasi:keyvalue/streams")]
extern "C" {
    #[link_name = "read"]
    fn streams_read(src: u32, len: u64, ret: *mut ReadRes);
    #[link_name = "write"]
    fn streams_write(dst: u32, buf: *const u8, buf_len: usize, ret: *mut ResU64);
    #[link_name = "drop-input-stream"]
    fn drop_input_stream(s: u32);
    #[link_name = "drop-output-stream"]
    fn drop_output_stream(s: u32);
}

#[link(wasm_import_module = "wasi:keyvalue/wasi-cloud-error")]
extern "C" {
    #[link_name = "drop-error"]
    fn drop_error(e: u32);
    #[link_name = "trace"]
    fn trace(e: u32, ret: *mut ListRet);
}

#[link(wasm_import_module = "wasi:keyvalue/types")]
extern "C" {
    #[link_name = "open-bucket"]
    fn open_bucket_raw(name: *const u8, name_len: usize, ret: *mut ResU32);
    #[link_name = "drop-bucket"]
    fn drop_bucket(b: u32);
    #[link_name = "new-outgoing-value"]
    fn new_outgoing_value() -> u32;
    #[link_name = "outgoing-value-write-body"]
    fn outgoing_value_write_body(ov: u32, ret: *mut ResU32);
    #[link_name = "drop-outgoing-value"]
    fn drop_outgoing_value(ov: u32);
    #[link_name = "incoming-value-consume-async"]
    fn incoming_value_consume_async(iv: u32, ret: *mut ResU32);
    #[link_name = "size"]
    fn incoming_value_size(iv: u32) -> u64;
    #[link_name = "drop-incoming-value"]
    fn drop_incoming_value(iv: u32);
}

#[link(wasm_import_module = "wasi:keyvalue/readwrite")]
extern "C" {
    #[link_name = "get"]
    fn rw_get(bucket: u32, key: *const u8, key_len: usize, ret: *mut ResU32);
    #[link_name = "set"]
    fn rw_set(bucket: u32, key: *const u8, key_len: usize, ov: u32, ret: *mut ResU32);
}

#[link(wasm_import_module = "wasi:keyvalue/atomic")]
extern "C" {
    #[link_name = "increment"]
    fn atomic_increment(bucket: u32, key: *const u8, key_len: usize, delta: u64, ret: *mut ResU64);
}

#[link(wasm_import_module = "wasi:keyvalue/batch")]
extern "C" {
    #[link_name = "get-keys"]
    fn batch_get_keys(bucket: u32, ret: *mut ListRet);
    #[link_name = "delete-many"]
    fn batch_delete_many(bucket: u32, keys: *const StrRef, keys_len: usize, ret: *mut ResU32);
}

// ---- the canonical-ABI realloc, on Rust's global allocator -----------------

/// realloc(old_ptr, old_size, align, new_size) -> ptr. A zero-sized block is
/// never allocated: its pointer is `align` itself (non-null, aligned, inside
/// memory), and freeing one is a no-op, so sizes and aligns must match what
/// the block was allocated with -- which is what `free_block` does.
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(old: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8 {
    let align = if align == 0 || !align.is_power_of_two() { 1 } else { align };
    if new_size == 0 {
        free_block(old, old_size, align);
        return align as *mut u8;
    }
    let new_layout = match Layout::from_size_align(new_size, align) {
        Ok(l) => l,
        Err(_) => std::process::abort(),
    };
    let p = if old_size == 0 || old.is_null() {
        alloc::alloc(new_layout)
    } else {
        alloc::realloc(old, Layout::from_size_align_unchecked(old_size, align), new_size)
    };
    if p.is_null() {
        alloc::handle_alloc_error(new_layout);
    }
    p
}

/// Frees a block that came from cabi_realloc(.., align, size).
unsafe fn free_block(ptr: *mut u8, size: usize, align: usize) {
    if size != 0 && !ptr.is_null() {
        alloc::dealloc(ptr, Layout::from_size_align_unchecked(size, align));
    }
}

/// Bytes the host allocated in guest memory through cabi_realloc(0, 0, 1, len)
/// (a string or list<u8>); freed on drop.
struct HostBytes {
    ptr: *mut u8,
    len: usize,
}

impl HostBytes {
    fn as_slice(&self) -> &[u8] {
        if self.len == 0 {
            &[]
        } else {
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }
}

impl Drop for HostBytes {
    fn drop(&mut self) {
        unsafe { free_block(self.ptr, self.len, 1) }
    }
}

/// A list<string> the host returned: the array (8 bytes per element, align 4)
/// and each string (align 1); all freed on drop.
struct HostStrings {
    ptr: *mut StrRef,
    len: usize,
}

impl HostStrings {
    fn items(&self) -> &[StrRef] {
        if self.len == 0 {
            &[]
        } else {
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }
}

impl Drop for HostStrings {
    fn drop(&mut self) {
        for s in self.items() {
            unsafe { free_block(s.ptr as *mut u8, s.len, 1) }
        }
        unsafe { free_block(self.ptr as *mut u8, self.len * 8, 4) }
    }
}

// ---- small safe wrappers ----------------------------------------------------

fn open_bucket(name: &str) -> Option<u32> {
    let mut r = ResU32::default();
    unsafe { open_bucket_raw(name.as_ptr(), name.len(), &mut r) };
    if r.tag == 0 {
        Some(r.val)
    } else {
        unsafe { drop_error(r.val) };
        None
    }
}

/// The trace text of an error; drops the error.
fn take_trace(err: u32) -> Vec<u8> {
    let mut r = ListRet::new();
    unsafe { trace(err, &mut r) };
    let text = HostBytes { ptr: r.ptr, len: r.len };
    unsafe { drop_error(err) };
    text.as_slice().to_vec()
}

/// bucket/key = value, through an outgoing-value and its output stream.
fn put(bucket: u32, key: &[u8], value: &[u8]) {
    unsafe {
        let ov = new_outgoing_value();
        let mut body = ResU32::default();
        outgoing_value_write_body(ov, &mut body);
        if body.tag == 0 {
            let mut w = ResU64::default();
            streams_write(body.val, value.as_ptr(), value.len(), &mut w);
            drop_output_stream(body.val);
        }
        let mut r = ResU32::default();
        rw_set(bucket, key.as_ptr(), key.len(), ov, &mut r);
        if r.tag != 0 {
            drop_error(r.val);
        }
        drop_outgoing_value(ov);
    }
}

/// Stores an error's trace as errors/KEY.
fn record_error(key: &[u8], err: u32) {
    let text = take_trace(err);
    if let Some(errors) = open_bucket("errors") {
        put(errors, key, &text);
        unsafe { drop_bucket(errors) };
    }
}

/// The whole body of an incoming-value, read 4 bytes at a time through an
/// input stream. None when the value cannot be consumed.
fn read_all(iv: u32) -> Option<Vec<u8>> {
    let mut r = ResU32::default();
    unsafe { incoming_value_consume_async(iv, &mut r) };
    if r.tag != 0 {
        unsafe { drop_error(r.val) };
        return None;
    }
    let stream = r.val;
    let mut data = Vec::new();
    loop {
        let mut rd = ReadRes::new();
        unsafe { streams_read(stream, 4, &mut rd) };
        if rd.tag != 0 {
            break; // stream-error: no list was allocated
        }
        let chunk = HostBytes { ptr: rd.ptr, len: rd.len };
        data.extend_from_slice(chunk.as_slice());
        if rd.eos != 0 {
            break;
        }
    }
    unsafe { drop_input_stream(stream) };
    Some(data)
}

/// A counter per SPEC §3: 1-20 ASCII digits whose number fits in u64.
fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

// ---- the handlers -----------------------------------------------------------

fn handle_set(bucket: u32, key: &[u8], iv: u32) {
    // 1. the value, through a stream
    let expected = unsafe { incoming_value_size(iv) };
    let value = read_all(iv);
    unsafe { drop_incoming_value(iv) };
    let value = match value {
        Some(v) => v,
        None => return,
    };
    if value.len() as u64 != expected {
        if let Some(errors) = open_bucket("errors") {
            put(errors, b"size-mismatch", key);
            unsafe { drop_bucket(errors) };
        }
    }

    // 2. numbers add up in totals/sum
    if let Some(n) = parse_u64(&value) {
        if let Some(totals) = open_bucket("totals") {
            let mut r = ResU64::default();
            unsafe { atomic_increment(totals, b"sum".as_ptr(), 3, n, &mut r) };
            unsafe { drop_bucket(totals) };
            if r.tag != 0 {
                record_error(b"last", r.val as u32);
            }
        }
    }

    // 3. index/KEY = "COUNT:K1,K2,..." over the event's bucket
    let mut r = ListRet::new();
    unsafe { batch_get_keys(bucket, &mut r) };
    let keys = HostStrings { ptr: r.ptr as *mut StrRef, len: r.len };
    let mut line = format!("{}:", keys.len).into_bytes();
    for (i, k) in keys.items().iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        line.extend_from_slice(k.as_slice());
    }
    drop(keys);
    if let Some(index) = open_bucket("index") {
        put(index, key, &line);
        unsafe { drop_bucket(index) };
    }
}

fn handle_delete(key: &[u8]) {
    let index = match open_bucket("index") {
        Some(b) => b,
        None => return,
    };
    // 1. the same key twice: deleted once, printed once (if it was there)
    let pair = [StrRef { ptr: key.as_ptr(), len: key.len() }; 2];
    let mut r = ResU32::default();
    unsafe { batch_delete_many(index, pair.as_ptr(), pair.len(), &mut r) };
    if r.tag != 0 {
        unsafe { drop_error(r.val) };
    }
    // 2. now it is missing: get fails, and its trace goes to errors/last
    let mut g = ResU32::default();
    unsafe { rw_get(index, key.as_ptr(), key.len(), &mut g) };
    if g.tag == 0 {
        unsafe { drop_incoming_value(g.val) };
    } else {
        record_error(b"last", g.val);
    }
    unsafe { drop_bucket(index) };
}

#[export_name = "wasi:keyvalue/handle-watch#on-set"]
pub unsafe extern "C" fn on_set(bucket: u32, key_ptr: *mut u8, key_len: usize, iv: u32) {
    let key = HostBytes { ptr: key_ptr, len: key_len };
    handle_set(bucket, key.as_slice(), iv);
}

#[export_name = "wasi:keyvalue/handle-watch#on-delete"]
pub unsafe extern "C" fn on_delete(_bucket: u32, key_ptr: *mut u8, key_len: usize) {
    let key = HostBytes { ptr: key_ptr, len: key_len };
    handle_delete(key.as_slice());
}
