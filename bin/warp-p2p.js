#!/usr/bin/env -S node --v8-pool-size=0
// The installed entry: load TypeScript (load-typescript.js), then run the CLI.
// --v8-pool-size=0 sizes V8's helper threads to the cores this process may use. Node's default is four: on a
// host pinned to one core they contend with the tick loop for it (about 15% of its CPU at 1000 players, and
// ticks late while the GC marks).
import './load-typescript.js';

await import('./main.ts');
