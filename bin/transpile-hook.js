// Module loader hooks: TypeScript → JavaScript with esbuild, names left as written; and, when asked, the build.
//
// Why not tsx's own transform: tsx runs esbuild with keepNames, which wraps every named closure in a call that
// redefines its `name`, and V8 then gives each such closure instance its own property array. A host creates a few
// dozen closures per connection (its channel and pipelines), so that was about 15 KiB of heap per connected
// client. tsx still resolves modules (`./x.js` → `./x.ts`); this hook only replaces how a .ts file is loaded.
// The build (tsc, dist/) has no such wrappers by construction: tsc emits no keepNames code at all.
//
// With `compiled` (WARP_COMPILED=1, see load-typescript.js), a module of the package (the folders tsconfig.build.json
// compiles) resolves to its compiled dist/ file instead: a benchmark or script in TypeScript then runs the code
// that ships. Only its own file, and the other scripts beside it (bench/, spec/), are still transpiled here.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const root = new URL('../', import.meta.url).href;
const COMPILED = /^(index\.ts$|(lib|operators|streams|config|bin)\/.*\.ts$)/;
let compiled = false;

export const initialize = (data) => {
  compiled = data?.compiled === true;
};

export const resolve = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  if (!compiled || !resolved.url.startsWith(root)) return resolved;
  const relative = resolved.url.slice(root.length);
  if (!COMPILED.test(relative)) return resolved;
  const url = `${root}dist/${relative.replace(/\.ts$/, '.js')}`;
  if (!existsSync(fileURLToPath(url)))
    throw new Error(
      `WARP_COMPILED=1: ${relative} has no compiled ${url.slice(root.length)}: run npm run build`,
    );
  return { ...resolved, url, format: 'module' };
};

export const load = async (url, context, nextLoad) => {
  const path = url.startsWith('file:') ? fileURLToPath(url.split('?')[0]) : '';
  if (!path.endsWith('.ts')) return nextLoad(url, context);
  const { code } = await transform(await readFile(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    // Stack traces point into the .ts file; the source text itself is not copied into the map.
    sourcemap: 'inline',
    sourcesContent: false,
    sourcefile: path,
    // What tsconfig.json says about emit (esbuild's transform does not read it).
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
  });
  return { format: 'module', source: code, shortCircuit: true };
};
