import type { P2PError } from '../../lib/errors.js';
import type { ChannelEvent } from '../session/channel.js';

/** The seed's connection states, exactly. */
export const P2PConnectionState = {
  DISCONNECTED: 'DISCONNECTED',
  CONNECTING: 'CONNECTING',
  AUTHENTICATING: 'AUTHENTICATING',
  CONNECTED: 'CONNECTED',
  RECONNECTING: 'RECONNECTING',
  FAILING_OVER: 'FAILING_OVER',
} as const;
export type P2PConnectionState = (typeof P2PConnectionState)[keyof typeof P2PConnectionState];

/** A server a client plays on: a player's machine (`p2p`) or the dedicated server (`vps`). */
export interface Server {
  readonly kind: 'p2p' | 'vps';
  readonly id: string;
  readonly url: string;
}

/** What a map's connection reports, from the first connect to the VPS (see `mapLink$`). */
export type LinkEvent =
  | { readonly type: 'connecting'; readonly server: Server }
  /** The socket is open; the handshake runs. */
  | { readonly type: 'open' }
  | ChannelEvent
  /** Bytes on the wire (frames as sent and received), for bandwidth metrics. */
  | { readonly type: 'wire'; readonly direction: 'in' | 'out'; readonly bytes: number }
  | { readonly type: 'retrying'; readonly server: Server; readonly attempt: number; readonly error: P2PError }
  /** The VPS does not serve the map: the host still owns it, so the client goes back to the host. */
  | {
      readonly type: 'back-to-host';
      readonly server: Server;
      readonly attempt: number;
      readonly error: P2PError;
    }
  | {
      readonly type: 'failing-over';
      /** A failed host (`error`), a `map.moved` push (`moved`), or `/p2p failover` (`forced`). */
      readonly reason: 'error' | 'moved' | 'forced';
      readonly error: P2PError | null;
      readonly from: Server;
      readonly to: Server | null;
    };

/** Everything the connection state is derived from: link events plus the client's own map and stop events. */
export type StatusEvent =
  | LinkEvent
  | { readonly type: 'map'; readonly map: string }
  /** The map could not be played (no assignment, or the link gave up): back to DISCONNECTED. */
  | { readonly type: 'failed'; readonly map: string; readonly error: P2PError }
  | { readonly type: 'stopped' };

export interface ConnectionStatus {
  readonly state: P2PConnectionState;
  /** The server connected to, or being connected to. */
  readonly server: { readonly kind: 'p2p' | 'vps'; readonly id: string } | null;
  readonly map: string | null;
}

export const DISCONNECTED_STATUS: ConnectionStatus = {
  state: P2PConnectionState.DISCONNECTED,
  server: null,
  map: null,
};

const serverOf = (server: Server | null) => (server === null ? null : { kind: server.kind, id: server.id });

/**
 * The connection state machine, as a reducer over status events. A phase holds until it ends: retries stay
 * RECONNECTING and a failover stays FAILING_OVER until a channel is established (CONNECTED); only a first
 * connection shows CONNECTING then AUTHENTICATING.
 */
export const reduceStatus = (status: ConnectionStatus, event: StatusEvent): ConnectionStatus => {
  const { state } = status;
  switch (event.type) {
    case 'map':
      return { state: P2PConnectionState.CONNECTING, server: null, map: event.map };
    case 'connecting': {
      const keeps = state === P2PConnectionState.RECONNECTING || state === P2PConnectionState.FAILING_OVER;
      return {
        ...status,
        state: keeps ? state : P2PConnectionState.CONNECTING,
        server: serverOf(event.server),
      };
    }
    case 'open':
      return state === P2PConnectionState.CONNECTING
        ? { ...status, state: P2PConnectionState.AUTHENTICATING }
        : status;
    case 'established':
      return { ...status, state: P2PConnectionState.CONNECTED };
    case 'retrying':
      return state === P2PConnectionState.FAILING_OVER
        ? status
        : { ...status, state: P2PConnectionState.RECONNECTING, server: serverOf(event.server) };
    case 'failing-over':
      return { ...status, state: P2PConnectionState.FAILING_OVER, server: serverOf(event.to) };
    case 'back-to-host':
      return { ...status, state: P2PConnectionState.RECONNECTING, server: serverOf(event.server) };
    case 'failed':
      return { state: P2PConnectionState.DISCONNECTED, server: null, map: event.map };
    case 'stopped':
      return DISCONNECTED_STATUS;
    default:
      return status;
  }
};

export const sameStatus = (a: ConnectionStatus, b: ConnectionStatus): boolean =>
  a.state === b.state &&
  a.map === b.map &&
  a.server?.id === b.server?.id &&
  a.server?.kind === b.server?.kind;
