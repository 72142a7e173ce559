import { X509Certificate } from 'node:crypto';
import {
  EMPTY,
  type Observable,
  type Observer,
  type SchedulerLike,
  Subject,
  asyncScheduler,
  ignoreElements,
  concatMap,
  defer,
  distinctUntilChanged,
  filter,
  map,
  mergeMap,
  merge,
  scan,
  share,
  shareReplay,
  startWith,
  switchMap,
  take,
  tap,
} from 'rxjs';
import type { Config } from '../../config/schema.js';
import { generateRsaKeyPair } from '../../lib/crypto/pki.js';
import { importTicketPublicKey } from '../../lib/crypto/tickets.js';
import type { HostKind } from '../../lib/coordinator/protocol.js';
import {
  type HostAgentConfig,
  type HostAgentEvent,
  heldLeases,
  hostAgent$,
} from '../coordinator/host-agent.js';
import { sessionSettings } from '../session/settings.js';
import type { MapHostEvent } from './map-host.js';
import type { RestoreEvent } from './map-router.js';
import { hostRecording$ } from '../replay/host-recorder.js';
import type { RecordEntry } from '../replay/recording.js';
import { worldSettings } from './map-router.js';
import { type HostCredentials, type SessionServerEvent, sessionServer$ } from './session-server.js';

export interface HostRoleConfig {
  readonly coordinatorUrl: string;
  readonly hostId: string;
  readonly role: HostKind;
  readonly listen: { readonly host: string; readonly port: number };
  readonly maps: readonly string[];
  readonly capacity: number;
  readonly credentials: HostAgentConfig['credentials'];
  readonly config: Config;
  /** Where `--record` entries go (streams/replay/recording.ts); nothing is recorded without it. */
  readonly record?: Observer<RecordEntry>;
  readonly scheduler?: SchedulerLike;
}

export type HostRoleEvent =
  | SessionServerEvent
  | (HostAgentEvent & { readonly event: 'coordinator' })
  /**
   * What a VPS restore window did: each bundle's verdict, the tick the map (re)started from, inputs dropped past
   * their bounds; and a map whose tick loop failed (its players cut with ERR_MAP_FAILED).
   */
  | (RestoreEvent & { readonly event: 'restore'; readonly map: string });

/**
 * A host (or the VPS) as a whole: its session server, and its agent at the coordinator, which registers the
 * server's URL, gets the certificate the server presents, and the leases that decide which players it admits.
 * Runs until unsubscribed; the agent reconnects to the coordinator by itself.
 */
export const hostRole$ = (config: HostRoleConfig): Observable<HostRoleEvent> =>
  defer(() => {
    const keys = generateRsaKeyPair();
    let credentials: HostCredentials | null = null;
    // The owner each map had before this host took it, and its epoch: restore bundles must be signed by it then.
    const previousOwners = new Map<string, { readonly owner: string; readonly epoch: number | null }>();
    const agentEvents$ = new Subject<HostAgentEvent>();
    const mapEvents$ = new Subject<{ readonly map: string; readonly event: MapHostEvent | RestoreEvent }>();
    const leases$ = heldLeases(agentEvents$).pipe(
      startWith(new Map<string, number>()),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
    const server$ = sessionServer$({
      hostId: config.hostId,
      listen: config.listen,
      settings: sessionSettings(config.config),
      credentials: () => credentials,
      leases$,
      world: worldSettings(config.config),
      maxPendingHandshakes: config.config.P2P_LIMITS.MaxPendingHandshakes,
      mapEvents: mapEvents$,
      restore: {
        windowMs: config.config.P2P_SYNC.RestoreWindowMS,
        previousOwner: (map: string) => previousOwners.get(map)?.owner ?? null,
        previousEpoch: (map: string) => previousOwners.get(map)?.epoch ?? null,
      },
      ...(config.scheduler === undefined ? {} : { scheduler: config.scheduler }),
    }).pipe(share());
    // The load a host reports is its established sessions, counted from the server's own events since it started
    // (kept across registrations: a count restarted at each one went negative as older sessions closed). A session
    // closed before it was established never counted.
    const load$ = server$.pipe(
      scan(
        (load, event) =>
          load +
          (event.event === 'session.established'
            ? 1
            : event.event === 'session.closed' && event.established
              ? -1
              : 0),
        0,
      ),
      distinctUntilChanged(),
      startWith(0),
      // The role's own subscription (below) holds it for the role's whole life; refCount lets the server go
      // when the role ends (without it the server kept listening after an unsubscribe or a refused registration).
      shareReplay({ bufferSize: 1, refCount: true }),
    );
    const agent$ = server$.pipe(
      filter(
        (event): event is Extract<SessionServerEvent, { event: 'listening' }> => event.event === 'listening',
      ),
      take(1),
      switchMap(({ url }) =>
        hostAgent$({
          coordinatorUrl: config.coordinatorUrl,
          hostId: config.hostId,
          role: config.role,
          url,
          maps: config.maps,
          capacity: config.capacity,
          credentials: config.credentials,
          keys,
          load$,
          heartbeatIntervalMs: config.config.P2P_COORDINATOR.HeartbeatIntervalMS,
          reconnectDelayMs: config.config.P2P_NETWORK.ReconnectDelay,
          maxReconnectDelayMs: Math.max(config.config.P2P_NETWORK.ReconnectDelay, 2000),
          ...(config.scheduler === undefined ? {} : { scheduler: config.scheduler }),
        }),
      ),
      concatMap(async (event) => {
        if (event.type === 'registered') {
          credentials = {
            certificatePem: event.certificate,
            privateKeyPem: keys.privateKeyPem,
            ticketPublicKey: await importTicketPublicKey(event.ticketPublicKey),
            ca: new X509Certificate(event.caCertificate),
          };
        }
        if (event.type === 'lease.granted') {
          if (event.from === null) previousOwners.delete(event.map);
          else previousOwners.set(event.map, { owner: event.from, epoch: event.fromEpoch });
        }
        return event;
      }),
      // Values only: a refused registration errors this stream (and the role), not the lease stream the session
      // server holds, where nobody would handle it.
      tap({ next: (event) => agentEvents$.next(event) }),
    );
    const restores$ = mapEvents$.pipe(
      mergeMap(({ map, event }): HostRoleEvent[] =>
        event.type === 'bundle' ||
        event.type === 'restored' ||
        event.type === 'dropped' ||
        event.type === 'failed'
          ? [{ ...event, event: 'restore', map }]
          : [],
      ),
    );
    const recording$ =
      config.record === undefined
        ? EMPTY
        : hostRecording$({
            hostId: config.hostId,
            mapEvents$,
            sessions$: server$,
            now: () => (config.scheduler ?? asyncScheduler).now(),
          }).pipe(tap(config.record), ignoreElements());
    return merge(
      load$.pipe(ignoreElements()),
      recording$,
      restores$,
      server$,
      agent$.pipe(map((event): HostRoleEvent => ({ ...event, event: 'coordinator' }))),
    );
  });
