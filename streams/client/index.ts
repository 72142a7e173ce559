export * from './client.js';
export * from './connection-state.js';
export * from './connector.js';
export * from './debug-commands.js';
export * from './map-link.js';
export * from './metrics.js';
export * from './client-events.js';
export { LATENCY_SUSTAIN_MS, describeStatus } from './client-events.js';
