export * from './deflate-codec.js';
export * from './node-zlib-codec.js';
export * from './pako-codec.js';
export * from './compress-body.js';
