import { X509Certificate } from 'node:crypto';
import {
  type Observable,
  type SchedulerLike,
  Subject,
  concat,
  defer,
  finalize,
  map,
  merge,
  of,
  switchMap,
  tap,
} from 'rxjs';
import { ERROR_CODES, type ErrorCode, p2pError } from '../../lib/errors.js';
import type { Message } from '../../lib/protocol/messages.js';
import type { Duplex } from '../session/duplex.js';
import { clientSession } from '../session/session.js';
import type { SessionSettings } from '../session/settings.js';
import { connectWebSocket } from '../session/ws-duplex.js';
import type { LinkEvent, Server } from './connection-state.js';

/** Where to connect: the server, the ticket for it, and the CA its certificate must chain to (PEM). */
export interface Target {
  readonly server: Server;
  readonly ticket: string;
  readonly ca: string;
}

/**
 * Opens one connection and runs the session over it: emits `open` once the socket is up, then the channel's
 * events, with `wire` byte counts. Errors end the connection; unsubscribing closes it. The client takes one as
 * a dependency, so specs can script connections without sockets.
 */
export type Connector = (target: Target, outbox$: Observable<Message>) => Observable<LinkEvent>;

export interface WsConnectorConfig {
  readonly settings: SessionSettings;
  /** Ping period (the latency samples); defaults to a quarter of TimeoutMS. */
  readonly keepaliveMs?: number;
  readonly scheduler?: SchedulerLike;
}

const metered = (duplex: Duplex, wire: (direction: 'in' | 'out', bytes: number) => void): Duplex => ({
  ...duplex,
  in$: duplex.in$.pipe(tap((frame) => wire('in', frame.length))),
  send: (frame) => {
    wire('out', frame.length);
    duplex.send(frame);
  },
});

/**
 * A sealed `error` message that ends the session for good (ERR_SESSION_REPLACED) ends the stream with its code:
 * only the authenticated channel can say so, never a close frame or a handshake refusal.
 */
const endedBySeal = (event: LinkEvent): LinkEvent => {
  if (event.type !== 'message' || event.message.kind !== 'error') return event;
  const code = event.message.code;
  if (code in ERROR_CODES && ERROR_CODES[code as ErrorCode].category === 'ended')
    throw p2pError(code as ErrorCode, event.message.message);
  return event;
};

/** The real connector: a WebSocket to the server, the handshake of DESIGN §4, then the channel. */
export const wsConnector =
  (config: WsConnectorConfig): Connector =>
  (target, outbox$) =>
    connectWebSocket(target.server.url).pipe(
      switchMap((duplex) =>
        defer(() => {
          const wire$ = new Subject<LinkEvent>();
          const wire = (direction: 'in' | 'out', bytes: number) =>
            wire$.next({ type: 'wire', direction, bytes });
          const session$ = clientSession(metered(duplex, wire), {
            settings: config.settings,
            ticket: target.ticket,
            hostId: target.server.id,
            ca: new X509Certificate(target.ca),
            outbox$,
            ...(config.keepaliveMs === undefined ? {} : { keepaliveMs: config.keepaliveMs }),
            ...(config.scheduler === undefined ? {} : { scheduler: config.scheduler }),
          });
          return concat(
            of<LinkEvent>({ type: 'open' }),
            merge(
              wire$,
              session$.pipe(
                map(endedBySeal),
                finalize(() => wire$.complete()),
              ),
            ),
          );
        }),
      ),
    );
