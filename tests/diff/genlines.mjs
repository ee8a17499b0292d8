// tests/diff/genlines.mjs - random event lines, most of them malformed,
// for the differential test's parser cases: pieces of text-event syntax
// (blanks, quotes, escapes good and bad, controls, UTF-8 and not, \r, #)
// strung after a few op prefixes.
//
//   node genlines.mjs SEED LINES > lines.txt
const [seed, count] = process.argv.slice(2).map(Number);
let state = BigInt(seed) + 12345n;
function rnd(n) {
  state = (state * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
  return Number((state >> 33n) % BigInt(n));
}
// latin1 strings: one char per byte
const pieces = [' ', '\t', '"', '\\', 'x', 'n', '0', 'a', 'b', '\r', '\x01', '\x7f', '\xc3\xa9',
  '\xff', '\xc3', '#', '\\x4', '\\x41', '\\xZZ', '\\xfF', '\\"', 'k', '  ', 'v a l', '"q"', '\\n',
  '\\0', '\\t', '\\r', '\\\\', '\xe2\x82\xac', '\xed\xa0\x80', '\\q', '""'];
const prefixes = ['set ', 'delete ', 'set\t', ' set ', 'sett ', '', 'set  b ', 'set "b" ',
  'delete b ', 'set b k ', '#set b k v', 'SET b k '];
const out = [];
for (let i = 0; i < count; i++) {
  let l = prefixes[rnd(prefixes.length)];
  const n = rnd(8);
  for (let j = 0; j < n; j++) l += pieces[rnd(pieces.length)];
  out.push(l);
}
process.stdout.write(Buffer.from(out.join('\n') + '\n', 'latin1'));
