// tests/e2e/guests/make-component.mjs - wraps one core module into a
// component with wit-component, through jco's JS API (SPEC §1: kvaot takes
// components too). Run by tests/components.mk at test time:
//   node tests/e2e/guests/make-component.mjs [--adapter NAME=ADAPTER.wasm]...
//        WIT IN.wasm OUT.wasm
// --adapter passes a WASI adapter to componentNew (NAME is the import
// module it replaces, e.g. wasi_snapshot_preview1), which adds it to the
// component as one more core module.
// jco is a pinned dev dependency of the tests (tests/package.json and its
// lock; `cd tests && npm ci` installs it into tests/node_modules, which is
// never committed). The JS API is used because the CLI's `embed --wit`
// crashes in some jco releases. Exits 1 with wit-component's message when
// the module does not fit the world (the 2023-names `counters` sample, say).
import { createRequire } from 'module';
import { readFileSync, writeFileSync, renameSync } from 'fs';

const usage = 'usage: node make-component.mjs [--adapter NAME=FILE]... WIT IN.wasm OUT.wasm';
const args = process.argv.slice(2);
const adapterArgs = [];
while (args[0] === '--adapter' && args.length > 1) {
    adapterArgs.push(args[1]);
    args.splice(0, 2);
}
const [witPath, inPath, outPath] = args;
if (args.length !== 3 || adapterArgs.some((a) => !a.includes('='))) {
    console.error(usage);
    process.exit(2);
}

// Resolve jco from tests/node_modules, wherever this is run from.
const require = createRequire(new URL('../../package.json', import.meta.url));
let jcoPath;
try {
    jcoPath = require.resolve('@bytecodealliance/jco');
} catch {
    console.error('make-component: @bytecodealliance/jco is not installed; run (cd tests && npm ci)');
    process.exit(1);
}
const { componentEmbed, componentNew } = await import(jcoPath);

try {
    const witSource = readFileSync(witPath, 'utf8');
    const binary = readFileSync(inPath);
    const embedded = await componentEmbed({
        binary, witSource, world: 'keyvalue-handle-watch', stringEncoding: 'utf8',
    });
    const adapters = adapterArgs.map((a) => {
        const eq = a.indexOf('=');
        return [a.slice(0, eq), readFileSync(a.slice(eq + 1))];
    });
    const component = await componentNew(embedded, adapters);
    // Write then rename, so an interrupted run leaves no half file for make.
    writeFileSync(`${outPath}.tmp`, component);
    renameSync(`${outPath}.tmp`, outPath);
} catch (e) {
    console.error(`make-component: ${inPath}: ${e && e.message ? e.message : e}`);
    process.exit(1);
}
