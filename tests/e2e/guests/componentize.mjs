// tests/e2e/guests/componentize.mjs - a JavaScript guest into a component
// with ComponentizeJS and its default features (stdio, random, clocks,
// http, fetch-event), as a user would make it:
//   node tests/e2e/guests/componentize.mjs WIT GUEST.js OUT.wasm
// @bytecodealliance/componentize-js is a pinned dev dependency of the tests
// (tests/package.json, with @bytecodealliance/preview2-shim beside it);
// `cd tests && npm ci` installs it.
import { renameSync, writeFileSync } from 'fs';

const [witPath, sourcePath, outPath] = process.argv.slice(2);
if (outPath === undefined) {
    console.error('usage: node componentize.mjs WIT GUEST.js OUT.wasm');
    process.exit(2);
}
// An ES module only (no require condition): imported by name, which Node
// resolves from tests/node_modules, the nearest one above this file.
let componentize;
try {
    ({ componentize } = await import('@bytecodealliance/componentize-js'));
} catch (e) {
    console.error('componentize: @bytecodealliance/componentize-js is not installed; '
                  + `run (cd tests && npm ci) (${e && e.message ? e.message : e})`);
    process.exit(1);
}
try {
    const { component } = await componentize({
        sourcePath, witPath, worldName: 'keyvalue-handle-watch',
    });
    writeFileSync(`${outPath}.tmp`, component);
    renameSync(`${outPath}.tmp`, outPath);
} catch (e) {
    console.error(`componentize: ${sourcePath}: ${e && e.message ? e.message : e}`);
    process.exit(1);
}
