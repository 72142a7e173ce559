export * from './world.js';
export * from './checkpoint.js';
