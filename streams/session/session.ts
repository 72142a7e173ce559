import { type Observable, type SchedulerLike, switchMap } from 'rxjs';
import { p2pError } from '../../lib/errors.js';
import type { Message } from '../../lib/protocol/messages.js';
import { deadline } from '../../operators/deadline.js';
import { type ChannelEvent, runChannel } from './channel.js';
import type { Duplex } from './duplex.js';
import {
  type ClientHandshakeConfig,
  type HandshakeResult,
  type HostHandshakeConfig,
  clientHandshake,
  hostHandshake,
} from './handshake.js';
import type { SessionSettings } from './settings.js';

interface SessionDeps {
  readonly settings: SessionSettings;
  readonly outbox$: Observable<Message>;
  readonly keepaliveMs?: number;
  readonly rekey$?: Observable<unknown>;
  readonly scheduler?: SchedulerLike;
}

export type ClientSessionConfig = SessionDeps & Pick<ClientHandshakeConfig, 'ticket' | 'hostId' | 'ca'>;
export type HostSessionConfig = SessionDeps &
  Pick<HostHandshakeConfig, 'hostId' | 'identity' | 'verifyTicket'>;

const withChannel =
  (duplex: Duplex, deps: SessionDeps) =>
  (handshake$: Observable<HandshakeResult>): Observable<ChannelEvent> =>
    handshake$.pipe(
      switchMap((handshake) =>
        runChannel(duplex, {
          settings: deps.settings,
          handshake,
          outbox$: deps.outbox$,
          ...(deps.keepaliveMs === undefined ? {} : { keepaliveMs: deps.keepaliveMs }),
          ...(deps.rekey$ === undefined ? {} : { rekey$: deps.rekey$ }),
          ...(deps.scheduler === undefined ? {} : { scheduler: deps.scheduler }),
        }),
      ),
      deadline({
        ms: deps.settings.timeoutMs,
        reached: (event: ChannelEvent) => event.type === 'established',
        error: () =>
          p2pError('ERR_HANDSHAKE_TIMEOUT', `handshake did not finish within ${deps.settings.timeoutMs} ms`),
        ...(deps.scheduler === undefined ? {} : { scheduler: deps.scheduler }),
      }),
    );

/**
 * A whole client connection over a duplex: handshake (DESIGN §4), then the channel. Emits `established` once,
 * then messages, rejections and epoch changes. The whole handshake must finish within `timeoutMs`
 * (ERR_HANDSHAKE_TIMEOUT). Errors are connection or security errors (see runChannel and clientHandshake).
 *
 * @example clientSession(fromWebSocket(ws), { settings, ticket, hostId, ca, outbox$ }).pipe(retryBackoff(…))
 */
export const clientSession = (duplex: Duplex, config: ClientSessionConfig): Observable<ChannelEvent> =>
  clientHandshake(duplex, {
    ticket: config.ticket,
    hostId: config.hostId,
    ca: config.ca,
    encrypted: config.settings.encrypted,
    limits: config.settings.limits,
    ...(config.scheduler === undefined ? {} : { scheduler: config.scheduler }),
  }).pipe(withChannel(duplex, config));

/** The host side of a connection: verify the ticket, sign the transcript, then the channel. */
export const hostSession = (duplex: Duplex, config: HostSessionConfig): Observable<ChannelEvent> =>
  hostHandshake(duplex, {
    hostId: config.hostId,
    identity: config.identity,
    verifyTicket: config.verifyTicket,
    encrypted: config.settings.encrypted,
    limits: config.settings.limits,
  }).pipe(withChannel(duplex, config));
