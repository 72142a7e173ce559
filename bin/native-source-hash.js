// `node bin/native-source-hash.js`: the SHA-256 of what the native module is built from, binding.gyp and the
// sources it names. `npm run build:native` writes it beside the prebuilds (prebuilds/source.sha256), and the
// native spec fails when the sources have changed since: a prebuild is never older than the C it is said to be.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const gyp = readFileSync(new URL('binding.gyp', root));
const hash = createHash('sha256').update(gyp);
for (const target of JSON.parse(gyp.toString()).targets)
  for (const source of target.sources) hash.update(readFileSync(new URL(source, root)));
console.log(hash.digest('hex'));
