export * from './limits.js';
export * from './frame.js';
export * from './hot-codecs.js';
export * from './control-codecs.js';
export * from './messages.js';
export * from './describe-errors.js';
export * from './batch.js';
