// tests/diff/jsonnorm.mjs - JSON output lines re-serialised (SPEC §7: JSON
// output is compared by meaning, not bytes): node jsonnorm.mjs < in > out
import { readFileSync } from 'node:fs';
const text = readFileSync(0, 'utf8');
for (const line of text.split('\n'))
  if (line !== '') process.stdout.write(JSON.stringify(JSON.parse(line)) + '\n');
