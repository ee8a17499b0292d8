// samples/asdefault/guest.ts - an AssemblyScript guest built with asc's
// defaults (the incremental GC runtime, `env.abort` for assert/abort,
// `env.seed` for Math.random, `env.trace`), as a first-time user would:
//
//     asc guest.ts -O2 --debug -o asdefault.wasm
//     kvaot build asdefault.wasm --map-export on-set=onSet --map-export on-delete=onDelete
//
// AssemblyScript cannot export the world's names (`#`, `:` and `/` are not
// identifier characters), so the handlers are exported as onSet/onDelete
// and kvaot maps them (--map-export); cabi_realloc is a plain identifier.
// kvaot provides env.abort (a trap with AssemblyScript's message, file,
// line and column), env.seed and env.trace (README: AssemblyScript).
//
// Behaviour:
//  - top-level code (the wasm start function, run at instantiation before
//    any event): sets as/started = "yes" through the imports;
//  - onSet(bucket, key, value): trace("on-set", 1, size) on the guest
//    output; counts as/KEY with atomic increment; key "boom": assert fails
//    (env.abort: the event traps and is rolled back, so as/boom stays
//    unset); Math.random is called (and must be in [0, 1)) so the guest
//    imports env.seed;
//  - onDelete(bucket, key): sets as/last-delete = KEY.

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
@external("wasi:keyvalue/types", "size")
declare function incomingValueSize(iv: u32): u64;
@external("wasi:keyvalue/streams", "write")
declare function streamsWrite(dst: u32, bufPtr: usize, bufLen: usize, ret: usize): void;
@external("wasi:keyvalue/streams", "drop-output-stream")
declare function dropOutputStream(s: u32): void;
@external("wasi:keyvalue/readwrite", "set")
declare function rwSet(bucket: u32, keyPtr: usize, keyLen: usize, ov: u32, ret: usize): void;
@external("wasi:keyvalue/atomic", "increment")
declare function increment(bucket: u32, keyPtr: usize, keyLen: usize, delta: u64, ret: usize): void;
@external("wasi:keyvalue/wasi-cloud-error", "drop-error")
declare function dropError(e: u32): void;

// One 16-byte return area, reused (its fields: tag u8 @0, u32 @4, u64 @8).
const ret: usize = heap.alloc(16);

// The canonical-ABI realloc on AssemblyScript's raw heap (not GC-managed).
export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (old == 0) return heap.alloc(newSize == 0 ? 1 : newSize);
  return heap.realloc(old, newSize == 0 ? 1 : newSize);
}

function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function openBucket(name: string): u32 {
  const b = utf8(name);
  openBucketRaw(changetype<usize>(b), b.byteLength, ret);
  assert(load<u8>(ret) == 0, "open-bucket failed");
  return load<u32>(ret, 4);
}

function put(bucket: u32, keyPtr: usize, keyLen: usize, value: string): void {
  const v = utf8(value);
  const ov = newOutgoingValue();
  outgoingValueWriteBody(ov, ret);
  const stream = load<u32>(ret, 4);
  streamsWrite(stream, changetype<usize>(v), v.byteLength, ret);
  dropOutputStream(stream);
  rwSet(bucket, keyPtr, keyLen, ov, ret);
  if (load<u8>(ret) != 0) dropError(load<u32>(ret, 4));
  dropOutgoingValue(ov);
}

function putStr(bucket: u32, key: string, value: string): void {
  const k = utf8(key);
  put(bucket, changetype<usize>(k), k.byteLength, value);
}

function keyString(keyPtr: usize, keyLen: usize): string {
  return String.UTF8.decodeUnsafe(keyPtr, keyLen);
}

// ---- top-level code: the start function ----
const started = openBucket("as");
putStr(started, "started", "yes");
dropBucket(started);

export function onSet(bucket: u32, keyPtr: usize, keyLen: usize, iv: u32): void {
  trace("on-set", 1, <f64>incomingValueSize(iv));
  const key = keyString(keyPtr, keyLen);
  assert(key != "boom", "boom requested");
  assert(Math.random() < 1.0);
  const b = openBucket("as");
  increment(b, keyPtr, keyLen, 1, ret);
  if (load<u8>(ret) != 0) dropError(load<u32>(ret, 8));
  dropBucket(b);
  heap.free(keyPtr);
}

export function onDelete(bucket: u32, keyPtr: usize, keyLen: usize): void {
  const b = openBucket("as");
  putStr(b, "last-delete", keyString(keyPtr, keyLen));
  dropBucket(b);
  heap.free(keyPtr);
}
