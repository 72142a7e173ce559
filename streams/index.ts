export * from './session/index.js';
export * from './coordinator/index.js';
export * from './host/index.js';
export * from './client/index.js';
