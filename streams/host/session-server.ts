import type { AddressInfo } from 'node:net';
import { Observable, type Observer, type SchedulerLike, Subscription, asyncScheduler } from 'rxjs';
import { WebSocketServer } from 'ws';
import { either } from 'fp-ts';
import type { KeyLike } from 'jose';
import { type P2PError, p2pError } from '../../lib/errors.js';
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
  /** Connections per address still in their handshake (`MaxPendingHandshakes`); more are refused at once. */
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
 * The host's (and the VPS's) session server: admits a player whose ticket verifies offline for this host and a
 * map it holds under the ticket's epoch or newer, runs the secure channel, and closes every session of a map
 * whose lease is revoked (ERR_LEASE_REVOKED). The world simulation plugs in here (map sessions).
 * Emits `listening` once bound; unsubscribing closes every socket and the server.
 */
export const sessionServer$ = (config: SessionServerConfig): Observable<SessionServerEvent> =>
  new Observable<SessionServerEvent>((subscriber) => {
    const scheduler = config.scheduler ?? asyncScheduler;
    const server = new WebSocketServer({
      host: config.listen.host,
      port: config.listen.port,
      maxPayload: config.settings.limits.maxFrameBytes,
    });
    const sessions = new Set<{ map: string | null; close: (error: P2PError) => void }>();
    let leases: HeldLeases = new Map();
    const pendingHandshakes = new Map<string, number>();
    const router = createMapRouter(
      config.world,
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

    server.on('connection', (socket, request) => {
      // Unauthenticated connections are capped per address: a flood of half-open handshakes (each costs the
      // host an RSA signature) cannot starve the players already here.
      const address = request.socket.remoteAddress ?? 'unknown';
      const pending = pendingHandshakes.get(address) ?? 0;
      if (pending >= config.maxPendingHandshakes) {
        socket.close(1013, 'ERR_RATE_LIMITED');
        subscriber.next({
          event: 'session.closed',
          established: false,
          player: null,
          map: null,
          code: 'ERR_RATE_LIMITED',
        });
        return;
      }
      pendingHandshakes.set(address, pending + 1);
      let handshakePending = true;
      const handshakeDone = () => {
        if (!handshakePending) return;
        handshakePending = false;
        const left = (pendingHandshakes.get(address) ?? 1) - 1;
        if (left > 0) pendingHandshakes.set(address, left);
        else pendingHandshakes.delete(address);
      };
      const duplex = fromWebSocket(socket);
      const outbox = createOutbox<Message>();
      const subscription = new Subscription();
      const session = {
        map: null as string | null,
        player: null as string | null,
        established: false,
        close: (error: P2PError) => {
          outbox.send({ kind: 'error', code: error.code, message: error.message });
          subscription.unsubscribe();
          duplex.close(error.code);
          end(error.code);
        },
      };
      let attached: ReturnType<MapRouter['attach']> | null = null;
      function end(code: string) {
        handshakeDone();
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
              session.established = true;
              handshakeDone();
              attached = router.attach(session.map, leases.get(session.map) ?? 0, session.player, {
                send: outbox.send,
                bufferedAmount: duplex.bufferedAmount ?? (() => 0),
                close: (error) => session.close(error),
              });
              subscriber.next({ event: 'session.established', player: session.player, map: session.map });
            } else if (event.type === 'message') attached?.message(event.message);
          },
          error: (error: unknown) => {
            const code = (error as { code?: string }).code ?? 'ERR_CONNECTION_CLOSED';
            duplex.close(code);
            end(code);
          },
          complete: () => end('closed'),
        }),
      );
    });
    server.on('listening', () => {
      const { port } = server.address() as AddressInfo;
      subscriber.next({
        event: 'listening',
        url: `ws://${config.listen.host}:${port}`,
        aead: aeadImplementation,
      });
    });
    server.on('error', (error) => subscriber.error(error));

    return () => {
      leaseSubscription.unsubscribe();
      routerSubscription?.unsubscribe();
      router.close();
      for (const client of server.clients) client.terminate();
      server.close();
    };
  });
