// `node --import ./bin/load-typescript.js file.ts`: runs the TypeScript sources (what the CLI and the benchmarks
// use). tsx resolves modules; transpile-hook.js transpiles them (see there for why not tsx's transform).
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
// Registered last, so its load hook runs first.
register('./transpile-hook.js', import.meta.url);
process.setSourceMapsEnabled(true);
