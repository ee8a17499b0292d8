// samples/ascount/guest.ts - a sample guest written in AssemblyScript, built
// with the `asc` pinned in tests/package.json (npm devDependency
// `assemblyscript`, installed by `cd tests && npm ci`) as a plain core module:
//
//     asc guest.ts --runtime stub --use abort= --disable bulk-memory ... -o raw.wasm
//     wasm2wat raw.wasm | sed (rename the exports) | wat2wasm -o ascount.wasm
//
// (see samples/ascount/build.mk for the exact flags and the checks). No
// bindings generator: the imports below are declared by hand with exactly the
// core signatures and return areas of SPEC §2 and legacy wit-component names
// (import module `wasi:keyvalue/IFACE`). AssemblyScript cannot export a name
// holding ':' '/' '#', so the handlers are exported as `kvaot_as_on_set` /
// `kvaot_as_on_delete` and build.mk renames them to
// `wasi:keyvalue/handle-watch#on-set` / `#on-delete`; `cabi_realloc` and
// `memory` are exported under their own names.
//
// Memory: `--runtime stub` is AssemblyScript's bump allocator (no GC, no
// free). cabi_realloc is heap.alloc / heap.realloc (16-byte aligned blocks).
// Nothing the guest allocates outlives a handler call, so each handler ends
// with heap.reset(), which rewinds the bump pointer: memory stays bounded
// over any number of events. (The key the host passes through cabi_realloc
// before each call is allocated after that reset, so it is always valid.)
// No `env.abort` import (`--use abort=`: a failed assertion is a plain
// `unreachable` trap), no `env.seed` (no Math.random), no `env.trace`.
//
// Behaviour:
//  - on-set(bucket, key, value):
//    1. reads the value with incoming-value-consume-sync (and its length
//       with `size`), then drops the incoming-value;
//    2. stores reversed/KEY = the value's bytes reversed when every byte is
//       ASCII (< 0x80), else the text `non-ascii:N` (N = byte length); the
//       body is written through outgoing-value-write-body + streams write;
//    3. counts hits/KEY with a compare-and-swap retry loop: readwrite get of
//       hits/KEY; missing -> readwrite set "1"; present -> parse it as a
//       counter (1-20 ASCII digits fitting in u64) and compare-and-swap
//       OLD -> OLD+1 (saturating at 2^64-1, so a CAS with old == new);
//       ok(false) retries (at most 4 tries, then log/cas-gave-up = KEY);
//       an error (the value is not a counter) stores its trace as
//       log/last-error and resets hits/KEY to "1" with readwrite set.
//  - on-delete(bucket, key):
//    1. exists reversed/KEY; when true, readwrite delete of it;
//    2. stores log/last-delete = KEY.
// Every handle the guest creates (buckets, values, streams, errors) is
// dropped; the event's bucket handle is left for the host to drop.

// ---- imports: SPEC §2 core signatures (handles u32, pointers usize) -------

@external("wasi:keyvalue/streams", "write")
declare function streamsWrite(dst: u32, bufPtr: usize, bufLen: usize, ret: usize): void;
@external("wasi:keyvalue/streams", "drop-output-stream")
declare function dropOutputStream(s: u32): void;

@external("wasi:keyvalue/wasi-cloud-error", "drop-error")
declare function dropError(e: u32): void;
@external("wasi:keyvalue/wasi-cloud-error", "trace")
declare function traceError(e: u32, ret: usize): void;

@external("wasi:keyvalue/types", "open-bucket")
declare function openBucketRaw(namePtr: usize, nameLen: usize, ret: usize): void;
@external("wasi:keyvalue/types", "drop-bucket")
declare function dropBucket(b: u32): void;
@external("wasi:keyvalue/types", "new-outgoing-value")
declare function newOutgoingValue(): u32;
@external("wasi:keyvalue/types", "outgoing-value-write-body")
declare function outgoingValueWriteBody(ov: u32, ret: usize): void;
@external("wasi:keyvalue/types", "drop-outgoing-value")
declare function dropOutgoingValue(ov: u32): void;
@external("wasi:keyvalue/types", "incoming-value-consume-sync")
declare function incomingValueConsumeSync(iv: u32, ret: usize): void;
@external("wasi:keyvalue/types", "size")
declare function incomingValueSize(iv: u32): u64;
@external("wasi:keyvalue/types", "drop-incoming-value")
declare function dropIncomingValue(iv: u32): void;

@external("wasi:keyvalue/readwrite", "get")
declare function rwGet(bucket: u32, keyPtr: usize, keyLen: usize, ret: usize): void;
@external("wasi:keyvalue/readwrite", "set")
declare function rwSet(bucket: u32, keyPtr: usize, keyLen: usize, ov: u32, ret: usize): void;
@external("wasi:keyvalue/readwrite", "delete")
declare function rwDelete(bucket: u32, keyPtr: usize, keyLen: usize, ret: usize): void;
@external("wasi:keyvalue/readwrite", "exists")
declare function rwExists(bucket: u32, keyPtr: usize, keyLen: usize, ret: usize): void;

@external("wasi:keyvalue/atomic", "compare-and-swap")
declare function atomicCas(bucket: u32, keyPtr: usize, keyLen: usize, old: u64, nw: u64, ret: usize): void;

// ---- return area ----------------------------------------------------------

// One static return area, 16-byte aligned, big enough for every result used
// here (write: 16/8 is the largest). Each result is read right after its call.
const RET: usize = memory.data(32, 16);

@inline function retTag(): u8 { return load<u8>(RET); }
@inline function retU32(): u32 { return load<u32>(RET, 4); }
@inline function retLen(): usize { return load<u32>(RET, 8); }

const U64_MAX: u64 = 0xFFFF_FFFF_FFFF_FFFF;
const MAX_CAS_TRIES: i32 = 4;

// ---- canonical ABI realloc --------------------------------------------------

// cabi_realloc(old, old_size, align, new_size). heap.alloc/realloc return
// 16-byte aligned blocks; a larger alignment (the host never asks for one)
// is met by over-allocating. Size 0 still returns a valid, aligned pointer.
export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (align > 16) {
    const raw = heap.alloc(newSize + align);
    const p = (raw + align - 1) & ~(align - 1);
    if (old != 0) memory.copy(p, old, min(oldSize, newSize));
    return p;
  }
  if (old == 0) return heap.alloc(newSize);
  return heap.realloc(old, newSize);
}

// ---- small byte buffers (raw memory, reset after each handler) -------------

class Bytes {
  constructor(public ptr: usize, public len: usize) {}
}

// UTF-8 of an AssemblyScript string constant (bucket and key names).
function utf8(s: string): Bytes {
  const buf = String.UTF8.encode(s);
  return new Bytes(changetype<usize>(buf), <usize>buf.byteLength);
}

// Decimal text of a u64.
function decimal(n: u64): Bytes {
  const tmp = heap.alloc(20);
  let i: usize = 20;
  do {
    i--;
    store<u8>(tmp + i, <u8>(48 + <u32>(n % 10)));
    n /= 10;
  } while (n != 0);
  return new Bytes(tmp + i, 20 - i);
}

function concat(a: Bytes, b: Bytes): Bytes {
  const p = heap.alloc(a.len + b.len);
  memory.copy(p, a.ptr, a.len);
  memory.copy(p + a.len, b.ptr, b.len);
  return new Bytes(p, a.len + b.len);
}

// A counter as the host defines it: 1-20 ASCII digits whose number fits in
// u64. Returns false when it is not one.
let parsed: u64 = 0;
function parseCounter(b: Bytes): bool {
  if (b.len == 0 || b.len > 20) return false;
  let v: u64 = 0;
  for (let i: usize = 0; i < b.len; i++) {
    const c = <u32>load<u8>(b.ptr + i);
    if (c < 48 || c > 57) return false;
    const d = <u64>(c - 48);
    if (v > (U64_MAX - d) / 10) return false; // v*10 + d would overflow
    v = v * 10 + d;
  }
  parsed = v;
  return true;
}

// ---- host helpers -----------------------------------------------------------

// open-bucket(name); 0 when it fails (the error is dropped).
function openBucket(name: string): u32 {
  const n = utf8(name);
  openBucketRaw(n.ptr, n.len, RET);
  if (retTag() != 0) {
    dropError(retU32());
    return 0;
  }
  return retU32();
}

// The error's trace text; drops the error.
function takeTrace(err: u32): Bytes {
  traceError(err, RET);
  const t = new Bytes(load<u32>(RET, 0), load<u32>(RET, 4));
  dropError(err);
  return t;
}

// bucket/key = value, through a new outgoing-value and its output stream.
function put(bucket: u32, key: Bytes, value: Bytes): void {
  const ov = newOutgoingValue();
  outgoingValueWriteBody(ov, RET);
  if (retTag() == 0) {
    const os = retU32();
    streamsWrite(os, value.ptr, value.len, RET);
    // a stream-error payload is the tag alone: nothing to drop
    dropOutputStream(os);
    rwSet(bucket, key.ptr, key.len, ov, RET);
    if (retTag() != 0) dropError(retU32());
  }
  dropOutgoingValue(ov);
}

// The whole body of an incoming-value (consume-sync); null when it cannot
// be consumed (the error is dropped). The incoming-value is not dropped.
function consume(iv: u32): Bytes | null {
  incomingValueConsumeSync(iv, RET);
  if (retTag() != 0) {
    dropError(retU32());
    return null;
  }
  return new Bytes(retU32(), retLen());
}

// ---- behaviour ---------------------------------------------------------------

function reverseOrLength(v: Bytes, size: u64): Bytes {
  let ascii = true;
  for (let i: usize = 0; i < v.len; i++) {
    if (load<u8>(v.ptr + i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) return concat(utf8("non-ascii:"), decimal(size));
  const out = heap.alloc(v.len);
  for (let i: usize = 0; i < v.len; i++) {
    store<u8>(out + i, load<u8>(v.ptr + v.len - 1 - i));
  }
  return new Bytes(out, v.len);
}

function countHit(key: Bytes): void {
  const hits = openBucket("hits");
  if (hits == 0) return;
  let done = false;
  for (let tries = 0; tries < MAX_CAS_TRIES && !done; tries++) {
    rwGet(hits, key.ptr, key.len, RET);
    if (retTag() != 0) {
      // missing: start at 1
      dropError(retU32());
      put(hits, key, utf8("1"));
      done = true;
      break;
    }
    const iv = retU32();
    const cur = consume(iv);
    dropIncomingValue(iv);
    let old: u64 = 0;
    if (cur != null && parseCounter(cur)) old = parsed;
    // not a counter: the CAS below fails with the host's own error
    const nw: u64 = old == U64_MAX ? U64_MAX : old + 1;
    atomicCas(hits, key.ptr, key.len, old, nw, RET);
    if (retTag() != 0) {
      const text = takeTrace(retU32());
      const log = openBucket("log");
      if (log != 0) {
        put(log, utf8("last-error"), text);
        dropBucket(log);
      }
      put(hits, key, utf8("1"));
      done = true;
    } else if (load<u8>(RET, 4) != 0) {
      done = true;
    }
  }
  if (!done) {
    const log = openBucket("log");
    if (log != 0) {
      put(log, utf8("cas-gave-up"), key);
      dropBucket(log);
    }
  }
  dropBucket(hits);
}

// Exported as `wasi:keyvalue/handle-watch#on-set` (renamed by build.mk).
export function kvaot_as_on_set(bucket: u32, keyPtr: usize, keyLen: usize, iv: u32): void {
  const key = new Bytes(keyPtr, keyLen);
  const size = incomingValueSize(iv);
  const value = consume(iv);
  dropIncomingValue(iv);
  const body = value != null ? value : new Bytes(0, 0);

  const rev = openBucket("reversed");
  if (rev != 0) {
    put(rev, key, reverseOrLength(body, size));
    dropBucket(rev);
  }
  countHit(key);
  heap.reset();
}

// Exported as `wasi:keyvalue/handle-watch#on-delete` (renamed by build.mk).
export function kvaot_as_on_delete(bucket: u32, keyPtr: usize, keyLen: usize): void {
  const key = new Bytes(keyPtr, keyLen);
  const rev = openBucket("reversed");
  if (rev != 0) {
    rwExists(rev, key.ptr, key.len, RET);
    if (retTag() != 0) {
      dropError(retU32());
    } else if (load<u8>(RET, 4) != 0) {
      rwDelete(rev, key.ptr, key.len, RET);
      if (retTag() != 0) dropError(retU32());
    }
    dropBucket(rev);
  }
  const log = openBucket("log");
  if (log != 0) {
    put(log, utf8("last-delete"), key);
    dropBucket(log);
  }
  heap.reset();
}
