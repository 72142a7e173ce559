import {
  BehaviorSubject,
  EMPTY,
  type Observable,
  type SchedulerLike,
  Subject,
  type Subscription,
  asyncScheduler,
  catchError,
  concat,
  defer,
  distinctUntilChanged,
  endWith,
  filter,
  ignoreElements,
  interval,
  map,
  merge,
  mergeMap,
  of,
  scan,
  share,
  shareReplay,
  startWith,
  switchMap,
  takeUntil,
  takeWhile,
  tap,
  withLatestFrom,
} from 'rxjs';
import { defaultConfig } from '../../config/load-config.js';
import type { Config } from '../../config/schema.js';
import type { Assignment } from '../../lib/coordinator/protocol.js';
import { isSecurityError, toP2PError } from '../../lib/errors.js';
import type { Message } from '../../lib/protocol/messages.js';
import { type SyncStep, initialSync, predictSelf, restoreBundle } from '../../lib/sync/sync-state.js';
import type { World } from '../../lib/world/world.js';
import { type HostReport, type PlayerAgentEvent, playerAgent$ } from '../coordinator/player-agent.js';
import { type Logger, createLogger } from '../log/logger.js';
import { sessionSettings } from '../session/settings.js';
import {
  type ConnectionStatus,
  DISCONNECTED_STATUS,
  P2PConnectionState,
  type StatusEvent,
  reduceStatus,
  sameStatus,
} from './connection-state.js';
import {
  type ClientEvent,
  describeStatus,
  latencyAlarms,
  linkClientEvents,
  logClientEvent,
  restoredEvents,
} from './client-events.js';

export type { ClientEvent } from './client-events.js';
import { type Connector, wsConnector } from './connector.js';
import { type SyncSource, syncManager } from './sync-manager.js';
import { RECORDING_VERSION, type RecordEntry } from '../replay/recording.js';
import { P2P_USAGE, parseDebugCommand } from './debug-commands.js';
import { type LeaveHost, mapLink$, movedToVps } from './map-link.js';
import {
  type MetricEvent,
  type MetricsSnapshot,
  emptyMetrics,
  metricsSnapshot,
  reduceMetrics,
} from './metrics.js';

export interface P2PClientOptions {
  readonly coordinatorUrl: string;
  readonly player: string;
  readonly password?: string;
  /** The INI configuration (defaults: config/p2p.ini). */
  readonly config?: Config;
  /** Ping period, which is also how often latency is sampled; default a quarter of TimeoutMS. */
  readonly pingIntervalMs?: number;
}

export interface P2PClientDeps {
  /** Every timer of the client runs on it (a TestScheduler runs the whole client in virtual time). */
  readonly scheduler?: SchedulerLike;
  /** Opens connections to hosts and the VPS; default WebSockets (`wsConnector`). */
  readonly connect?: Connector;
  /** The coordinator conversation; default `playerAgent$` over a WebSocket. */
  readonly coordinator?: (
    maps$: Observable<string>,
    reports$: Observable<HostReport>,
    renew$: Observable<string>,
  ) => Observable<PlayerAgentEvent>;
  readonly logger?: Logger;
}

export interface P2PClient {
  /** The seed's connection state with its server and map; replays the current one. */
  readonly state$: Observable<ConnectionStatus>;
  /** The authoritative world, each time a full state or delta is applied. */
  readonly world$: Observable<World>;
  /** The player's own entity as shown: authoritative position plus unacknowledged inputs. */
  readonly self$: Observable<{ readonly id: number; readonly x: number; readonly y: number } | null>;
  /** Once a second. */
  readonly metrics$: Observable<MetricsSnapshot>;
  readonly events$: Observable<ClientEvent>;
  /** Plays this map (leaving the one before): coordinator, owner, handshake, full state, sync. */
  readonly loadMap: (mapId: string) => void;
  readonly move: (dx: number, dy: number) => void;
  /** A `/p2p` debug command; returns its answer (the usage line for anything else). */
  readonly command: (line: string) => string;
  /**
   * What `--record` writes: a header, then everything the sync manager hears and what the client sent and saw,
   * with scheduler time (`streams/replay/recording.ts`). Subscribe before `loadMap` to have all of it.
   */
  readonly recording$: Observable<RecordEntry>;
  /** Leaves everything; the state ends DISCONNECTED and every stream completes. */
  readonly disconnect: () => void;
}

/** Metrics are over this window. */
export const METRICS_WINDOW_MS = 10_000;

const mapOf = (event: PlayerAgentEvent): string | null =>
  event.type === 'assigned' ? event.assignment.map : 'map' in event ? event.map : null;

/**
 * The game client's side of warp-p2p (DESIGN §3, §5–§7) as one object of streams. Everything it shows is
 * derived from the connection streams: the state from link events, the world from the sync reducer, the
 * metrics from both. Subjects only carry the caller's commands in (maps, moves, `/p2p` commands) and the sync
 * manager's messages out to whichever connection is live.
 *
 * @example
 * const client = createP2PClient({ coordinatorUrl, player: 'ann', password });
 * client.state$.subscribe((s) => console.log(s.state, s.server?.id));
 * client.loadMap('forest');
 */
export const createP2PClient = (options: P2PClientOptions, deps: P2PClientDeps = {}): P2PClient => {
  const config = options.config ?? defaultConfig;
  const network = config.P2P_NETWORK;
  const scheduler = deps.scheduler ?? asyncScheduler;
  const onScheduler = deps.scheduler === undefined ? {} : { scheduler: deps.scheduler };
  const logger = deps.logger ?? createLogger();
  const connect =
    deps.connect ??
    wsConnector({
      settings: sessionSettings(config),
      ...(options.pingIntervalMs === undefined ? {} : { keepaliveMs: options.pingIntervalMs }),
      ...onScheduler,
    });
  const maxReconnectDelayMs = network.ReconnectDelay * 8;

  const maps = new Subject<string>();
  const moves = new Subject<{ dx: number; dy: number }>();
  const forceReconnect = new Subject<void>();
  const forceFailover = new Subject<void>();
  const reports = new Subject<HostReport>();
  const renewals = new Subject<string>();
  const debugSwitch = new Subject<boolean>();
  const outbox = new Subject<Message>();
  const stop = new Subject<void>();

  const agent$ = (
    deps.coordinator ??
    ((maps$, reports$, renew$) =>
      playerAgent$(
        {
          coordinatorUrl: options.coordinatorUrl,
          player: options.player,
          ...(options.password === undefined ? {} : { password: options.password }),
          reconnectDelayMs: network.ReconnectDelay,
          maxReconnectDelayMs,
          reports$,
          renew$,
          ...onScheduler,
        },
        maps$,
      ))
  )(maps, reports, renewals).pipe(takeUntil(stop), share());
  // A refused login errors the agent: the map being played reports it (mapSession$), so here it only ends.
  const ca$ = agent$.pipe(
    mergeMap((event) => (event.type === 'logged-in' ? [event.caCertificate] : [])),
    catchError(() => EMPTY),
    shareReplay({ bufferSize: 1, refCount: false }),
  );

  const syncSettings = {
    ringSize: config.P2P_SYNC.SnapshotRingSize,
    conflictThreshold: config.P2P_SYNC.ConflictThreshold,
    // What a host queues of one player's inputs: sending more gets the connection cut.
    maxUnprocessedInputs: config.P2P_LIMITS.MaxQueuedInputs,
  };
  // The newest sync step, status and metrics, read by the restore bundle and the debug commands.
  const syncStep$ = new BehaviorSubject<SyncStep>(initialSync(options.player, syncSettings));
  const statusNow$ = new BehaviorSubject<ConnectionStatus>(DISCONNECTED_STATUS);
  const metricsNow$ = new BehaviorSubject(emptyMetrics(METRICS_WINDOW_MS, network.UpdateIntervalMS));

  /** One map: its assignment (or a move to another P2P host) → the link with retries and failover. */
  const mapSession$ = (mapId: string): Observable<StatusEvent> => {
    const forMap$ = agent$.pipe(filter((event) => mapOf(event) === mapId));
    const leave$ = (ca: string): Observable<LeaveHost> =>
      merge(
        forMap$.pipe(mergeMap((event) => (event.type === 'map.moved' ? movedToVps(ca)(event) : []))),
        forceFailover.pipe(map((): LeaveHost => ({ reason: 'forced' }))),
      );
    // A renewed assignment under an epoch already seen, naming a server this link knows, only brings fresh tickets
    // (tickets$ below): the link goes on. One under a newer epoch, or naming a server it does not know (a VPS
    // started again elsewhere), names the owner now: the link follows it. A move to the VPS the link already fails
    // over to is its own failover (leave$): its epoch is noted, the link left alone. Any owner after the first
    // this client was given took the map over from another (it restores from bundles).
    type Owned = { readonly assignment: Assignment; readonly takenOver: boolean; readonly seenEpoch: number };
    const known = (owned: Owned, url: string) =>
      url === owned.assignment.owner.url || url === owned.assignment.vps?.url;
    const assignments$ = forMap$.pipe(
      scan((current: Owned | null, event): Owned | null => {
        if (event.type === 'assigned') {
          const { assignment } = event;
          if (current === null) return { assignment, takenOver: false, seenEpoch: assignment.epoch };
          return assignment.epoch > current.seenEpoch || !known(current, assignment.owner.url)
            ? { assignment, takenOver: true, seenEpoch: Math.max(assignment.epoch, current.seenEpoch) }
            : current;
        }
        if (event.type !== 'map.moved' || current === null || event.epoch <= current.seenEpoch)
          return current;
        if (event.owner === null || event.ticket === null) return { ...current, seenEpoch: event.epoch };
        if (
          event.owner.kind === 'vps' &&
          known(current, event.owner.url) &&
          current.assignment.owner.kind === 'p2p'
        )
          return { ...current, seenEpoch: event.epoch };
        return {
          assignment: { ...current.assignment, epoch: event.epoch, owner: event.owner, ticket: event.ticket },
          takenOver: true,
          seenEpoch: event.epoch,
        };
      }, null),
      filter((owned): owned is Owned => owned !== null),
      distinctUntilChanged((a, b) => a.assignment === b.assignment),
    );
    const tickets$ = forMap$.pipe(
      scan((tickets: ReadonlyMap<string, string>, event) => {
        const next = new Map(tickets);
        if (event.type === 'assigned') {
          next.set(event.assignment.owner.id, event.assignment.ticket);
          if (event.assignment.vps !== null) next.set(event.assignment.vps.id, event.assignment.vps.ticket);
        } else if (event.type === 'map.moved' && event.owner !== null && event.ticket !== null)
          next.set(event.owner.id, event.ticket);
        return next;
      }, new Map<string, string>()),
      startWith(new Map<string, string>()),
      shareReplay({ bufferSize: 1, refCount: true }),
    );
    // A refused assign fails the map only before it ever had an owner: later asks (renewals, who owns it now)
    // that find no server leave the link retrying what it has.
    const failures$ = forMap$.pipe(
      takeWhile((event) => event.type !== 'assigned'),
      mergeMap((event): StatusEvent[] =>
        event.type === 'assign-failed' ? [{ type: 'failed', map: mapId, error: event.error }] : [],
      ),
    );
    const links$ = assignments$.pipe(
      withLatestFrom(ca$),
      switchMap(([{ assignment, takenOver }, ca]) =>
        mapLink$({
          assignment,
          ca,
          takenOver,
          connect,
          tickets$,
          renew: () => renewals.next(mapId),
          // The coordinator may hold an assign for RestartGraceMS after it restarts: wait for that too.
          renewTimeoutMs: network.TimeoutMS + config.P2P_COORDINATOR.RestartGraceMS,
          outbox$: outbox,
          bundle: () => restoreBundle(syncStep$.value.state),
          maxRetries: network.MaxRetries,
          reconnectDelayMs: network.ReconnectDelay,
          maxReconnectDelayMs,
          leave$: leave$(ca),
          reconnect$: forceReconnect,
          ...onScheduler,
        }).pipe(
          catchError((error: unknown) =>
            of<StatusEvent>({ type: 'failed', map: mapId, error: toP2PError(error) }),
          ),
        ),
      ),
      share(),
    );
    // A VPS that does not answer may be gone for good: each retry asks the coordinator who owns the map now, and a
    // newer owner in the answer moves the link (assignments$), instead of retrying a dead server forever.
    const askOwner$ = links$.pipe(
      filter((event) => event.type === 'retrying' && event.server.kind === 'vps'),
      tap(() => renewals.next(mapId)),
      ignoreElements(),
    );
    // tickets$ runs for as long as the map does, so no renewal is missed between connections. The agent errors
    // only when the coordinator refuses the login (ERR_AUTH_FAILED): the map fails with it.
    return merge(tickets$.pipe(ignoreElements()), askOwner$, failures$, links$).pipe(
      catchError((error: unknown) =>
        of<StatusEvent>({ type: 'failed', map: mapId, error: toP2PError(error) }),
      ),
    );
  };

  const link$: Observable<StatusEvent> = maps.pipe(
    distinctUntilChanged(),
    switchMap((mapId) => concat(of<StatusEvent>({ type: 'map', map: mapId }), mapSession$(mapId))),
    takeUntil(stop),
    endWith<StatusEvent>({ type: 'stopped' }),
    share(),
  );

  const status$ = link$.pipe(
    scan(reduceStatus, DISCONNECTED_STATUS),
    startWith(DISCONNECTED_STATUS),
    distinctUntilChanged(sameStatus),
    shareReplay({ bufferSize: 1, refCount: false }),
  );

  // Everything the sync manager hears (what `--record` records): the map, the connection, messages, moves.
  const syncSources$: Observable<SyncSource> = merge(
    link$.pipe(
      mergeMap((event): SyncSource[] =>
        event.type === 'map'
          ? [{ type: 'reset' }]
          : event.type === 'established'
            ? [{ type: 'established', certificate: event.certificate }]
            : event.type === 'message'
              ? [{ type: 'message', message: event.message }]
              : [],
      ),
    ),
    status$.pipe(
      map((status): SyncSource => ({
        type: 'connected',
        connected: status.state === P2PConnectionState.CONNECTED,
      })),
    ),
    moves.pipe(map(({ dx, dy }): SyncSource => ({ type: 'move', dx, dy }))),
  ).pipe(takeUntil(stop), share());
  const sync$ = syncSources$.pipe(
    syncManager({
      player: options.player,
      settings: syncSettings,
      updateTimeoutMs: config.P2P_SYNC.UpdateTimeoutMS,
      ...onScheduler,
    }),
    share(),
  );

  const restored$ = restoredEvents(link$, status$, scheduler);
  const syncErrors$ = sync$.pipe(mergeMap((step) => step.errors));

  const metricsState$ = merge(
    link$ as Observable<MetricEvent>,
    syncErrors$.pipe(map((error): MetricEvent => ({ type: 'sync_error', error }))),
    restored$.pipe(
      map((event): MetricEvent => ({ type: 'restored', ms: event.type === 'restored' ? event.ms : null })),
    ),
  ).pipe(
    scan(
      (state, event) => reduceMetrics(state, event, scheduler.now()),
      emptyMetrics(METRICS_WINDOW_MS, network.UpdateIntervalMS),
    ),
    startWith(emptyMetrics(METRICS_WINDOW_MS, network.UpdateIntervalMS)),
    shareReplay({ bufferSize: 1, refCount: false }),
  );
  const metrics$ = interval(1000, scheduler).pipe(
    withLatestFrom(metricsState$),
    map(([, state]) => metricsSnapshot(state, scheduler.now())),
    takeUntil(stop),
    share(),
  );
  const latencyAlarms$ = latencyAlarms(metrics$, network.MaxLatencyMS, scheduler);
  const linkEvents$ = linkClientEvents(link$, status$);

  const events$ = merge(
    status$.pipe(map((status): ClientEvent => ({ type: 'state', status }))),
    linkEvents$,
    syncErrors$.pipe(map((error): ClientEvent => ({ type: 'sync_error', error }))),
    restored$,
    latencyAlarms$,
    debugSwitch.pipe(map((on): ClientEvent => ({ type: 'debug', on }))),
  ).pipe(takeUntil(stop), share());

  const events = new Subject<ClientEvent>();
  const world$ = sync$.pipe(
    mergeMap((step) => (step.world === null ? [] : [step.world])),
    shareReplay({ bufferSize: 1, refCount: false }),
  );
  const self$ = sync$.pipe(
    map((step) => predictSelf(step.state)),
    distinctUntilChanged((a, b) => a?.id === b?.id && a?.x === b?.x && a?.y === b?.y),
    shareReplay({ bufferSize: 1, refCount: false }),
  );

  // The one subscription that runs the client; every stream above is derived from it.
  const running: Subscription = merge(
    ca$.pipe(ignoreElements()),
    status$.pipe(
      map((status) => statusNow$.next(status)),
      ignoreElements(),
    ),
    metricsState$.pipe(
      map((state) => metricsNow$.next(state)),
      ignoreElements(),
    ),
    world$.pipe(ignoreElements()),
    self$.pipe(ignoreElements()),
    sync$.pipe(
      mergeMap((step) => {
        syncStep$.next(step);
        return step.out;
      }),
      map((message) => outbox.next(message)),
      ignoreElements(),
    ),
    // A host that failed verification is told to the coordinator (the seed's security error handling).
    link$.pipe(
      withLatestFrom(status$),
      mergeMap(([event, status]): HostReport[] =>
        event.type === 'failing-over' && event.error !== null && isSecurityError(event.error)
          ? [{ map: status.map ?? '', hostId: event.from.id, code: event.error.code }]
          : [],
      ),
      map((report) => reports.next(report)),
      ignoreElements(),
    ),
    events$.pipe(
      map((event) => {
        logClientEvent(logger, event);
        events.next(event);
      }),
      ignoreElements(),
    ),
  ).subscribe({ complete: () => events.complete() });

  const recording$ = defer(() => {
    const at = <T>(entry: T) => ({ t: scheduler.now(), ...entry });
    return merge(
      of<RecordEntry>(
        at({
          kind: 'header',
          version: RECORDING_VERSION,
          role: 'client',
          player: options.player,
          sync: { ...syncSettings, updateTimeoutMs: config.P2P_SYNC.UpdateTimeoutMS },
        } as const),
      ),
      status$.pipe(map((status): RecordEntry => at({ kind: 'state', status } as const))),
      syncSources$.pipe(map((source): RecordEntry => at({ kind: 'source', source } as const))),
      sync$.pipe(
        mergeMap((step): RecordEntry[] => [
          ...step.errors.map((error) => at({ kind: 'sync_error', error } as const)),
          ...(step.verified === null ? [] : [at({ kind: 'hash', ...step.verified } as const)]),
          ...step.out.map((message) => at({ kind: 'sent', message } as const)),
        ]),
      ),
    );
  });

  return {
    recording$,
    state$: status$,
    world$,
    self$,
    metrics$,
    events$: events.asObservable(),
    loadMap: (mapId) => maps.next(mapId),
    move: (dx, dy) => moves.next({ dx, dy }),
    command: (line) => {
      const command = parseDebugCommand(line);
      switch (command?.kind) {
        case 'status':
          return describeStatus(statusNow$.value);
        case 'metrics':
          return JSON.stringify(metricsSnapshot(metricsNow$.value, scheduler.now()));
        case 'debug':
          logger.level = command.on ? 'debug' : 'info';
          debugSwitch.next(command.on);
          return `debug ${command.on ? 'on' : 'off'}`;
        case 'reconnect':
          if (statusNow$.value.state === P2PConnectionState.DISCONNECTED) return 'not connected';
          forceReconnect.next();
          return 'reconnecting';
        case 'failover':
          if (statusNow$.value.server?.kind === 'vps') return 'already on the VPS';
          if (statusNow$.value.state === P2PConnectionState.DISCONNECTED) return 'not connected';
          forceFailover.next();
          return 'failing over to the VPS';
        default:
          return P2P_USAGE;
      }
    },
    disconnect: () => {
      stop.next();
      running.unsubscribe();
    },
  };
};
