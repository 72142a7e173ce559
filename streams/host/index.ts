export * from './session-server.js';
export * from './host-role.js';
