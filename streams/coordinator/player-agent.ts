import {
  EMPTY,
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  catchError,
  concat,
  defer,
  from,
  ignoreElements,
  map,
  merge,
  mergeMap,
  of,
  pairwise,
  scan,
  shareReplay,
  startWith,
  switchMap,
  timer,
  expand,
} from 'rxjs';
import type { Assignment, LoginResult, Owner } from '../../lib/coordinator/protocol.js';
import { type P2PError, toP2PError } from '../../lib/errors.js';
import { ticketLifetime } from '../../lib/crypto/tickets.js';
import { reconnectToCoordinator } from './reconnect.js';
import { connectRpc } from './rpc.js';

export interface PlayerAgentConfig {
  readonly coordinatorUrl: string;
  readonly player: string;
  readonly password?: string;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  /** Round-trip times the client measured, by host id, sent with each assign. */
  readonly latencies?: () => Readonly<Record<string, number>>;
  /** Hosts that failed verification, told to the coordinator (best effort: a report while it is away is dropped). */
  readonly reports$?: Observable<HostReport>;
  /** Maps whose tickets were refused as expired: asked for again at once (fresh tickets, or the current owner). */
  readonly renew$?: Observable<string>;
  readonly scheduler?: SchedulerLike;
}

export interface HostReport {
  readonly map: string;
  readonly hostId: string;
  readonly code: string;
}

export type PlayerAgentEvent =
  | ({ readonly type: 'logged-in' } & LoginResult)
  | { readonly type: 'assigned'; readonly assignment: Assignment }
  | { readonly type: 'assign-failed'; readonly map: string; readonly error: P2PError }
  | {
      readonly type: 'map.moved';
      readonly map: string;
      readonly epoch: number;
      readonly owner: Owner | null;
      readonly ticket: string | null;
    }
  | { readonly type: 'disconnected'; readonly error: P2PError; readonly attempt: number };

/**
 * Half the owner ticket's validity (at least a second), from its own issued-at and expiry: the coordinator's
 * clock, so a client clock that is off does not make renewals late.
 */
const renewalDelay = (assignment: Assignment): number => {
  const lifetime = ticketLifetime(assignment.ticket);
  if (lifetime === null) return MAX_RENEWAL_MS;
  return Math.min(MAX_RENEWAL_MS, Math.max(1000, (lifetime.expiresAt - lifetime.issuedAt) / 2));
};
/** Renewal timers stay within what a JavaScript timer can hold. */
const MAX_RENEWAL_MS = 2 ** 31 - 1;

/**
 * A player's side of the coordinator: logs in, asks for every map that `maps$` names, and turns pushes into
 * events. When the coordinator goes away it reconnects with backoff, logs in again and asks again for every
 * map asked for so far, which resubscribes it to their pushes. A refused login is a security error: the stream
 * errors instead of retrying. A refused assign is an `assign-failed` event; the stream goes on.
 *
 * Tickets renew: each map is asked for again halfway through its tickets' validity, and at once when `renew$`
 * names it. The answer is a new `assigned` event (the same owner with fresh tickets, or a new owner).
 */
export const playerAgent$ = (
  config: PlayerAgentConfig,
  maps$: Observable<string>,
): Observable<PlayerAgentEvent> =>
  defer(() => {
    const scheduler = config.scheduler ?? asyncScheduler;
    // Every map asked for so far; a new connection starts by asking for all of them again.
    const requested$ = maps$.pipe(
      scan((maps: ReadonlySet<string>, mapId) => new Set([...maps, mapId]), new Set<string>()),
      startWith(new Set<string>()),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
    const newMaps$ = requested$.pipe(
      startWith(new Set<string>()),
      pairwise(),
      mergeMap(([before, now]) => [...now].filter((mapId) => !before.has(mapId))),
    );

    const session$ = connectRpc(config.coordinatorUrl).pipe(
      switchMap((rpc) => {
        const assign = (mapId: string): Observable<PlayerAgentEvent> =>
          from(rpc.request<Assignment>({ type: 'assign', map: mapId, latencies: config.latencies?.() })).pipe(
            map((assignment): PlayerAgentEvent => ({ type: 'assigned', assignment })),
            catchError((error: unknown) => {
              const coded = toP2PError(error);
              // A closed connection is the session's error, handled by the reconnect below.
              if (coded.category === 'connection' && coded.code !== 'ERR_NO_HOST') throw coded;
              return of<PlayerAgentEvent>({ type: 'assign-failed', map: mapId, error: coded });
            }),
          );
        const login$ = from(
          rpc.request<LoginResult>({ type: 'login', name: config.player, password: config.password }),
        ).pipe(map((result): PlayerAgentEvent => ({ type: 'logged-in', ...result })));
        const pushes$ = rpc.pushes$.pipe(
          mergeMap((push) =>
            push.push === 'map.moved'
              ? [
                  {
                    type: 'map.moved' as const,
                    map: push.map,
                    epoch: push.epoch,
                    owner: push.owner,
                    ticket: push.ticket,
                  },
                ]
              : [],
          ),
        );
        const reports$ = (config.reports$ ?? EMPTY).pipe(
          mergeMap((report) =>
            from(rpc.request({ type: 'report', ...report })).pipe(
              catchError(() => EMPTY),
              ignoreElements(),
            ),
          ),
        );
        // Each answer schedules the next ask, halfway to its ticket's expiry (the coordinator's clock decides).
        const renewed = (mapId: string) =>
          assign(mapId).pipe(
            expand((event) =>
              event.type === 'assigned'
                ? timer(renewalDelay(event.assignment), scheduler).pipe(switchMap(() => assign(mapId)))
                : EMPTY,
            ),
          );
        const asked$ = (config.renew$ ?? EMPTY).pipe(mergeMap(assign));
        return concat(login$, merge(pushes$, reports$, asked$, newMaps$.pipe(mergeMap(renewed))));
      }),
    );

    // `requested$` listens from the start, so maps named before the first login are not missed.
    return merge(
      requested$.pipe(ignoreElements()),
      session$.pipe(
        reconnectToCoordinator<PlayerAgentEvent>(
          config,
          (event) => event.type === 'logged-in',
          (attempt, error) => ({ type: 'disconnected', error, attempt }),
        ),
      ),
    );
  });
