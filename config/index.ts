export * from './codecs.js';
export * from './schema.js';
export * from './load-config.js';
