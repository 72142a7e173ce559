/**
 * `warp-p2p/coordinator`: the coordinator (accounts, the CA that certifies hosts, tickets, map leases and
 * failover) as a stream over WebSockets or over any connections, with its stores; and the agents that hosts and
 * players run against it. What `warp-p2p coordinator` runs.
 *
 * @example
 * import { coordinatorServer$, createFileStore, loadAccounts, loadOrCreateAuthority } from 'warp-p2p/coordinator';
 * import { defaultConfig } from 'warp-p2p';
 *
 * const authority = await loadOrCreateAuthority('coordinator-data', Date.now());
 * coordinatorServer$(
 *   { store: createFileStore('coordinator-data'), authority, accounts: loadAccounts('accounts.json', { allowGuests: false }),
 *     serviceKey: process.env.VPS_KEY ?? null, config: defaultConfig },
 *   { host: '127.0.0.1', port: 7000 },
 * ).subscribe((event) => console.log(event.event)); // listening, host.registered, …
 *
 * @packageDocumentation
 */

export { type HostRecord, type Lease, type CoordinatorStore, createMemoryStore, nextLease } from './store.js';
export { createFileStore } from './file-store.js';
export {
  type Account,
  type Accounts,
  type AccountsOptions,
  type Role,
  addAccount,
  loadAccounts,
} from './accounts.js';
export { type Authority, loadOrCreateAuthority } from './authority.js';
export {
  type Connection,
  type CoordinatorDeps,
  type CoordinatorEvent,
  runCoordinator,
} from './coordinator.js';
export {
  AUTH_TIMEOUT_CLOSE_CODE,
  type CoordinatorServerEvent,
  type ListenOptions,
  coordinatorServer$,
} from './server.js';
export { type RpcChannel, connectRpc } from './rpc.js';
export {
  type HeldLeases,
  type HostAgentConfig,
  type HostAgentEvent,
  heartbeatLoads,
  heldLeases,
  hostAgent$,
  reduceHeldLeases,
} from './host-agent.js';
export {
  type HostReport,
  type PlayerAgentConfig,
  type PlayerAgentEvent,
  playerAgent$,
} from './player-agent.js';
export { type ReconnectConfig, reconnectToCoordinator } from './reconnect.js';
