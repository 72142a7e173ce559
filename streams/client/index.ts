/**
 * `warp-p2p/client`: the game client and the parts it is made of, for a client of one's own: the connector that
 * opens a host's session over WebSockets, the map link (failover, retry), the connection-state and metrics
 * reducers, the `/p2p` debug commands. It loads no server code: no coordinator, no node-forge, no log file.
 *
 * @example
 * import { createP2PClient, P2PConnectionState } from 'warp-p2p/client';
 * import { filter, firstValueFrom } from 'rxjs';
 *
 * const client = createP2PClient({ coordinatorUrl, player: 'ada', password: 'pw' });
 * client.loadMap('forest');
 * await firstValueFrom(client.state$.pipe(filter((s) => s.state === P2PConnectionState.CONNECTED)));
 *
 * @packageDocumentation
 */

export {
  METRICS_WINDOW_MS,
  type P2PClient,
  type P2PClientDeps,
  type P2PClientOptions,
  createP2PClient,
} from './client.js';
export {
  type ConnectionStatus,
  DISCONNECTED_STATUS,
  type LinkEvent,
  P2PConnectionState,
  type Server,
  type StatusEvent,
  reduceStatus,
  sameStatus,
} from './connection-state.js';
export { type Connector, type Target, type WsConnectorConfig, wsConnector } from './connector.js';
export { type DebugCommand, P2P_USAGE, parseDebugCommand } from './debug-commands.js';
export { type LeaveHost, type MapLinkConfig, mapLink$, movedToVps } from './map-link.js';
export {
  type LatencyAlarm,
  type MetricEvent,
  type MetricsSnapshot,
  type MetricsState,
  emptyMetrics,
  metricsSnapshot,
  reduceMetrics,
  updateLatencyAlarm,
} from './metrics.js';
export {
  type ClientEvent,
  LATENCY_SUSTAIN_MS,
  describeStatus,
  latencyAlarms,
  linkClientEvents,
  logClientEvent,
  restoredEvents,
} from './client-events.js';
