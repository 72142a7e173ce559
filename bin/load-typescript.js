// `node --import ./bin/load-typescript.js file.ts`: runs the TypeScript sources (what the specs and the benchmarks
// use; the installed CLI is compiled JavaScript, dist/bin/warp-p2p.js). tsx resolves modules; transpile-hook.js
// transpiles them (see there for why not tsx's transform).
//
// WARP_COMPILED=1 runs the package's own modules from the build instead (`npm run build` first): e.g.
// `WARP_COMPILED=1 npm run bench -- host` measures the compiled host, as installed. Child processes inherit it.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
// Registered last, so its hooks run first.
register('./transpile-hook.js', import.meta.url, {
  data: { compiled: process.env['WARP_COMPILED'] === '1' },
});
process.setSourceMapsEnabled(true);
