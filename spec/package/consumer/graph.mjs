// `node graph.mjs SPECIFIER`: imports one entry of the package and prints, as one JSON array, the path of every
// module that loaded with it: ES modules as the resolve hook saw them, CommonJS modules (winston's transports,
// node-forge) from require.cache, where require() calls inside CommonJS land without passing the hook.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'warp-graph-'));
const out = join(dir, 'resolved.txt');
register('./record-resolve.mjs', import.meta.url, { data: { out } });
await import(process.argv[2]);
const esm = readFileSync(out, 'utf8')
  .split('\n')
  .filter((url) => url.startsWith('file:'))
  .map((url) => fileURLToPath(url));
rmSync(dir, { recursive: true });
const cjs = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify([...new Set([...esm, ...cjs])]));
