export * from './errors.js';
export * from './protocol/index.js';
export * from './compression/index.js';
export * from './crypto/index.js';
export * from './world/index.js';
