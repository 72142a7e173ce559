export * from './store.js';
export * from './accounts.js';
export * from './authority.js';
export * from './coordinator.js';
export * from './server.js';
export * from './rpc.js';
export * from './host-agent.js';
export * from './player-agent.js';
