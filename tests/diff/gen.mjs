// tests/diff/gen.mjs - random event streams for the differential test: text
// events whose values are scripts for tests/diff/script.c, over a few
// buckets and keys with awkward bytes (blanks, quotes, controls, UTF-8,
// invalid UTF-8 in values, keys that trap), so that every import, error
// text, quoting rule and rollback gets exercised.
//
//   node gen.mjs SEED EVENTS [stateless|p2] > events.txt
// stateless: no ops whose result depends on what the instance did for
// earlier events (K, u, H), so that workers sharing a stream, each with an
// instance of its own, give the single run's results. p2: WASI 0.2 ops too
// (`p ...`, for script.c built with -DSCRIPT_P2).
const [seed, count] = process.argv.slice(2, 4).map(Number);
const stateless = process.argv[4] === 'stateless';
const p2 = process.argv[4] === 'p2';

let state = BigInt(seed) * 6364136223846793005n + 1442695040888963407n;
function rnd(n) {            // 0..n-1, a 64-bit LCG
  state = (state * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
  return Number((state >> 33n) % BigInt(n));
}
const pick = (a) => a[rnd(a.length)];

const buckets = ['b', 'c', '', 'sp ace', 'q"t', 'ü'];
// Script-level keys (%HH decoded by the guest); %ff and %c0%80 are not UTF-8.
const keys = ['k1', 'k2', 'k3', 'n1', 'n2', 'log', 'k%204', '%c3%a9', '%22q', 'a%0ab'];
const badKeys = ['%ff', '%c0%80', 'x%ed%a0%80'];
const values = ['v', 'hello world', '', '%20lead', 'trail%20', '%22quoted', '7', '007', '42',
  '18446744073709551615', '18446744073709551616', 'tab%09x', 'nul%00', 'del%7f', '%ff%fe',
  '%e2%82', '%e2%82%ac', 'back%5cslash', 'semi%3bcolon', 'x%2cy%3dz', '0',
  'long-' + 'x'.repeat(70), 'longer-%ff' + 'y'.repeat(300)];
const nums = ['0', '1', '5', '42', '18446744073709551615', '9223372036854775808', '7'];

function k() { return rnd(40) === 0 ? pick(badKeys) : pick(keys); }
function list(withValues) {
  const n = rnd(4);
  const out = [];
  for (let i = 0; i < n; i++) out.push(withValues ? `${pick(keys)}=${pick(values)}` : pick(keys));
  return out.join(',');
}

function op() {
  switch (rnd(22)) {
    case 0: return `b ${pick(['b', 'c', 'other', '', '%c3%bc'])}`;
    case 1: case 2: return `g ${k()}`;
    case 3: return `G ${k()} ${1 + rnd(9)}`;
    case 4: case 5: return `s ${k()} ${pick(values)}`;
    case 6: return `S ${k()} ${pick(values)} ${pick(values)}`;
    case 7: return `d ${k()}`;
    case 8: return `e ${k()}`;
    case 9: case 10: return `i ${pick(['n1', 'n2', 'k1', pick(keys)])} ${pick(nums)}`;
    case 11: return `c ${pick(['n1', 'n2', 'k1'])} ${pick(nums)} ${pick(nums)}`;
    case 12: return `m ${list(false)}`;
    case 13: return `M ${list(true)}`;
    case 14: return `D ${list(false)}`;
    case 15: return 'k';
    case 16: return rnd(8) === 0 ? `r ${k()} 70000000 65` : `r ${k()} ${pick([rnd(12), rnd(12), 63 + rnd(4), 300])} ${pick(['65', '0', '34', '255', '10'])}`;
    case 17: return `x ${k()} ${rnd(6)}`;
    case 18: {
      const o = pick(['v', 'a', 'z', 'v', 'a', 'K', 'u', 'w', 'B', `H ${rnd(3) ? 1 + rnd(3) : 8 + rnd(16)}`]);
      return stateless && /^[KuH]/.test(o) ? 'z' : o;
    }
    case 19: return wasiOp();
    case 20: return p2 ? p2Op() : 'z';
    default: return rnd(6) === 0 ? 'T' : 'z';
  }
}

// WASI preview 1 probes (script.c's second list).
function wasiOp() {
  const fd = pick(['0', '1', '2', '3', '7']);
  switch (rnd(13)) {
    case 0: case 1: return `W ${pick(['1', '2', '1', '0', '3'])} ${pick(['out', 'line%0a', '', 'x%ffy'])}`;
    case 2: return `Z ${fd}`;
    case 3: return `O ${fd}`;
    case 4: return `F ${fd}`;
    case 5: return `P ${fd}`;
    case 6: return `Q ${fd}`;
    case 7: return 'E';
    case 8: return 'A';
    case 9: return `C ${pick(['0', '1', '2', '3', '4', '99'])}`;
    case 10: return `R ${pick(['0', '8', '100'])}`;
    case 11: return pick(['Y', 'L', 'N']);
    default: return rnd(3) === 0 ? `X ${pick(['0', '1', '4294967295'])}` : 'Y';
  }
}

// WASI 0.2 probes (script.c's third list): mostly calls that work, now and
// then one that traps.
function p2Op() {
  const fd = pick(['1', '2']);
  const text = pick(['out', 'line%0a', '', 'x%ffy', 'two words']);
  switch (rnd(14)) {
    case 0: case 1: return `p o ${fd} ${text}`;
    case 2: return `p w ${fd} ${text}`;
    case 3: return `p z ${fd} ${pick(['0', '3', '17'])}`;
    case 4: return `p i ${pick(['0', '1', '100'])}`;
    case 5: return `p s ${fd} ${pick(['0', '5'])}`;
    case 6: return 'p e';
    case 7: return 'p t';
    case 8: return 'p c';
    case 9: return `p r ${pick(['0', '16', '299'])}`;
    case 10: return 'p d';
    case 11: return stateless ? 'p d' : `p h ${rnd(3) ? 1 + rnd(2) : 6 + rnd(8)}`;
    case 12: return `p x ${pick(['0', '1'])}`;
    default: return `p ${pick(['b', 'k', 'm', 'q', 'f', 'g', 'D'])}`;
  }
}

// Text-event tokens: bare when allowed (and the coin says so), else quoted.
function hex(c) { const h = c.toString(16).padStart(2, '0'); return '\\x' + (rnd(2) ? h : h.toUpperCase()); }
function quoted(s) {
  let o = '"';
  for (const ch of Buffer.from(s, 'utf8')) {
    if (ch === 0x22) o += '\\"';
    else if (ch === 0x5c) o += '\\\\';
    else if (ch < 0x20 || ch === 0x7f) o += hex(ch);
    else o += String.fromCharCode(ch);
  }
  return o + '"';
}
function tok(s) {
  const b = Buffer.from(s, 'utf8');
  const bare = b.length > 0 && [...b].every((c) => c > 0x20 && c !== 0x22 && c !== 0x7f);
  return bare && rnd(4) !== 0 ? b.toString('latin1') : quoted(s);
}

const eventKeys = ['e1', 'e2', 'e3', 'k1', 'log', 'n1', 'sp ace'];
const lines = [];
for (let i = 0; i < count; i++) {
  const bucket = pick(buckets);
  const key = pick(eventKeys);
  if (rnd(8) === 0) {
    lines.push(rnd(4) === 0
      ? Buffer.from(JSON.stringify({ op: 'delete', bucket, key }), 'utf8').toString('latin1')
      : `delete ${tok(bucket)} ${tok(key)}`);
    continue;
  }
  const n = 1 + rnd(6);
  const ops = [];
  for (let j = 0; j < n; j++) ops.push(op());
  const script = ops.join(';');
  if (rnd(5) === 0) {
    // JSON: the script as value or value_b64; an unknown field now and then
    const o = { op: 'set', bucket, key };
    if (rnd(6) === 0) o.extra = [1, { x: 'y' }];
    if (rnd(3) === 0) o.value_b64 = Buffer.from(script, 'latin1').toString('base64');
    else o.value = script;
    lines.push(Buffer.from(JSON.stringify(o), 'utf8').toString('latin1'));
    continue;
  }
  const raw = !/^[" \t]|[ \t]$/.test(script) && rnd(3) !== 0;
  lines.push(`set ${tok(bucket)} ${tok(key)} ${raw ? script : quoted(script)}`);
}
// Lines are built as latin1 strings: one char per byte.
process.stdout.write(Buffer.from(lines.join('\n') + '\n', 'latin1'));
