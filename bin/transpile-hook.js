// A module loader hook: TypeScript → JavaScript with esbuild, names left as written.
//
// Why not tsx's own transform: tsx runs esbuild with keepNames, which wraps every named closure in a call that
// redefines its `name`, and V8 then gives each such closure instance its own property array. A host creates a few
// dozen closures per connection (its channel and pipelines), so that was about 15 KiB of heap per connected
// client. tsx still resolves modules (`./x.js` → `./x.ts`); this hook only replaces how a .ts file is loaded.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

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
