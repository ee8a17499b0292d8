// samples/jscount/guest.js - a JavaScript guest, made into a component by
// ComponentizeJS (npm @bytecodealliance/componentize-js, pinned in
// tests/package.json with @bytecodealliance/preview2-shim beside it) with
// its default features: the component imports WASI 0.2 directly (stdio,
// clocks, random), wasi:http (never called) and, through wit-component's
// adapter, WASI preview 1. kvaot builds it with --stub-imports
// (samples/jscount/kvaot.flags) so the wasi:http imports become stubs.
//
//   node tests/e2e/guests/componentize.mjs wit/keyvalue-handle-watch.wit \
//        samples/jscount/guest.js jscount.wasm
//
// Behaviour:
//  - onSet(bucket, key, value): reads the value (incoming-value-consume-sync),
//    console.error("jscount: KEY=VALUE") on the guest output; stores
//    js/KEY = the value upper-cased; when the value is JSON with a numeric
//    field "n", atomically increments js/sum by n (a u64, as a BigInt);
//  - a value "throw" makes the handler throw (an uncaught JS exception: the
//    event traps and is rolled back);
//  - onDelete(bucket, key): increments js/deletes and stores js/keys = the
//    keys of bucket "js" (batch get-keys, insertion order) joined by ",".
import { openBucket, dropBucket, newOutgoingValue, outgoingValueWriteBody,
         dropOutgoingValue, incomingValueConsumeSync } from 'wasi:keyvalue/types';
import { write, dropOutputStream } from 'wasi:keyvalue/streams';
import { set } from 'wasi:keyvalue/readwrite';
import { increment } from 'wasi:keyvalue/atomic';
import { getKeys } from 'wasi:keyvalue/batch';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function put(bucket, key, text) {
  const ov = newOutgoingValue();
  const stream = outgoingValueWriteBody(ov);
  write(stream, encoder.encode(text));
  dropOutputStream(stream);
  set(bucket, key, ov);
  dropOutgoingValue(ov);
}

function withBucket(name, fn) {
  const b = openBucket(name);
  try {
    return fn(b);
  } finally {
    dropBucket(b);
  }
}

export const handleWatch = {
  onSet(bucket, key, value) {
    const text = decoder.decode(incomingValueConsumeSync(value));
    console.error(`jscount: ${key}=${text}`);
    if (text === 'throw')
      throw new Error(`asked to throw for ${key}`);
    withBucket('js', (b) => {
      put(b, key, text.toUpperCase());
      let parsed = null;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        parsed = null;
      }
      if (parsed !== null && typeof parsed.n === 'number')
        increment(b, 'sum', BigInt(parsed.n));
    });
  },
  onDelete(bucket, key) {
    withBucket('js', (b) => {
      increment(b, 'deletes', 1n);
      put(b, 'keys', getKeys(b).join(','));
    });
  },
};
