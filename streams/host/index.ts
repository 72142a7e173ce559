/**
 * `warp-p2p/host`: a P2P host or the VPS as a stream: its session server (handshakes, maps, ticks) and its agent
 * at the coordinator (registration, certificate, leases). What `warp-p2p host` and `warp-p2p vps` run.
 *
 * @example
 * import { hostRole$ } from 'warp-p2p/host';
 * import { defaultConfig } from 'warp-p2p';
 *
 * hostRole$({
 *   coordinatorUrl: 'ws://127.0.0.1:7000', hostId: 'host-1', role: 'p2p', listen: { host: '127.0.0.1', port: 0 },
 *   maps: ['forest'], capacity: 8, credentials: { account: 'hoster', password: 'pw' }, config: defaultConfig,
 * }).subscribe((event) => console.log(event.event)); // listening, coordinator, …
 *
 * @packageDocumentation
 */

export {
  type HostCredentials,
  type SessionServerConfig,
  type SessionServerEvent,
  sessionServer$,
} from './session-server.js';
export { type HostRoleConfig, type HostRoleEvent, hostRole$ } from './host-role.js';
export type { HostKind } from '../../lib/coordinator/protocol.js';
export { type AeadImplementation, aeadImplementation, aeadReason } from '../../lib/crypto/native-aes-gcm.js';
