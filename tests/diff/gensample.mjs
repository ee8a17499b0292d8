// tests/diff/gensample.mjs - random text event streams for the sample guests
// (samples/*), for the differential test (tests/diff/run.sh): keys and
// values drawn from what the samples react to (their commands, trigger keys
// and values, counters, words), awkward bytes, deletes of keys set before.
//   node gensample.mjs SEED N > events.txt
const [seed, n] = process.argv.slice(2).map(Number);
let x = (seed * 2654435761) >>> 0 || 1;
const rnd = (k) => {                 // xorshift32: the same stream for a seed
  x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
  return x % k;
};
const pick = (a) => a[rnd(a.length)];

const buckets = ['b', 'c', 'words', 'out', '"sp ace"', '""', '\\xc3\\xbc', 'log', 'js'];
const keys = ['k1', 'k2', 'a', 'b', 'n', 'deletes', 'ret', 'env', 'greet', 'warn', 'time',
  'panic', 'exit', 'boom', 'throw', '"x y"', 'sets/k1', 'last', '"q\\"t"', '\\xe2\\x82\\xac',
  'cpp', 'count', 'sorted:k1'];
const words = ['one', 'two', 'three', 'two', 'zebra', 'apple', 'été'];

function value() {
  switch (rnd(16)) {
  case 0: return `inc ${pick(keys)} ${rnd(100)}`;
  case 1: return `cas ${pick(keys)} ${rnd(5)} ${rnd(100)}`;
  case 2: return `getmany ${pick(keys)} ${pick(keys)}`;
  case 3: return 'keys';
  case 4: return `setmany ${pick(keys)}=${rnd(9)} ${pick(keys)}=${pick(words)}`;
  case 5: return `delmany ${pick(keys)} ${pick(keys)}`;
  case 6: return pick(['consume', 'buckets', 'values', 'missing', 'stream', 'trace-me', 'throw']);
  case 7: return String(rnd(1000));
  case 8: return pick(['18446744073709551615', '18446744073709551616', '007', '0', '']);
  case 9: return Array.from({ length: 1 + rnd(6) }, () => pick(words)).join(' ');
  case 10: return `{"n":${rnd(50)}}`;
  case 11: return '"tab\\there  trailing  "';
  case 12: return '"\\x00\\xff raw \\x7f"';
  case 13: return 'x'.repeat(rnd(30) === 0 ? 66000 + rnd(30000) : rnd(300));    // past a page
  default: return pick(words) + rnd(10);
  }
}

const lines = [];
const live = [];
for (let i = 0; i < n; i++) {
  if (live.length > 0 && rnd(5) === 0) {
    const [b, k] = live.splice(rnd(live.length), 1)[0];
    lines.push(`delete ${b} ${k}`);
    continue;
  }
  const b = pick(buckets), k = pick(keys);
  lines.push(`set ${b} ${k} ${value()}`);
  live.push([b, k]);
}
process.stdout.write(lines.join('\n') + '\n');
