export * from './duplex.js';
export * from './ws-duplex.js';
export * from './settings.js';
export * from './inbound.js';
export * from './outbound.js';
export * from './handshake.js';
export * from './channel.js';
export * from './session.js';
