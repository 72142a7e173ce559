/**
 * warp-p2p: what a game client needs. Connect a player to the coordinator, play a map on its P2P host, and follow
 * the connection (failover to the VPS included) as streams. Everything else has its own entry:
 * `warp-p2p/client` (connectors, reducers), `warp-p2p/operators`, `warp-p2p/session`, `warp-p2p/host`,
 * `warp-p2p/coordinator`, `warp-p2p/replay`. rxjs is a peer dependency: the application's own copy.
 *
 * @example
 * import { createP2PClient, describeStatus, loadConfig } from 'warp-p2p';
 *
 * const client = createP2PClient({ coordinatorUrl: 'ws://127.0.0.1:7000', player: 'ada', password: 'pw' });
 * client.state$.subscribe((status) => console.log(describeStatus(status))); // … CONNECTED p2p host-1
 * client.loadMap('forest');
 * client.move(1, 0);
 *
 * @packageDocumentation
 */

export {
  METRICS_WINDOW_MS,
  type P2PClient,
  type P2PClientDeps,
  type P2PClientOptions,
  createP2PClient,
} from './streams/client/client.js';
export {
  type ConnectionStatus,
  DISCONNECTED_STATUS,
  P2PConnectionState,
  type Server,
  type StatusEvent,
} from './streams/client/connection-state.js';
export { type ClientEvent, describeStatus } from './streams/client/client-events.js';
export type { MetricsSnapshot } from './streams/client/metrics.js';
export type { World, WorldRules } from './lib/world/world.js';
export {
  type ConfigSource,
  type LoadConfigOptions,
  defaultConfig,
  loadConfig,
} from './config/load-config.js';
export type { Config, RawConfig, SectionName } from './config/schema.js';
export {
  ERROR_CODES,
  type ErrorCategory,
  type ErrorCode,
  P2PError,
  isEndedError,
  isSecurityError,
  isStaleCredentials,
} from './lib/errors.js';
export { type Logger, type LoggerOptions, createLogger } from './streams/log/logger.js';
