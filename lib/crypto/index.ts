export * from './aead.js';
export * from './key-schedule.js';
export * from './key-ring.js';
export * from './pki.js';
export * from './tickets.js';
export * from './passwords.js';
export * from './frame-sealer.js';
