// tests/diff/genlines.mjs - random event lines, most of them malformed,
// for the differential test's parser cases. text: pieces of text-event
// syntax (blanks, quotes, escapes good and bad, controls, UTF-8 and not,
// \r, #) strung after a few op prefixes; json: objects with fields missing,
// repeated, unknown, of the wrong type, strings with escapes and lone
// surrogates, base64 good and bad, broken syntax now and then.
//
//   node genlines.mjs text|json SEED LINES > lines.txt
const mode = process.argv[2];
const [seed, count] = process.argv.slice(3).map(Number);
let state = BigInt(seed) + 12345n;
function rnd(n) {
  state = (state * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
  return Number((state >> 33n) % BigInt(n));
}
const pick = (a) => a[rnd(a.length)];

// latin1 strings: one char per byte
const pieces = [' ', '\t', '"', '\\', 'x', 'n', '0', 'a', 'b', '\r', '\x01', '\x7f', '\xc3\xa9',
  '\xff', '\xc3', '#', '\\x4', '\\x41', '\\xZZ', '\\xfF', '\\"', 'k', '  ', 'v a l', '"q"', '\\n',
  '\\0', '\\t', '\\r', '\\\\', '\xe2\x82\xac', '\xed\xa0\x80', '\\q', '""'];
const prefixes = ['set ', 'delete ', 'set\t', ' set ', 'sett ', '', 'set  b ', 'set "b" ',
  'delete b ', 'set b k ', '#set b k v', 'SET b k '];

function textLine() {
  let l = pick(prefixes);
  const n = rnd(8);
  for (let j = 0; j < n; j++) l += pick(pieces);
  return l;
}

// JSON pieces (UTF-8 strings, written as UTF-8)
const strs = ['"b"', '"k"', '""', '"\\u0000"', '"\\ud83d\\ude00"', '"\\ud83d"', '"\\ude00"', '"a\\nb"',
  '"\\u00e9"', '"é"', '"\\/"', '"\\""', '"x\\u007fy"', '"\\uD800\\uDC00"', '"bad\\q"', '"\\u12"',
  '"tab\t"', '"\x01"'];
const b64 = ['"aGk="', '"aGk"', '"aGk=="', '"////"', '"AA=="', '""', '"a GI="', '"QR=="', '"QQ=="',
  '"_-8="', '"aGVsbG8="', '"=aGk"'];
const anyValue = () => pick([pick(strs), pick(strs), '1', 'null', 'true', '[]', '{}', '"v"', '[1,"\\ud800"]']);

function jsonLine() {
  const fields = [];
  if (rnd(10)) fields.push(['op', pick(['"set"', '"set"', '"delete"', '"SET"', '1', '"get"'])]);
  if (rnd(10)) fields.push(['bucket', rnd(6) ? pick(['"b"', '"c"', '"é"']) : anyValue()]);
  if (rnd(10)) fields.push(['key', rnd(4) ? pick(['"k"', '"k2"', '"\\u00e9"']) : anyValue()]);
  const r = rnd(6);
  if (r === 0 || r === 1) fields.push(['value', rnd(3) ? pick(strs) : anyValue()]);
  if (r === 2 || r === 3) fields.push(['value_b64', rnd(5) ? pick(b64) : anyValue()]);
  if (r === 4) { fields.push(['value', pick(strs)]); fields.push(['value_b64', pick(b64)]); }
  if (rnd(4) === 0) fields.push([pick(['extra', 'x', 'op2', 'Value', '\\ud800']), anyValue()]);
  if (rnd(15) === 0) fields.push(['key', '"dup"']);
  for (let j = fields.length - 1; j > 0; j--) {
    if (rnd(3) === 0) [fields[j], fields[j - 1]] = [fields[j - 1], fields[j]];
  }
  let l = '{' + fields.map(([k, v]) => `"${k}"${pick([':', ' : ', ':'])}${v}`).join(pick([',', ', ', ','])) + '}';
  if (rnd(20) === 0) l = l.slice(0, -1);
  if (rnd(20) === 0) l += ' x';
  if (rnd(20) === 0) l = '  ' + l + '\t';
  return Buffer.from(l, 'utf8').toString('latin1');
}

const out = [];
for (let i = 0; i < count; i++) out.push(mode === 'json' ? jsonLine() : textLine());
process.stdout.write(Buffer.from(out.join('\n') + '\n', 'latin1'));
