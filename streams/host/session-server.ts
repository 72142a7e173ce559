import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Observable, type Observer, type SchedulerLike, Subscription, asyncScheduler } from 'rxjs';
import { type WebSocket, WebSocketServer } from 'ws';
import { either } from 'fp-ts';
import type { KeyLike } from 'jose';
import { type P2PError, p2pError, toP2PError } from '../../lib/errors.js';
import { signWithKey } from '../../lib/crypto/pki.js';
import { type AeadImplementation, aeadImplementation } from '../../lib/crypto/native-aes-gcm.js';
import { type TicketClaims, verifyTicket } from '../../lib/crypto/tickets.js';
import type { MapHostEvent } from './map-host.js';
import {
  type MapRouter,
  type RestoreEvent,
  type RestorePolicy,
  type WorldSettings,
  createMapRouter,
} from './map-router.js';
import { verifyBundle } from '../../lib/world/restore.js';
import type { X509Certificate } from 'node:crypto';
import type { Message } from '../../lib/protocol/messages.js';
import type { HeldLeases } from '../coordinator/host-agent.js';
import { hostSession } from '../session/session.js';
import type { SessionSettings } from '../session/settings.js';
import { createOutbox } from '../session/outbox.js';
import { fromWebSocket } from '../session/ws-duplex.js';
import { type Release, createAdmission } from './admission.js';
import { createPlayerHandshakes } from './player-handshakes.js';
import { guardControlFrames } from './control-frames.js';
import { createUpgradeServer } from './upgrade-server.js';

/** What a host needs from its registration before it can admit players. */
export interface HostCredentials {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly ticketPublicKey: KeyLike;
  /** The coordinator's CA: what restore bundles' certificates must chain to. */
  readonly ca: X509Certificate;
}

export interface SessionServerConfig {
  readonly hostId: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly settings: SessionSettings;
  /** Latest certificate and ticket key (each coordinator registration renews them). */
  readonly credentials: () => HostCredentials | null;
  /** Latest leases held; a map leaves it when revoked. */
  readonly leases$: Observable<HeldLeases>;
  readonly world: WorldSettings;
  /**
   * Connections per address still in their HTTP upgrade, and as many in their handshake (`MaxPendingHandshakes`);
   * more are refused at once. All addresses together: `settings.maxHandshakeSlots`.
   */
  readonly maxPendingHandshakes: number;
  /** Every map's own events (sends, conflicts, each tick's world), for tests and tools. */
  readonly mapEvents?: Observer<{ readonly map: string; readonly event: MapHostEvent | RestoreEvent }>;
  /**
   * Maps taken over from another owner are restored from the bundles players bring (the VPS, or a host a map moved
   * to); a map with no previous owner starts fresh at once.
   */
  readonly restore?: {
    readonly windowMs: number;
    /** Who owned the map before this host (from the coordinator's grant); null: nobody, start fresh. */
    readonly previousOwner: (map: string) => string | null;
    /** The epoch that owner held it under (default: the epoch just before this host's). */
    readonly previousEpoch?: (map: string) => number | null;
  };
  readonly scheduler?: SchedulerLike;
}

export type SessionServerEvent =
  | {
      readonly event: 'listening';
      readonly url: string;
      /** How frames are sealed here: the native OpenSSL sealer, or node:crypto when it was not built. */
      readonly aead: AeadImplementation;
    }
  | { readonly event: 'session.established'; readonly player: string; readonly map: string }
  /** A player's inputs past its queue were dropped this tick (the session is cut: ERR_INPUT_FLOOD). */
  | {
      readonly event: 'inputs.dropped';
      readonly player: string;
      readonly map: string;
      readonly inputs: number;
    }
  | {
      readonly event: 'session.closed';
      /** False when it closed during the handshake (it never counted as a player on this host). */
      readonly established: boolean;
      readonly player: string | null;
      readonly map: string | null;
      readonly code: string;
    };

const restorePolicy = (
  restore: NonNullable<SessionServerConfig['restore']>,
  credentials: () => HostCredentials | null,
  scheduler: SchedulerLike,
): RestorePolicy => ({
  windowMs: restore.windowMs,
  wanted: (map) => restore.previousOwner(map) !== null,
  verify: (map, epoch, bundle) => {
    const ca = credentials()?.ca;
    const previousOwner = restore.previousOwner(map);
    if (ca === undefined || previousOwner === null) {
      return either.left(p2pError('ERR_RESTORE_FORGED', `no previous owner is known for map ${map}`));
    }
    const previousEpoch = restore.previousEpoch?.(map) ?? epoch - 1;
    return verifyBundle(bundle, { ca, map, epoch, previousOwner, previousEpoch, now: scheduler.now() });
  },
});

/**
 * Cuts for garbage and floods: the socket stops being read at once, so what the peer still sends is never parsed
 * (its close is not read either: the socket goes TimeoutMS later). Not ERR_INPUT_FLOOD: an honest client with a
 * large resend can meet it, and it reconnects as soon as the close handshake ends.
 */
const STOP_READING: ReadonlySet<string> = new Set(['ERR_TOO_MANY_REJECTIONS']);

/** How long a connection refused for want of a slot may take to read its close frame. */
const REFUSED_LINGER_MS = 1000;

/**
 * The host's (and the VPS's) session server: admits a player whose ticket verifies offline for this host and a
 * map it holds under the ticket's epoch or newer, runs the secure channel, and closes every session of a map
 * whose lease is revoked (ERR_LEASE_REVOKED). The world simulation plugs in here (map sessions).
 *
 * Connections not yet established are bounded in number and time (admission.ts, upgrade-server.ts, and the
 * session's own handshake deadline); an established one by its channel's budgets, its WebSocket control frames'
 * (control-frames.ts), and its map's input queue: a player whose inputs overflow it is cut with ERR_INPUT_FLOOD.
 * Emits `listening` once bound; unsubscribing closes every socket and the server.
 */
export const sessionServer$ = (config: SessionServerConfig): Observable<SessionServerEvent> =>
  new Observable<SessionServerEvent>((subscriber) => {
    const scheduler = config.scheduler ?? asyncScheduler;
    const { settings } = config;
    const sessions = new Set<{
      map: string | null;
      player: string | null;
      established: boolean;
      close: (error: P2PError) => void;
    }>();
    let leases: HeldLeases = new Map();
    const playerHandshakes = createPlayerHandshakes({
      perSecond: settings.handshakesPerPlayerPerSecond,
      scheduler,
    });
    const admission = createAdmission({
      perAddress: config.maxPendingHandshakes,
      total: settings.maxHandshakeSlots,
    });
    const refused = (code: string) =>
      subscriber.next({ event: 'session.closed', established: false, player: null, map: null, code });
    // Our protocol has its own pings, inside the channel: ws's automatic answer to WebSocket ping frames was a way
    // to make a host send a pong per 6 bytes received (control-frames.ts).
    const server = new WebSocketServer({
      noServer: true,
      maxPayload: settings.limits.maxFrameBytes,
      autoPong: false,
    });
    const upgrades = createUpgradeServer({
      timeoutMs: settings.timeoutMs,
      admission,
      scheduler,
      onClosed: refused,
      onUpgrade: (request, socket, head) =>
        server.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request)),
    });
    // The map queues as many inputs per player as a connection may send at once (`MaxQueuedInputs`).
    const world = {
      ...config.world,
      rules: { ...config.world.rules, maxQueuedInputs: settings.budgets.queuedInputs },
    };
    const router = createMapRouter(
      world,
      () => {
        const credentials = config.credentials();
        return (bytes) =>
          credentials === null ? '' : signWithKey(credentials.privateKeyPem, bytes).toString('base64');
      },
      scheduler,
      config.restore === undefined ? undefined : restorePolicy(config.restore, config.credentials, scheduler),
    );
    const routerSubscription =
      config.mapEvents === undefined ? null : router.events$.subscribe(config.mapEvents);
    // A player whose inputs overflowed its queue is cut: its client sends again, on its next connection, every
    // input the map did not apply (map-state.ts, `overflowed`).
    const floodSubscription = router.events$.subscribe(({ map, event }) => {
      if (event.type !== 'ticked') return;
      for (const { player, inputs } of event.dropped) {
        subscriber.next({ event: 'inputs.dropped', player, map, inputs });
        for (const session of [...sessions]) {
          if (session.established && session.map === map && session.player === player)
            session.close(p2pError('ERR_INPUT_FLOOD', `${inputs} inputs of ${player} past MaxQueuedInputs`));
        }
      }
    });

    const leaseSubscription = config.leases$.subscribe((held) => {
      leases = held;
      for (const session of sessions) {
        if (session.map !== null && !held.has(session.map)) {
          session.close(p2pError('ERR_LEASE_REVOKED', `map ${session.map} moved to another host`));
        }
      }
      // A revoked map stops ticking here: its new owner is authoritative now.
      for (const map of [...router.maps()]) if (!held.has(map)) router.stop(map);
    });

    /** Offline ticket check, then: this host holds the map under the ticket's epoch or a newer one. */
    const admit = async (ticket: string): Promise<either.Either<P2PError, TicketClaims>> => {
      const credentials = config.credentials();
      if (credentials === null)
        return either.left(p2pError('ERR_LEASE_REVOKED', 'host is not registered yet'));
      const claims = await verifyTicket(credentials.ticketPublicKey, ticket, {
        audience: config.hostId,
        now: scheduler.now(),
      });
      if (either.isLeft(claims)) return claims;
      if (!playerHandshakes(claims.right.player))
        return either.left(
          p2pError('ERR_RATE_LIMITED', `player ${claims.right.player} is past its handshakes per second`),
        );
      const epoch = leases.get(claims.right.map);
      return epoch !== undefined && epoch >= claims.right.mapEpoch
        ? claims
        : either.left(
            p2pError(
              'ERR_LEASE_REVOKED',
              `map ${claims.right.map} is not served here under epoch ${claims.right.mapEpoch}`,
            ),
          );
    };

    function onConnection(socket: WebSocket, request: IncomingMessage) {
      // Unauthenticated connections are capped per address and in all: a flood of half-open handshakes (each costs
      // the host an RSA signature) cannot starve the players already here.
      const slot = admission.handshake(request.socket.remoteAddress ?? 'unknown');
      if (slot === null) {
        // The refused socket holds no slot, so it must not linger: ws would wait 30 s for the peer's close frame.
        // The close frame goes out, then our side ends; a peer that keeps its side open is dropped a second later.
        socket.close(1013, 'ERR_RATE_LIMITED');
        request.socket.end();
        scheduler.schedule(() => socket.terminate(), REFUSED_LINGER_MS);
        refused('ERR_RATE_LIMITED');
        return;
      }
      const handshakeDone: Release = slot;
      const duplex = fromWebSocket(socket);
      // A peer that never answers our close is dropped after TimeoutMS (ws would wait 30 s).
      const closeDuplex = (code: string) => {
        duplex.close(code);
        if (STOP_READING.has(code)) socket.pause();
        if (socket.readyState === socket.CLOSED) return;
        const drop = scheduler.schedule(() => socket.terminate(), settings.timeoutMs);
        socket.once('close', () => drop.unsubscribe());
      };
      const outbox = createOutbox<Message>();
      const subscription = new Subscription();
      const session = {
        map: null as string | null,
        player: null as string | null,
        established: false,
        close: (error: P2PError) => {
          outbox.send({ kind: 'error', code: error.code, message: error.message });
          subscription.unsubscribe();
          closeDuplex(error.code);
          end(error.code);
        },
      };
      subscription.add(
        guardControlFrames(socket, {
          settings,
          scheduler,
          cut: (error) => session.close(error),
        }),
      );
      let attached: ReturnType<MapRouter['attach']> | null = null;
      function end(code: string) {
        handshakeDone();
        subscription.unsubscribe();
        if (!sessions.delete(session)) return;
        attached?.detach();
        subscriber.next({
          event: 'session.closed',
          established: session.established,
          player: session.player,
          map: session.map,
          code,
        });
      }
      sessions.add(session);
      const credentials = config.credentials();
      subscription.add(
        hostSession(duplex, {
          settings: config.settings,
          hostId: config.hostId,
          identity:
            credentials === null
              ? null
              : { certificatePem: credentials.certificatePem, privateKeyPem: credentials.privateKeyPem },
          verifyTicket: async (ticket) => {
            const claims = await admit(ticket);
            if (either.isRight(claims)) {
              session.map = claims.right.map;
              session.player = claims.right.player;
            }
            return claims;
          },
          outbox$: outbox.outbox$,
          scheduler,
        }).subscribe({
          next: (event) => {
            if (event.type === 'established' && session.map !== null && session.player !== null) {
              handshakeDone();
              try {
                attached = router.attach(session.map, leases.get(session.map) ?? 0, session.player, {
                  send: outbox.send,
                  bufferedAmount: duplex.bufferedAmount ?? (() => 0),
                  close: (error) => session.close(error),
                });
              } catch (error) {
                session.close(toP2PError(error));
                return;
              }
              // Established (the host's load counts it) only once its map took it and if it is still open: a
              // session.closed that says established always follows a session.established, so a load counted from
              // them never goes below zero.
              if (!sessions.has(session)) return;
              session.established = true;
              subscriber.next({ event: 'session.established', player: session.player, map: session.map });
            } else if (event.type === 'message') attached?.message(event.message);
          },
          error: (error: unknown) => {
            const code = (error as { code?: string }).code ?? 'ERR_CONNECTION_CLOSED';
            closeDuplex(code);
            end(code);
          },
          complete: () => end('closed'),
        }),
      );
    }
    upgrades.server.on('listening', () => {
      const { port } = upgrades.server.address() as AddressInfo;
      subscriber.next({
        event: 'listening',
        url: `ws://${config.listen.host}:${port}`,
        aead: aeadImplementation,
      });
    });
    upgrades.server.on('error', (error) => subscriber.error(error));
    upgrades.server.listen(config.listen.port, config.listen.host);

    return () => {
      leaseSubscription.unsubscribe();
      floodSubscription.unsubscribe();
      routerSubscription?.unsubscribe();
      router.close();
      for (const client of server.clients) client.terminate();
      server.close();
      upgrades.close();
    };
  });
