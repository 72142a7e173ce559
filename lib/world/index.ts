export * from './world.js';
export * from './checkpoint.js';
export * from './map-state.js';
export * from './input-queue.js';
export * from './replica.js';
export * from './restore.js';
export * from './bundle-inputs.js';
