import {
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  defer,
  filter,
  finalize,
  from,
  connectable,
  ReplaySubject,
  ignoreElements,
  interval,
  map,
  merge,
  mergeMap,
  of,
  scan,
  startWith,
  switchMap,
  tap,
  withLatestFrom,
} from 'rxjs';
import type { HeldLease, HostKind, Push, RegisterResult } from '../../lib/coordinator/protocol.js';
import type { P2PError } from '../../lib/errors.js';
import { type KeyPairPem, createCsr } from '../../lib/crypto/pki.js';
import { reconnectToCoordinator } from './reconnect.js';
import { connectRpc } from './rpc.js';

export interface HostAgentConfig {
  readonly coordinatorUrl: string;
  readonly hostId: string;
  readonly role: HostKind;
  /** Where clients reach this host's session server. */
  readonly url: string;
  readonly maps: readonly string[];
  readonly capacity: number;
  readonly credentials:
    { readonly account: string; readonly password: string } | { readonly serviceKey: string };
  /** The host's certificate key; the same key is certified again after every reconnect. */
  readonly keys: KeyPairPem;
  readonly heartbeatIntervalMs: number;
  /** Current players on this host, sent with each heartbeat. */
  readonly load$?: Observable<number>;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly scheduler?: SchedulerLike;
}

export type HostAgentEvent =
  | ({ readonly type: 'registered' } & RegisterResult)
  | {
      readonly type: 'lease.granted';
      readonly map: string;
      readonly epoch: number;
      readonly restore: boolean;
      readonly from: string | null;
      readonly fromEpoch: number | null;
    }
  | { readonly type: 'lease.revoked'; readonly map: string; readonly epoch: number }
  | { readonly type: 'disconnected'; readonly error: P2PError; readonly attempt: number };

/** How long pushes are kept for the registration's answer to catch up with them (any number of them). */
const EARLY_PUSHES_MS = 60_000;

/** Map → epoch of the leases a host holds. */
export type HeldLeases = ReadonlyMap<string, number>;

/** How each agent event changes the leases held: the one rule for both the stream and re-announcing. */
export const reduceHeldLeases = (leases: HeldLeases, event: HostAgentEvent): HeldLeases => {
  if (event.type === 'registered') return new Map(event.leases.map((l) => [l.map, l.epoch]));
  const next = new Map(leases);
  if (event.type === 'lease.granted') next.set(event.map, event.epoch);
  else if (event.type === 'lease.revoked' && (next.get(event.map) ?? Infinity) <= event.epoch)
    next.delete(event.map);
  return next;
};

/** The leases a host holds, derived from its agent's events. */
export const heldLeases = (events$: Observable<HostAgentEvent>): Observable<HeldLeases> =>
  events$.pipe(scan(reduceHeldLeases, new Map<string, number>()));

/**
 * A heartbeat every `intervalMs` on its own clock, carrying the newest load (0 until one is known). Liveness never
 * waits on load: restarting the timer at each load change (as this once did) sent no heartbeat at all from a host
 * whose player count changed more than once an interval, and the coordinator declared it dead.
 */
export const heartbeatLoads = (
  load$: Observable<number>,
  intervalMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<number> =>
  interval(intervalMs, scheduler).pipe(
    withLatestFrom(load$.pipe(startWith(0))),
    map(([, load]) => load),
  );

/**
 * A host's (or the VPS's) side of the coordinator: registers with a CSR, re-announces the leases it holds,
 * heartbeats with its load, and turns pushes into events. When the coordinator goes away it reconnects with
 * backoff, forever, and registers again with the leases it held (a coordinator restart loses no map). A refused
 * registration (credentials, role, CSR) is not retried: it errors the stream.
 */
export const hostAgent$ = (config: HostAgentConfig): Observable<HostAgentEvent> =>
  defer(() => {
    const scheduler = config.scheduler ?? asyncScheduler;
    let held: HeldLeases = new Map();
    const credentials =
      'serviceKey' in config.credentials
        ? { serviceKey: config.credentials.serviceKey }
        : { account: config.credentials.account, password: config.credentials.password };

    const session$ = connectRpc(config.coordinatorUrl).pipe(
      switchMap((rpc) => {
        // Pushes can come before the answer to the registration (a map granted to it as it registers): they are
        // kept and come right after `registered`, in order.
        const pushes = connectable(rpc.pushes$, {
          connector: () => new ReplaySubject<Push>(Number.POSITIVE_INFINITY, EARLY_PUSHES_MS, scheduler),
          resetOnDisconnect: false,
        });
        const listening = pushes.connect();
        return from(
          rpc.request<RegisterResult>({
            type: 'register',
            role: config.role,
            hostId: config.hostId,
            ...credentials,
            csr: createCsr(config.hostId, config.keys),
            url: config.url,
            maps: config.maps,
            capacity: config.capacity,
            leases: [...held].map(([map, epoch]): HeldLease => ({ map, epoch })),
          }),
        ).pipe(
          mergeMap((result) => {
            const heartbeats$ = heartbeatLoads(
              config.load$ ?? of(0),
              config.heartbeatIntervalMs,
              scheduler,
            ).pipe(
              tap((load) => rpc.notify({ type: 'heartbeat', load })),
              ignoreElements(),
            );
            // Hosts subscribe to no map, so `map.moved` is not theirs.
            const pushes$ = pushes.pipe(
              filter((push): push is Exclude<Push, { push: 'map.moved' }> => push.push !== 'map.moved'),
              map(toEvent),
            );
            return merge(of<HostAgentEvent>({ type: 'registered', ...result }), pushes$, heartbeats$);
          }),
          finalize(() => listening.unsubscribe()),
        );
      }),
    );

    return session$.pipe(
      reconnectToCoordinator<HostAgentEvent>(
        config,
        (event) => event.type === 'registered',
        (attempt, error) => ({ type: 'disconnected', error, attempt }),
      ),
      // What this host holds is what it re-announces after a reconnect.
      tap((event) => (held = reduceHeldLeases(held, event))),
    );
  });

const toEvent = (push: Exclude<Push, { push: 'map.moved' }>): HostAgentEvent =>
  push.push === 'lease.granted'
    ? {
        type: 'lease.granted',
        map: push.map,
        epoch: push.epoch,
        restore: push.restore,
        from: push.from,
        fromEpoch: push.fromEpoch,
      }
    : { type: 'lease.revoked', map: push.map, epoch: push.epoch };
