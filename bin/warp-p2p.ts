#!/usr/bin/env node
// The installed `warp-p2p` command: compiled to dist/bin/warp-p2p.js, which package.json's `bin` names, so the
// CLI runs as JavaScript with no TypeScript loader and no esbuild service. bin/warp-p2p.js beside this file runs
// the same CLI (main.ts) from the TypeScript sources, for the specs; both paths end in `bin/warp-p2p.js`, so
// streams/demo/cli-process.ts starts whichever matches the code it runs in.
import './main.js';
