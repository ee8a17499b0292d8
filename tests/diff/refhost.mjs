// tests/diff/refhost.mjs - a second, independent host of the
// keyvalue-handle-watch world for the differential test (tests/diff/run.sh),
// written from SPEC §2-§5 and §7 alone in plain JavaScript: it runs a core
// module (any of the three naming schemes; initialize and post-return
// exports called; WASI preview 1) with Node's WebAssembly over text
// event files and prints what the executable prints: the change feed in text
// on stdout, trap reports on stderr (their REASON is the host's own), and
// --save FILE. None of kvaot's code is used, so where the two disagree on
// the same guest and events one of them reads the SPEC wrong.
//
//   node refhost.mjs GUEST.wasm [--save FILE] [--on-trap continue|stop]
//                    [--format text|json] [--load FILE] [--skip-bad]
//                    [--env NAME=VALUE]... [--guest-output FILE|none]
//                    [--max-handles N] [--max-value BYTES] EVENTS...
// A JSON line with a field named twice is malformed (kvaot's reading; the
// SPEC does not say).
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

class Trap extends Error {}
const trap = (why) => { throw new Trap(why); };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const enc = new TextEncoder();
const isUtf8 = (b) => { try { utf8.decode(b); return true; } catch { return false; } };
const bytesOf = (s) => enc.encode(s);
const key = (b) => Buffer.from(b).toString('latin1');     // Map key for bytes
const unkey = (s) => new Uint8Array(Buffer.from(s, 'latin1'));

// ---- canonical text (SPEC §4, §7) ------------------------------------------

// Length of the valid UTF-8 sequence at b[i], 0 when there is none.
function utf8Len(b, i) {
  const c = b[i];
  if (c < 0x80) return 1;
  let n, min;
  if (c >= 0xc2 && c <= 0xdf) { n = 2; min = 0x80; }
  else if (c >= 0xe0 && c <= 0xef) { n = 3; min = 0x800; }
  else if (c >= 0xf0 && c <= 0xf4) { n = 4; min = 0x10000; }
  else return 0;
  if (i + n > b.length) return 0;
  let cp = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    if ((b[i + k] & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b[i + k] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

function quote(b) {
  let out = '"';
  const hex = (c) => '\\x' + c.toString(16).padStart(2, '0');
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const n = utf8Len(b, i);
    if (n === 0) { out += hex(c); i++; continue; }
    if (n > 1) { out += Buffer.from(b.subarray(i, i + n)).toString('utf8'); i += n; continue; }
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x22) out += '\\"';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x00) out += '\\0';
    else if (c < 0x20 || c === 0x7f) out += hex(c);
    else out += String.fromCharCode(c);
    i++;
  }
  return out + '"';
}

function token(b) {
  const bare = b.length > 0 && b.every((c) => c > 0x20 && c !== 0x22 && c !== 0x7f);
  return bare ? Buffer.from(b).toString('utf8') : quote(b);
}

function valueText(b) {
  const blank = (c) => c === 0x20 || c === 0x09;
  const raw = b.length > 0 && isUtf8(b) && b.every((c) => c >= 0x20 && c !== 0x7f) &&
    b[0] !== 0x22 && !blank(b[0]) && !blank(b[b.length - 1]);
  return raw ? Buffer.from(b).toString('utf8') : quote(b);
}

const setLine = (bk, k, v) => `set ${token(bk)} ${token(k)} ${valueText(v)}\n`;
const deleteLine = (bk, k) => `delete ${token(bk)} ${token(k)}\n`;
const str = (b) => Buffer.from(b).toString('utf8');
const jsonSet = (bk, k, v) => JSON.stringify(isUtf8(v)
  ? { op: 'set', bucket: str(bk), key: str(k), value: str(v) }
  : { op: 'set', bucket: str(bk), key: str(k), value_b64: Buffer.from(v).toString('base64') }) + '\n';
const jsonDelete = (bk, k) => JSON.stringify({ op: 'delete', bucket: str(bk), key: str(k) }) + '\n';
let json = false;     // --format json

// ---- text events (SPEC §4, §7) -----------------------------------------------

class BadLine extends Error {
  constructor(col, what) { super(what); this.col = col; }
}

function parseQuoted(b, pos) {          // b[pos] is '"'; returns [bytes, next]
  const out = [];
  let i = pos + 1;
  for (;;) {
    if (i >= b.length) throw new BadLine(pos + 1, 'unterminated quoted string');
    const c = b[i];
    if (c === 0x22) return [new Uint8Array(out), i + 1];
    if (c !== 0x5c) { out.push(c); i++; continue; }
    const e = b[i + 1];
    const simple = { 0x5c: 0x5c, 0x22: 0x22, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x30: 0x00 };
    if (e in simple) { out.push(simple[e]); i += 2; continue; }
    if (e === 0x78) {
      const h = Buffer.from(b.subarray(i + 2, i + 4)).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new BadLine(i + 1, 'bad \\x escape');
      out.push(parseInt(h, 16)); i += 4; continue;
    }
    throw new BadLine(i + 1, 'bad escape');
  }
}

const isBlank = (c) => c === 0x20 || c === 0x09;

function parseToken(b, pos) {
  if (b[pos] === 0x22) {
    const [v, next] = parseQuoted(b, pos);
    if (next < b.length && !isBlank(b[next])) throw new BadLine(next + 1, 'junk after quoted string');
    return [v, next];
  }
  let i = pos;
  while (i < b.length && !isBlank(b[i])) {
    if (b[i] === 0x22 || b[i] < 0x20 || b[i] === 0x7f) throw new BadLine(i + 1, 'bad byte in token');
    i++;
  }
  return [b.subarray(pos, i), i];
}

function skipBlanks(b, i) { while (i < b.length && isBlank(b[i])) i++; return i; }

// A strict JSON reader for event lines: an object's fields with a name
// twice and strings with a lone surrogate (SPEC §7) are errors; values
// other than strings are skipped over (JSON.parse checks the whole line).
function parseJson(b, i) {
  const text = Buffer.from(b).toString('utf8');
  if (!isUtf8(b)) throw new BadLine(i + 1, 'not UTF-8');
  try { JSON.parse(text); } catch { throw new BadLine(i + 1, 'bad JSON'); }
  let pos = text.indexOf('{');
  const ws = () => { while (' \t\n\r'.includes(text[pos]) && pos < text.length) pos++; };
  function str() {                    // text[pos] is '"'
    let out = '';
    pos++;
    for (;;) {
      const c = text[pos++];
      if (c === '"') break;
      if (c !== '\\') { out += c; continue; }
      const e = text[pos++];
      if (e === 'u') { out += String.fromCharCode(parseInt(text.slice(pos, pos + 4), 16)); pos += 4; }
      else out += { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
    }
    for (let k = 0; k < out.length; k++) {
      const u = out.charCodeAt(k);
      if (u >= 0xd800 && u <= 0xdbff) {
        const v = out.charCodeAt(k + 1);
        if (!(v >= 0xdc00 && v <= 0xdfff)) throw new BadLine(i + 1, 'lone surrogate');
        k++;
      } else if (u >= 0xdc00 && u <= 0xdfff) throw new BadLine(i + 1, 'lone surrogate');
    }
    return out;
  }
  function value() {
    ws();
    const c = text[pos];
    if (c === '"') return str();
    if (c === '{') {
      const o = new Map();
      pos++; ws();
      if (text[pos] === '}') { pos++; return o; }
      for (;;) {
        ws();
        const k = str();
        if (o.has(k)) throw new BadLine(i + 1, 'duplicate field');
        ws(); pos++;                  // ':'
        o.set(k, value());
        ws();
        if (text[pos++] === '}') return o;
      }
    }
    if (c === '[') {
      const a = [];
      pos++; ws();
      if (text[pos] === ']') { pos++; return a; }
      for (;;) {
        a.push(value());
        ws();
        if (text[pos++] === ']') return a;
      }
    }
    const m = /^(true|false|null|-?[0-9.eE+-]+)/.exec(text.slice(pos));
    pos += m[0].length;
    return { literal: m[0] };         // a number, true, false or null
  }
  const o = value();
  if (!(o instanceof Map)) throw new BadLine(i + 1, 'not an object');
  const s = (f) => {
    if (typeof o.get(f) !== 'string') throw new BadLine(i + 1, `bad ${f}`);
    return bytesOf(o.get(f));
  };
  const op = o.get('op');
  if (op !== 'set' && op !== 'delete') throw new BadLine(i + 1, 'bad op');
  const ev = { op, bucket: s('bucket'), key: s('key') };
  if (op === 'delete') return ev;
  if (o.has('value') && o.has('value_b64')) throw new BadLine(i + 1, 'both values');
  if (o.has('value')) ev.value = s('value');
  else if (o.has('value_b64')) {
    const b64 = o.get('value_b64');
    if (typeof b64 !== 'string' || !/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64))
      throw new BadLine(i + 1, 'bad value_b64');
    ev.value = new Uint8Array(Buffer.from(b64, 'base64'));
  } else ev.value = new Uint8Array(0);
  return ev;
}

// One line: null (skip) or {op, bucket, key, value}.
function parseLine(b) {
  if (b.length > 0 && b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1);
  let i = skipBlanks(b, 0);
  if (i === b.length || b[i] === 0x23) return null;
  if (b[i] === 0x7b) return parseJson(b, i);
  let j = i;
  while (j < b.length && !isBlank(b[j])) j++;
  const op = Buffer.from(b.subarray(i, j)).toString('latin1');
  if (op !== 'set' && op !== 'delete') throw new BadLine(i + 1, 'unknown op');
  i = skipBlanks(b, j);
  if (i === b.length) throw new BadLine(i + 1, 'missing bucket');
  const [bucket, bi] = parseToken(b, i);
  if (!isUtf8(bucket)) throw new BadLine(i + 1, 'bucket is not valid UTF-8');
  i = skipBlanks(b, bi);
  if (i === b.length) throw new BadLine(i + 1, 'missing key');
  const [k, ki] = parseToken(b, i);
  if (!isUtf8(k)) throw new BadLine(i + 1, 'key is not valid UTF-8');
  i = skipBlanks(b, ki);
  if (op === 'delete') {
    if (i !== b.length) throw new BadLine(i + 1, 'junk after delete');
    return { op, bucket, key: k };
  }
  let value = new Uint8Array(0);
  if (i < b.length) {
    if (b[i] === 0x22) {
      const [v, vi] = parseQuoted(b, i);
      if (skipBlanks(b, vi) !== b.length) throw new BadLine(vi + 1, 'junk after value');
      value = v;
    } else {
      value = b.slice(i);
    }
  }
  return { op, bucket, key: k, value };
}

// ---- the store -------------------------------------------------------------

// buckets: Map name(latin1) -> Map key(latin1) -> Uint8Array (never mutated)
let store = new Map();
const snapshot = () => new Map([...store].map(([n, m]) => [n, new Map(m)]));
function openBucket(name) {
  const n = key(name);
  if (!store.has(n)) store.set(n, new Map());
  return n;
}

let records = [];   // the current event's output lines

function storeSet(bn, k, v) {
  const m = store.get(bn);
  const kk = key(k);
  m.set(kk, v);               // an existing key keeps its place (Map semantics)
  records.push((json ? jsonSet : setLine)(unkey(bn), k, v));
}
function storeDelete(bn, k) {
  const m = store.get(bn);
  const kk = key(k);
  if (!m.has(kk)) return false;
  m.delete(kk);
  records.push((json ? jsonDelete : deleteLine)(unkey(bn), k));
  return true;
}

// ---- the guest -------------------------------------------------------------

let MAX_HANDLES = 65536;     // --max-handles
let MAX_VALUE = 67108864;    // --max-value

let guest, mem, handles, nextHandle;

function newHandle(res) {
  if (handles.size >= MAX_HANDLES) return 0;
  const h = nextHandle++;
  handles.set(h, res);
  return h;
}
const get = (h, kind) => { const r = handles.get(h); return r && r.kind === kind ? r : null; };

const view = () => new DataView(mem.buffer);
function span(ptr, len, align) {
  ptr >>>= 0; len >>>= 0;
  if (ptr % align !== 0) trap('misaligned pointer');
  if (ptr + len > mem.buffer.byteLength) trap('out of bounds');
  return ptr;
}
function lift(ptr, len) { span(ptr, len, 1); return new Uint8Array(mem.buffer, ptr >>> 0, len >>> 0).slice(); }
function liftString(ptr, len) {
  const b = lift(ptr, len);
  if (!isUtf8(b)) trap('invalid UTF-8 string');
  return b;
}
function liftStrings(ptr, n) {
  span(ptr, n * 8, 4);
  const out = [];
  for (let i = 0; i < n; i++) {
    const dv = view();
    out.push(liftString(dv.getUint32(ptr + 8 * i, true), dv.getUint32(ptr + 8 * i + 4, true)));
  }
  return out;
}
function alloc(align, size) {
  const p = guest.realloc(0, 0, align, size) >>> 0;
  if (p % align !== 0 || p + size > mem.buffer.byteLength) trap('realloc result out of bounds');
  return p;
}
function lowerBytes(b) {
  const p = alloc(1, b.length);
  new Uint8Array(mem.buffer).set(b, p);
  return p;
}

// An error handle with trace text; making one when the table is full traps.
function newError(text) {
  const h = newHandle({ kind: 'error', text: bytesOf(text) });
  if (h === 0) trap('too many live handles');
  return h;
}
const keyError = (what, k, bn) => newError(`${what}: ${quote(k)} in bucket ${quote(unkey(bn))}`);

function bucketOr(h, ret) {
  const r = get(h, 'bucket');
  if (r) return r.name;
  errAt(ret, 4, newError(`invalid bucket handle ${h}`));
  return null;
}
function errAt(ret, off, h) {
  const dv = view();
  dv.setUint8(ret, 1);
  dv.setUint32(ret + off, h, true);
}
function okHandle(ret, h, hard) {   // a new handle, or the handle-limit error
  if (h === 0) { if (hard) trap('too many live handles'); errAt(ret, 4, newError('too many live handles')); return; }
  const dv = view();
  dv.setUint8(ret, 0);
  dv.setUint32(ret + 4, h, true);
}

function isCounter(v) {
  if (v.length < 1 || v.length > 20 || !v.every((c) => c >= 0x30 && c <= 0x39)) return false;
  return BigInt(Buffer.from(v).toString('latin1')) < (1n << 64n);
}
const u64 = (x) => BigInt.asUintN(64, x);

// stream-error: tag 1 and a zero payload byte, at the payload's offset (4
// for read's result, 8 where the ok case holds a u64).
function streamErr(ret, off = 8) { const dv = view(); dv.setUint8(ret, 1); dv.setUint8(ret + off, 0); }
function outBody(h) {                 // the outgoing-value of an output stream, or null
  const s = get(h, 'out');
  if (!s) return null;
  const ov = handles.get(s.ov);
  return ov && ov.kind === 'ov' && ov === s.target ? ov : null;
}
function appendBody(ov, b) {
  if (ov.body.length + b.length > MAX_VALUE) return false;
  const nb = new Uint8Array(ov.body.length + b.length);
  nb.set(ov.body); nb.set(b, ov.body.length);
  ov.body = nb;
  return true;
}
function takeIn(s, len) {             // up to len bytes of input stream s
  const rest = s.bytes.length - s.pos;
  const n = Number(len > BigInt(rest) ? BigInt(rest) : len);
  const b = s.bytes.subarray(s.pos, s.pos + n);
  s.pos += n;
  return b;
}

function imports() {
  const streams = {
    read(src, len, ret) {
      span(ret, 16, 4);
      const s = get(src, 'in');
      if (!s) return streamErr(ret, 4);
      const b = takeIn(s, u64(len));
      const p = lowerBytes(b);
      const dv = view();
      dv.setUint8(ret, 0); dv.setUint32(ret + 4, p, true); dv.setUint32(ret + 8, b.length, true);
      dv.setUint8(ret + 12, s.pos === s.bytes.length ? 1 : 0);
    },
    skip(src, len, ret) {
      span(ret, 24, 8);
      const s = get(src, 'in');
      if (!s) return streamErr(ret);
      const b = takeIn(s, u64(len));
      const dv = view();
      dv.setUint8(ret, 0); dv.setBigUint64(ret + 8, BigInt(b.length), true);
      dv.setUint8(ret + 16, s.pos === s.bytes.length ? 1 : 0);
    },
    write(dst, ptr, len, ret) {
      const b = lift(ptr, len);
      span(ret, 16, 8);
      const ov = outBody(dst);
      if (!ov || !appendBody(ov, b)) return streamErr(ret);
      const dv = view();
      dv.setUint8(ret, 0); dv.setBigUint64(ret + 8, BigInt(b.length), true);
    },
    'write-repeated'(dst, byte, len, ret) {
      span(ret, 16, 8);
      const ov = outBody(dst);
      const n = u64(len);
      if (!ov || BigInt(ov.body.length) + n > BigInt(MAX_VALUE)) return streamErr(ret);
      appendBody(ov, new Uint8Array(Number(n)).fill(byte & 0xff));
      const dv = view();
      dv.setUint8(ret, 0); dv.setBigUint64(ret + 8, n, true);
    },
    splice(dst, src, len, ret) {
      span(ret, 24, 8);
      const ov = outBody(dst);
      const s = get(src, 'in');
      if (!ov || !s) return streamErr(ret);
      const rest = s.bytes.length - s.pos;
      const n = Number(u64(len) > BigInt(rest) ? BigInt(rest) : u64(len));
      if (ov.body.length + n > MAX_VALUE) return streamErr(ret);
      appendBody(ov, takeIn(s, BigInt(n)));
      const dv = view();
      dv.setUint8(ret, 0); dv.setBigUint64(ret + 8, BigInt(n), true);
      dv.setUint8(ret + 16, s.pos === s.bytes.length ? 1 : 0);
    },
    forward(dst, src, ret) {
      span(ret, 16, 8);
      const ov = outBody(dst);
      const s = get(src, 'in');
      if (!ov || !s) return streamErr(ret);
      const n = s.bytes.length - s.pos;
      if (ov.body.length + n > MAX_VALUE) return streamErr(ret);
      appendBody(ov, takeIn(s, BigInt(n)));
      const dv = view();
      dv.setUint8(ret, 0); dv.setBigUint64(ret + 8, BigInt(n), true);
    },
    'drop-input-stream'(h) { if (!get(h, 'in')) trap('invalid input-stream handle'); handles.delete(h); },
    'drop-output-stream'(h) { if (!get(h, 'out')) trap('invalid output-stream handle'); handles.delete(h); },
  };
  const error = {
    'drop-error'(h) { if (!get(h, 'error')) trap('invalid error handle'); handles.delete(h); },
    trace(h, ret) {
      span(ret, 8, 4);
      const e = get(h, 'error');
      if (!e) trap('invalid error handle');
      const p = lowerBytes(e.text);
      const dv = view();
      dv.setUint32(ret, p, true); dv.setUint32(ret + 4, e.text.length, true);
    },
  };
  const types = {
    'drop-bucket'(h) { if (!get(h, 'bucket')) trap('invalid bucket handle'); handles.delete(h); },
    'open-bucket'(ptr, len, ret) {
      const name = liftString(ptr, len);
      span(ret, 8, 4);
      okHandle(ret, newHandle({ kind: 'bucket', name: openBucket(name) }), false);
    },
    'drop-outgoing-value'(h) { if (!get(h, 'ov')) trap('invalid outgoing-value handle'); handles.delete(h); },
    'new-outgoing-value'() {
      const h = newHandle({ kind: 'ov', body: new Uint8Array(0) });
      if (h === 0) trap('too many live handles');
      return h;
    },
    'outgoing-value-write-body'(h, ret) {
      // result<output-stream>: the error case has no payload (no error
      // handle is made, for a bad handle or a full table alike)
      span(ret, 8, 4);
      const ov = get(h, 'ov');
      const s = ov ? newHandle({ kind: 'out', ov: h, target: ov }) : 0;
      const dv = view();
      dv.setUint8(ret, s === 0 ? 1 : 0);
      dv.setUint32(ret + 4, s, true);
    },
    'drop-incoming-value'(h) { if (!get(h, 'iv')) trap('invalid incoming-value handle'); handles.delete(h); },
    'incoming-value-consume-sync'(h, ret) {
      span(ret, 12, 4);
      const iv = get(h, 'iv');
      if (!iv) return errAt(ret, 4, newError(`invalid incoming-value handle ${h}`));
      if (iv.consumed) return errAt(ret, 4, newError('incoming-value already consumed'));
      iv.consumed = true;
      const p = lowerBytes(iv.bytes);
      const dv = view();
      dv.setUint8(ret, 0); dv.setUint32(ret + 4, p, true); dv.setUint32(ret + 8, iv.bytes.length, true);
    },
    'incoming-value-consume-async'(h, ret) {
      span(ret, 8, 4);
      const iv = get(h, 'iv');
      if (!iv) return errAt(ret, 4, newError(`invalid incoming-value handle ${h}`));
      if (iv.consumed) return errAt(ret, 4, newError('incoming-value already consumed'));
      const s = newHandle({ kind: 'in', bytes: iv.bytes, pos: 0 });
      if (s !== 0) iv.consumed = true;
      okHandle(ret, s, false);
    },
    size(h) {
      const iv = get(h, 'iv');
      if (!iv) trap('invalid incoming-value handle');
      return BigInt(iv.bytes.length);
    },
  };
  const readwrite = {
    get(b, kp, kl, ret) {
      const k = liftString(kp, kl);
      span(ret, 8, 4);
      const bn = bucketOr(b, ret);
      if (bn === null) return;
      const v = store.get(bn).get(key(k));
      if (v === undefined) return errAt(ret, 4, keyError('no such key', k, bn));
      okHandle(ret, newHandle({ kind: 'iv', bytes: v, consumed: false }), false);
    },
    set(b, kp, kl, ov, ret) {
      const k = liftString(kp, kl);
      span(ret, 8, 4);
      const bn = bucketOr(b, ret);
      if (bn === null) return;
      const o = get(ov, 'ov');
      if (!o) return errAt(ret, 4, newError(`invalid outgoing-value handle ${ov}`));
      storeSet(bn, k, o.body.slice());
      view().setUint8(ret, 0);
    },
    delete(b, kp, kl, ret) {
      const k = liftString(kp, kl);
      span(ret, 8, 4);
      const bn = bucketOr(b, ret);
      if (bn === null) return;
      if (!storeDelete(bn, k)) return errAt(ret, 4, keyError('no such key', k, bn));
      view().setUint8(ret, 0);
    },
    exists(b, kp, kl, ret) {
      const k = liftString(kp, kl);
      span(ret, 8, 4);
      const bn = bucketOr(b, ret);
      if (bn === null) return;
      const dv = view();
      dv.setUint8(ret, 0); dv.setUint8(ret + 4, store.get(bn).has(key(k)) ? 1 : 0);
    },
  };
  const atomic = {
    increment(b, kp, kl, delta, ret) {
      const k = liftString(kp, kl);
      span(ret, 16, 8);
      const r = get(b, 'bucket');
      if (!r) return errAt(ret, 8, newError(`invalid bucket handle ${b}`));
      const bn = r.name;
      const v = store.get(bn).get(key(k));
      let sum = u64(delta);
      if (v !== undefined) {
        if (!isCounter(v)) return errAt(ret, 8, keyError('not a counter', k, bn));
        sum = BigInt(Buffer.from(v).toString('latin1')) + u64(delta);
        if (sum >= (1n << 64n)) return errAt(ret, 8, keyError('counter overflow', k, bn));
      }
      storeSet(bn, k, bytesOf(sum.toString()));
      const dv = view();
      dv.setUint8(ret, 0); dv.setBigUint64(ret + 8, sum, true);
    },
    'compare-and-swap'(b, kp, kl, old, nw, ret) {
      const k = liftString(kp, kl);
      span(ret, 8, 4);
      const bn = bucketOr(b, ret);
      if (bn === null) return;
      const v = store.get(bn).get(key(k));
      if (v === undefined) return errAt(ret, 4, keyError('no such key', k, bn));
      if (!isCounter(v)) return errAt(ret, 4, keyError('not a counter', k, bn));
      const dv = view();
      if (BigInt(Buffer.from(v).toString('latin1')) !== u64(old)) {
        dv.setUint8(ret, 0); dv.setUint8(ret + 4, 0);
        return;
      }
      storeSet(bn, k, bytesOf(u64(nw).toString()));
      dv.setUint8(ret, 0); dv.setUint8(ret + 4, 1);
    },
  };
  const batch = {
    'get-many'(b, kp, n, ret) {
      const keys = liftStrings(kp, n);
      span(ret, 12, 4);
      const bn = bucketOr(b, ret);
      if (bn === null) return;
      const m = store.get(bn);
      const missing = keys.find((k) => !m.has(key(k)));
      if (missing) return errAt(ret, 4, keyError('no such key', missing, bn));
      if (handles.size + keys.length > MAX_HANDLES) return errAt(ret, 4, newError('too many live handles'));
      const hs = keys.map((k) => newHandle({ kind: 'iv', bytes: m.get(key(k)), consumed: false }));
      const p = alloc(4, hs.length * 4);
      const dv = view();
      hs.forEach((h, i) => dv.setUint32(p + 4 * i, h, true));
      dv.setUint8(ret, 0); dv.setUint32(ret + 4, p, true); dv.setUint32(ret + 8, hs.length, true);
    },
    'get-keys'(b, ret) {
      span(ret, 8, 4);
      const r = get(b, 'bucket');
      if (!r) trap('invalid bucket handle');
      const ks = [...store.get(r.name).keys()].map(unkey);
      const ps = ks.map((k) => lowerBytes(k));
      const p = alloc(4, ks.length * 8);
      const dv = view();
      ks.forEach((k, i) => { dv.setUint32(p + 8 * i, ps[i], true); dv.setUint32(p + 8 * i + 4, k.length, true); });
      dv.setUint32(ret, p, true); dv.setUint32(ret + 4, ks.length, true);
    },
    'set-many'(b, kp, kn, vp, vn, ret) {
      liftStrings(kp, kn);
      span(vp, vn * 12, 4);
      const pairs = [];
      for (let i = 0; i < vn; i++) {
        const dv = view();
        const k = liftString(dv.getUint32(vp + 12 * i, true), dv.getUint32(vp + 12 * i + 4, true));
        pairs.push([k, dv.getUint32(vp + 12 * i + 8, true)]);
      }
      span(ret, 8, 4);
      const bn = bucketOr(b, ret);
      if (bn === null) return;
      const bad = pairs.find(([, h]) => !get(h, 'ov'));
      if (bad) return errAt(ret, 4, newError(`invalid outgoing-value handle ${bad[1]}`));
      for (const [k, h] of pairs) storeSet(bn, k, get(h, 'ov').body.slice());
      view().setUint8(ret, 0);
    },
    'delete-many'(b, kp, n, ret) {
      const keys = liftStrings(kp, n);
      span(ret, 8, 4);
      const bn = bucketOr(b, ret);
      if (bn === null) return;
      for (const k of keys) storeDelete(bn, k);
      view().setUint8(ret, 0);
    },
  };
  return { streams, 'wasi-cloud-error': error, types, readwrite, atomic, batch };
}

// ---- names (SPEC §2: three naming schemes) -----------------------------------

// The interface an import module names: its last path segment, without a
// `cm32p2|` prefix, a package or an `@version`.
function ifaceOf(module) {
  const m = module.replace(/^cm32p2\|/, '').replace(/@[^/]*$/, '');
  return m.slice(m.lastIndexOf('/') + 1);
}

// The import object for the module's own import module names.
function importObject() {
  const byIface = imports();
  const p1 = wasiP1();
  const p2 = wasiP2();
  const obj = {};
  for (const { module } of WebAssembly.Module.imports(wasm)) {
    const p2Name = module.replace(/^cm32p2\|/, '').replace(/@0\.2\.\d+$/, '');
    if (module === 'wasi_snapshot_preview1') obj[module] = p1;
    else if (p2[p2Name]) obj[module] = p2[p2Name];
    else if (byIface[ifaceOf(module)]) obj[module] = byIface[ifaceOf(module)];
  }
  return obj;
}

// The guest's exports by role: on-set, on-delete (and their post-return
// functions), memory, realloc, initialize; undefined when absent.
function roles(ex) {
  const names = Object.keys(ex);
  const handler = (fn) => names.find((n) =>
    new RegExp(`^(cm32p2\\|)?([^#|]*/)?handle-watch(@[^#|]*)?[#|]${fn}$`).test(n));
  const post = (n) => n === undefined ? undefined
    : ex[n.startsWith('cm32p2|') ? `${n}_post` : `cabi_post_${n}`];
  const onSet = handler('on-set'), onDelete = handler('on-delete');
  return {
    onSet: ex[onSet], onSetPost: post(onSet),
    onDelete: ex[onDelete], onDeletePost: post(onDelete),
    memory: ex.memory || ex.cm32p2_memory,
    realloc: ex.cabi_realloc || ex.cm32p2_realloc,
    initialize: ex._initialize || ex.cm32p2_initialize,
  };
}

// ---- WASI preview 1 (SPEC §8.1) ------------------------------------------------

const E = { SUCCESS: 0, BADF: 8, FAULT: 21, INVAL: 28, NOSYS: 52, SPIPE: 70 };
const envPairs = [];      // --env NAME=VALUE, in order
let guestOutput = null;   // --guest-output FILE (else stderr)

// In bounds: [ptr, ptr+len) within memory (a zero-length range at ptr <= size).
const inMem = (ptr, len) => (ptr >>> 0) + (len >>> 0) <= mem.buffer.byteLength;

// What the guest writes to fd 1 and 2 (preview 1) or to stdout and stderr
// (WASI 0.2): --guest-output FILE, none, or stderr.
function guestWrite(bytes) {
  if (guestOutput === 'none') return;
  if (guestOutput !== null) appendFileSync(guestOutput, bytes);
  else process.stderr.write(bytes);
}

function wasiP1() {
  const dv = () => view();
  const envStrings = () => envPairs.map((p) => bytesOf(p));
  return {
    fd_write(fd, iovs, n, nw) {
      if (!inMem(iovs, n * 8)) return E.FAULT;
      const parts = [];
      for (let i = 0; i < n; i++) {
        const p = dv().getUint32(iovs + 8 * i, true), l = dv().getUint32(iovs + 8 * i + 4, true);
        if (!inMem(p, l)) return E.FAULT;
        parts.push(new Uint8Array(mem.buffer, p, l).slice());
      }
      if (!inMem(nw, 4)) return E.FAULT;
      if (fd !== 1 && fd !== 2) return E.BADF;
      const all = Buffer.concat(parts);
      guestWrite(all);
      dv().setUint32(nw, all.length, true);
      return E.SUCCESS;
    },
    fd_read(fd, iovs, n, nr) {
      if (!inMem(iovs, n * 8)) return E.FAULT;
      for (let i = 0; i < n; i++) {
        const p = dv().getUint32(iovs + 8 * i, true), l = dv().getUint32(iovs + 8 * i + 4, true);
        if (!inMem(p, l)) return E.FAULT;
      }
      if (!inMem(nr, 4)) return E.FAULT;
      if (fd !== 0) return E.BADF;
      dv().setUint32(nr, 0, true);
      return E.SUCCESS;
    },
    fd_fdstat_get(fd, p) {
      if (!inMem(p, 24)) return E.FAULT;
      if (fd > 2) return E.BADF;
      new Uint8Array(mem.buffer, p, 24).fill(0);
      dv().setUint8(p, 2);
      dv().setBigUint64(p + 8, 0x3fffffffn, true);
      dv().setBigUint64(p + 16, 0x3fffffffn, true);
      return E.SUCCESS;
    },
    fd_prestat_get(fd, p) { return inMem(p, 8) ? E.BADF : E.FAULT; },
    fd_seek(fd, off, whence, p) {
      if (!inMem(p, 8)) return E.FAULT;
      return fd <= 2 ? E.SPIPE : E.BADF;
    },
    fd_tell(fd, p) {
      if (!inMem(p, 8)) return E.FAULT;
      return fd <= 2 ? E.SPIPE : E.BADF;
    },
    fd_close(fd) { return fd <= 2 ? E.SUCCESS : E.BADF; },
    environ_sizes_get(cp, sp) {
      if (!inMem(cp, 4) || !inMem(sp, 4)) return E.FAULT;
      const es = envStrings();
      dv().setUint32(cp, es.length, true);
      dv().setUint32(sp, es.reduce((a, e) => a + e.length + 1, 0), true);
      return E.SUCCESS;
    },
    environ_get(envp, buf) {
      const es = envStrings();
      const size = es.reduce((a, e) => a + e.length + 1, 0);
      if (!inMem(envp, es.length * 4) || !inMem(buf, size)) return E.FAULT;
      let at = buf;
      es.forEach((e, i) => {
        dv().setUint32(envp + 4 * i, at, true);
        new Uint8Array(mem.buffer).set(e, at);
        dv().setUint8(at + e.length, 0);
        at += e.length + 1;
      });
      return E.SUCCESS;
    },
    args_sizes_get(cp, sp) {
      if (!inMem(cp, 4) || !inMem(sp, 4)) return E.FAULT;
      dv().setUint32(cp, 0, true);
      dv().setUint32(sp, 0, true);
      return E.SUCCESS;
    },
    clock_res_get(id, p) {
      if (!inMem(p, 8)) return E.FAULT;
      if (id > 3) return E.INVAL;
      dv().setBigUint64(p, 1n, true);
      return E.SUCCESS;
    },
    clock_time_get(id, prec, p) {
      if (!inMem(p, 8)) return E.FAULT;
      if (id > 3) return E.INVAL;
      dv().setBigUint64(p, process.hrtime.bigint(), true);
      return E.SUCCESS;
    },
    random_get(buf, len) {
      if (!inMem(buf, len)) return E.FAULT;
      return E.SUCCESS;
    },
    sched_yield() { return E.SUCCESS; },
    poll_oneoff(inp, outp, n, np) {
      if (!inMem(inp, n * 48) || !inMem(outp, n * 32) || !inMem(np, 4)) return E.FAULT;
      if (n === 0) return E.INVAL;
      trap('poll_oneoff with subscriptions: not in this test');
    },
    path_open() { return E.NOSYS; },
    proc_exit(code) { trap(`guest called proc_exit(${code >>> 0})`); },
  };
}

// ---- WASI 0.2 imported by the guest (SPEC §8.3) ------------------------------------
// Resources share the handle table (kinds p2out, p2in, poll); a bad handle
// traps. Output streams accept everything and write where fd 1/2 write;
// input streams are closed. Results follow the canonical ABI: result<T,
// stream-error> with stream-error's `closed` case = variant tag 1.

function p2Handle(res) {
  const h = newHandle(res);
  if (h === 0) trap('too many live handles');
  return h;
}
function p2Need(h, kind) {
  const r = get(h, kind);
  if (!r) trap(`invalid ${kind} handle`);
  return r;
}
function p2Drop(h, kind) { p2Need(h, kind); handles.delete(h); }
const monoNow = () => process.hrtime.bigint();
// A list of bytes/strings/records lowered through realloc: [ptr, len].
function lowerList(align, elemSize, n, fill) {
  const p = alloc(align, elemSize * n);
  fill(p);
  return p;
}

function wasiP2() {
  const dv = () => view();
  const okUnit = (ret) => { span(ret, 12, 4); dv().setUint8(ret, 0); };
  const closed = (ret, size, align, off) => {
    span(ret, size, align);
    dv().setUint8(ret, 1); dv().setUint8(ret + off, 1);
  };
  const write = (s, ptr, len, ret) => {
    const b = lift(ptr, len);
    span(ret, 12, 4);
    p2Need(s, 'p2out');
    guestWrite(b);
    okUnit(ret);
  };
  const flush = (s, ret) => { span(ret, 12, 4); p2Need(s, 'p2out'); okUnit(ret); };
  const zeroes = (s, n, ret) => {
    span(ret, 12, 4);
    p2Need(s, 'p2out');
    guestWrite(new Uint8Array(Number(u64(n))));
    okUnit(ret);
  };
  const splice = (s, src, n, ret) => {
    span(ret, 16, 8);
    p2Need(s, 'p2out');
    p2Need(src, 'p2in');
    closed(ret, 16, 8, 8);
  };
  const read = (s, n, ret) => { span(ret, 12, 4); p2Need(s, 'p2in'); closed(ret, 12, 4, 4); };
  const skip = (s, n, ret) => { span(ret, 16, 8); p2Need(s, 'p2in'); closed(ret, 16, 8, 8); };
  const ready = (p) => p.deadline === null || monoNow() >= p.deadline;
  const pollable = (deadline) => p2Handle({ kind: 'poll', deadline });
  const randomBytes = (n, ret) => {
    span(ret, 8, 4);
    const len = Number(u64(n));
    const p = alloc(1, len);
    dv().setUint32(ret, p, true); dv().setUint32(ret + 4, len, true);
  };
  const noneOption = (ret) => { span(ret, 8, 4); dv().setUint8(ret, 0); };
  const datetime = (ret, secs, nanos) => {
    span(ret, 16, 8);
    dv().setBigUint64(ret, secs, true); dv().setUint32(ret + 8, nanos, true);
  };
  const emptyList = (align) => (ret) => {
    span(ret, 8, 4);
    const p = alloc(align, 0);
    dv().setUint32(ret, p, true); dv().setUint32(ret + 4, 0, true);
  };
  return {
    'wasi:cli/stdout': { 'get-stdout': () => p2Handle({ kind: 'p2out', fd: 1 }) },
    'wasi:cli/stderr': { 'get-stderr': () => p2Handle({ kind: 'p2out', fd: 2 }) },
    'wasi:cli/stdin': { 'get-stdin': () => p2Handle({ kind: 'p2in' }) },
    'wasi:cli/terminal-stdin': { 'get-terminal-stdin': noneOption },
    'wasi:cli/terminal-stdout': { 'get-terminal-stdout': noneOption },
    'wasi:cli/terminal-stderr': { 'get-terminal-stderr': noneOption },
    'wasi:cli/environment': {
      'get-environment'(ret) {
        span(ret, 8, 4);
        const pairs = envPairs.map((e) => {
          const eq = e.indexOf('=');
          return [bytesOf(e.slice(0, eq)), bytesOf(e.slice(eq + 1))];
        });
        const lowered = pairs.map(([k, v]) => [lowerBytes(k), k.length, lowerBytes(v), v.length]);
        const p = lowerList(4, 16, pairs.length, (at) => lowered.forEach((q, i) =>
          q.forEach((w, j) => dv().setUint32(at + 16 * i + 4 * j, w, true))));
        dv().setUint32(ret, p, true); dv().setUint32(ret + 4, pairs.length, true);
      },
      'get-arguments': emptyList(4),
      'initial-cwd'(ret) { span(ret, 12, 4); dv().setUint8(ret, 0); },
    },
    'wasi:cli/exit': { exit(e) { trap(`guest called exit(${e ? 'err' : 'ok'})`); } },
    'wasi:io/streams': {
      '[method]output-stream.check-write'(s, ret) {
        span(ret, 16, 8);
        p2Need(s, 'p2out');
        dv().setUint8(ret, 0); dv().setBigUint64(ret + 8, 1048576n, true);
      },
      '[method]output-stream.write': write,
      '[method]output-stream.blocking-write-and-flush': write,
      '[method]output-stream.flush': flush,
      '[method]output-stream.blocking-flush': flush,
      '[method]output-stream.write-zeroes': zeroes,
      '[method]output-stream.blocking-write-zeroes-and-flush': zeroes,
      '[method]output-stream.splice': splice,
      '[method]output-stream.blocking-splice': splice,
      '[method]output-stream.subscribe'(s) { p2Need(s, 'p2out'); return pollable(null); },
      '[method]input-stream.read': read,
      '[method]input-stream.blocking-read': read,
      '[method]input-stream.skip': skip,
      '[method]input-stream.blocking-skip': skip,
      '[method]input-stream.subscribe'(s) { p2Need(s, 'p2in'); return pollable(null); },
      '[resource-drop]input-stream'(s) { p2Drop(s, 'p2in'); },
      '[resource-drop]output-stream'(s) { p2Drop(s, 'p2out'); },
    },
    'wasi:io/error': {
      '[method]error.to-debug-string'(e, ret) { span(ret, 8, 4); p2Need(e, 'p2error'); },
      '[resource-drop]error'(e) { p2Drop(e, 'p2error'); },
    },
    'wasi:io/poll': {
      poll(ptr, n, ret) {
        span(ptr, n * 4, 4);
        span(ret, 8, 4);
        const ps = [];
        for (let i = 0; i < n; i++) ps.push(p2Need(dv().getUint32(ptr + 4 * i, true), 'poll'));
        if (n === 0) trap('poll of no pollables');
        let idx = [];
        for (;;) {
          idx = ps.flatMap((p, i) => (ready(p) ? [i] : []));
          if (idx.length > 0) break;
        }
        const p = lowerList(4, 4, idx.length, (at) => idx.forEach((v, i) => dv().setUint32(at + 4 * i, v, true)));
        dv().setUint32(ret, p, true); dv().setUint32(ret + 4, idx.length, true);
      },
      '[method]pollable.ready'(h) { return ready(p2Need(h, 'poll')) ? 1 : 0; },
      '[method]pollable.block'(h) { const p = p2Need(h, 'poll'); while (!ready(p)); },
      '[resource-drop]pollable'(h) { p2Drop(h, 'poll'); },
    },
    'wasi:clocks/wall-clock': {
      now(ret) {
        const ms = BigInt(Date.now());
        datetime(ret, ms / 1000n, Number(ms % 1000n) * 1000000);
      },
      resolution(ret) { datetime(ret, 0n, 1); },
    },
    'wasi:clocks/monotonic-clock': {
      now: () => monoNow(),
      resolution: () => 1n,
      'subscribe-instant': (t) => pollable(u64(t)),
      'subscribe-duration': (d) => pollable(monoNow() + u64(d)),
    },
    'wasi:random/random': { 'get-random-bytes': randomBytes, 'get-random-u64': () => 4n },
    'wasi:random/insecure': {
      'get-insecure-random-bytes': randomBytes, 'get-insecure-random-u64': () => 4n,
    },
    'wasi:random/insecure-seed': {
      'insecure-seed'(ret) { span(ret, 16, 8); dv().setBigUint64(ret, 1n, true); },
    },
    'wasi:filesystem/preopens': { 'get-directories': emptyList(4) },
    'wasi:filesystem/types': {
      'filesystem-error-code'(e, ret) { span(ret, 2, 1); p2Need(e, 'p2error'); },
    },
  };
}

// ---- main loop ---------------------------------------------------------------

const argv = process.argv.slice(2);
const wasm = new WebAssembly.Module(readFileSync(argv.shift()));
let save = null, onTrap = 'continue', load = null, skipBad = false;
const files = [];
while (argv.length) {
  const a = argv.shift();
  if (a === '--save') save = argv.shift();
  else if (a === '--on-trap') onTrap = argv.shift();
  else if (a === '--format') json = argv.shift() === 'json';
  else if (a === '--load') load = argv.shift();
  else if (a === '--skip-bad') skipBad = true;
  else if (a === '--env') envPairs.push(argv.shift());
  else if (a === '--max-handles') MAX_HANDLES = Number(argv.shift());
  else if (a === '--max-value') MAX_VALUE = Number(argv.shift());
  else if (a === '--guest-output') guestOutput = argv.shift();
  else files.push(a);
}

// --guest-output FILE is opened (created) before the guest starts.
if (guestOutput !== null && guestOutput !== 'none') appendFileSync(guestOutput, '');

const imp = importObject();

let out = '';
let status = 0;
function finish() {
  process.stdout.write(out);
  if (save !== null && status !== 5) {
    let s = '';
    for (const [bn, m] of store)
      for (const [k, v] of m) s += setLine(unkey(bn), unkey(k), v);
    writeFileSync(save, s);
  }
  process.exit(status);
}

// Lines of a file, each with its number.
function* linesOf(data) {
  let lineNo = 0;
  for (let start = 0; start < data.length;) {
    let end = data.indexOf(0x0a, start);
    if (end < 0) end = data.length;
    const line = new Uint8Array(data.subarray(start, end));
    start = end + 1;
    yield [line, ++lineNo];
  }
}

// --load: the events applied to the store, no handlers, no output.
if (load !== null) {
  for (const [line] of linesOf(readFileSync(load))) {
    const ev = parseLine(line);     // the test's load files are well formed
    if (ev === null) continue;
    const bn = openBucket(ev.bucket);
    if (ev.op === 'set') store.get(bn).set(key(ev.key), ev.value);
    else store.get(bn).delete(key(ev.key));
  }
}

// A fresh instance, then its initialize export, whose mutations are
// applied and printed; a trap there is a failure to start (exit 5), its
// mutations neither kept nor printed.
function instantiate() {
  handles = new Map();
  nextHandle = 1;
  const before = snapshot();
  records = [];
  try {
    guest = roles(new WebAssembly.Instance(wasm, imp).exports);
    mem = guest.memory;
    if (guest.initialize) guest.initialize();
  } catch (e) {
    if (!(e instanceof Trap) && !(e instanceof WebAssembly.RuntimeError) && !(e instanceof RangeError)) throw e;
    store = before;
    process.stderr.write(`app: the guest failed to start: ${e.message}\n`);
    status = 5;
    finish();
  }
  out += records.join('');
}
instantiate();

if (files.length === 0) files.push('-');
for (const arg of files) {
  const file = arg === '-' ? '<stdin>' : arg;
  const data = readFileSync(arg === '-' ? 0 : arg);
  for (const [line, lineNo] of linesOf(data)) {
    let ev;
    try {
      ev = parseLine(line);
    } catch (e) {
      if (!(e instanceof BadLine)) throw e;
      process.stderr.write(`app: ${file}:${lineNo}:${e.col}: ${e.message}\n`);
      if (skipBad) continue;
      status = 3;
      finish();
    }
    if (ev === null) continue;
    const bn = openBucket(ev.bucket);
    if (ev.op === 'set') store.get(bn).set(key(ev.key), ev.value);
    else store.get(bn).delete(key(ev.key));
    const before = snapshot();
    records = [];
    const owned = [];
    try {
      const bh = newHandle({ kind: 'bucket', name: bn });
      if (bh === 0) trap('too many live handles');
      owned.push(bh);
      let ivh = 0;
      if (ev.op === 'set') {
        ivh = newHandle({ kind: 'iv', bytes: ev.value, consumed: false });
        if (ivh === 0) trap('too many live handles');
        owned.push(ivh);
      }
      const kp = lowerBytes(ev.key);
      if (ev.op === 'set') {
        guest.onSet(bh, kp, ev.key.length, ivh);
        if (guest.onSetPost) guest.onSetPost();
      } else {
        guest.onDelete(bh, kp, ev.key.length);
        if (guest.onDeletePost) guest.onDeletePost();
      }
      for (const h of owned) handles.delete(h);
      out += records.join('');
    } catch (e) {
      if (!(e instanceof Trap) && !(e instanceof WebAssembly.RuntimeError) && !(e instanceof RangeError)) throw e;
      store = before;
      process.stderr.write(`app: ${file}:${lineNo}: trap in ${ev.op === 'set' ? 'on-set' : 'on-delete'} ` +
        `(bucket ${quote(ev.bucket)}, key ${quote(ev.key)}): ${e.message}\n`);
      if (onTrap === 'stop') { status = 1; finish(); }
      instantiate();
    }
  }
}
finish();
