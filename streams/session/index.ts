/**
 * `warp-p2p/session`: the handshake (certificate, ticket, key agreement) and the encrypted channel, over any
 * `Duplex` (a WebSocket, or two in-memory ends for tests), for a transport of one's own.
 *
 * @example
 * import { connectWebSocket, clientSession, sessionSettings } from 'warp-p2p/session';
 * import { defaultConfig } from 'warp-p2p';
 * import { switchMap } from 'rxjs';
 *
 * const settings = sessionSettings(defaultConfig);
 * connectWebSocket(hostUrl)
 *   .pipe(switchMap((duplex) => clientSession(duplex, { settings, ticket, hostId, ca, outbox$ })))
 *   .subscribe((event) => console.log(event.type));
 *
 * @packageDocumentation
 */

export { type Duplex, createMemoryDuplexPair } from './duplex.js';
export { connectWebSocket, fromWebSocket, toBuffer } from './ws-duplex.js';
export { type MessageBudgets, type SessionSettings, sessionSettings } from './settings.js';
export { type InboundConfig, type InboundReader, createInboundReader, inboundPipeline } from './inbound.js';
export {
  type OutboundConfig,
  type OutboundWriter,
  type OutboundWriterConfig,
  createOutboundWriter,
  isUrgent,
  outboundPipeline,
} from './outbound.js';
export {
  type ClientHandshakeConfig,
  type HandshakeResult,
  type HostHandshakeConfig,
  clientHandshake,
  hostHandshake,
} from './handshake.js';
export { type ChannelConfig, type ChannelEvent, keepalivePhaseMs, runChannel } from './channel.js';
export { type ClientSessionConfig, type HostSessionConfig, clientSession, hostSession } from './session.js';
export { type BudgetVerdict, createBudgetGate, pingsPerSecond } from './budget-gate.js';
// What goes through a channel: the outbox's and the `message` events' type.
export type { Message, MessageKind } from '../../lib/protocol/messages.js';
