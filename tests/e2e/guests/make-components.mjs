// tests/e2e/guests/make-components.mjs - regenerates the component fixtures
// audit-component.wasm and streams-component.wasm: the sample guests
// (build/samples/*.wasm, `make samples`) wrapped by wit-component, through
// jco's JS API, so that the e2e suite covers component input (SPEC §1).
// Not run by the suite (it needs npm); run it by hand, from the repository
// root, after changing a sample or the WIT (keep node_modules out of the
// tree):
//   mkdir -p /tmp/jco && (cd /tmp/jco && npm install @bytecodealliance/jco)
//   make samples
//   NODE_PATH=/tmp/jco/node_modules node tests/e2e/guests/make-components.mjs
import { createRequire } from 'module';
import { readFileSync, writeFileSync } from 'fs';

const require = createRequire(process.env.NODE_PATH
    ? `${process.env.NODE_PATH}/` : import.meta.url);
const jcoPath = require.resolve('@bytecodealliance/jco');
const { componentEmbed, componentNew } = await import(jcoPath);

const witSource = readFileSync('wit/keyvalue-handle-watch.wit', 'utf8');
for (const name of ['audit', 'streams']) {
    const binary = readFileSync(`build/samples/${name}.wasm`);
    const embedded = await componentEmbed({
        binary, witSource, world: 'keyvalue-handle-watch', stringEncoding: 'utf8',
    });
    const component = await componentNew(embedded, []);
    writeFileSync(`tests/e2e/guests/${name}-component.wasm`, component);
    console.log(`tests/e2e/guests/${name}-component.wasm: ${component.length} bytes`);
}
