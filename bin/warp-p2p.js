#!/usr/bin/env node
// The CLI from the TypeScript sources (what the specs start): load TypeScript (load-typescript.js), then run it.
// The installed command is the compiled bin/warp-p2p.ts (dist/bin/warp-p2p.js, package.json's `bin`).
import './load-typescript.js';

await import('./main.ts');
