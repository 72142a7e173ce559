#!/usr/bin/env node
// The installed entry: load TypeScript (load-typescript.js), then run the CLI.
import './load-typescript.js';

await import('./main.ts');
