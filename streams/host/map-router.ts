import { EMPTY, type SchedulerLike, Subject, Subscription, asyncScheduler, catchError } from 'rxjs';
import { type P2PError, p2pError } from '../../lib/errors.js';
import type { Message } from '../../lib/protocol/messages.js';
import type { MapEvent, MapRules } from '../../lib/world/map-state.js';
import type { Config } from '../../config/schema.js';
import { DEFAULT_RULES, type World, type WorldRules, createWorld } from '../../lib/world/world.js';
import { type MapHostEvent, mapHost$ } from './map-host.js';
import { type MapRestore, type RestoreEvent, type RestorePolicy, createMapRestore } from './map-restore.js';

export type { RestoreEvent, RestorePolicy } from './map-restore.js';

export interface WorldSettings {
  readonly rules: WorldRules;
  readonly updateIntervalMs: number;
  readonly hashEvery: number;
  readonly checkpointEvery: number;
  readonly historyTicks: number;
  /** A client whose unsent backlog passes this gets no frame this tick: its next delta covers both. */
  readonly congestedBytes: number;
  /** Past this backlog the client is disconnected with ERR_SLOW_CLIENT. */
  readonly maxBacklogBytes: number;
  /** A client whose acks trail what it was sent by more than this many ticks gets nothing until it catches up. */
  readonly maxUnackedTicks: number;
  /** How long a disconnected player's entity waits for it to come back. */
  readonly playerGraceMs: number;
}

/**
 * PlayerGraceMS, or when 0 twice the longest a client tries its host before failing over (TimeoutMS to notice,
 * then MaxRetries retries ReconnectDelay apart): a client that comes back at all comes back within it.
 */
export const playerGraceMs = (config: Config): number =>
  config.P2P_SYNC.PlayerGraceMS > 0
    ? config.P2P_SYNC.PlayerGraceMS
    : 2 * (config.P2P_NETWORK.TimeoutMS + config.P2P_NETWORK.MaxRetries * config.P2P_NETWORK.ReconnectDelay);

/** The world settings from the configuration; the map's size and speeds are the defaults for now. */
export const worldSettings = (config: Config): WorldSettings => ({
  rules: { ...DEFAULT_RULES, npcCount: config.P2P_WORLD.NpcCount, npcStride: config.P2P_WORLD.NpcStride },
  updateIntervalMs: config.P2P_NETWORK.UpdateIntervalMS,
  hashEvery: config.P2P_SYNC.HashIntervalTicks,
  checkpointEvery: config.P2P_SYNC.CheckpointIntervalTicks,
  historyTicks: config.P2P_SYNC.SnapshotRingSize,
  congestedBytes: config.P2P_LIMITS.CongestedBytes,
  maxBacklogBytes: config.P2P_LIMITS.MaxBacklogBytes,
  maxUnackedTicks: config.P2P_LIMITS.MaxUnackedTicks,
  playerGraceMs: playerGraceMs(config),
});

/** A connected player on a map, as the router sees it. */
export interface MapPeer {
  readonly send: (message: Message) => void;
  readonly bufferedAmount: () => number;
  readonly close: (error: P2PError) => void;
}

interface LiveMap {
  readonly epoch: number;
  readonly events: Subject<MapEvent>;
  readonly players: Map<string, MapPeer>;
  readonly subscription: Subscription;
}

export interface MapRouter {
  /** Puts a player on a map (starting the map on first use); returns the player's message sink and its leave. */
  readonly attach: (
    map: string,
    epoch: number,
    player: string,
    peer: MapPeer,
  ) => { readonly message: (message: Message) => void; readonly detach: () => void };
  /** Stops a map (its lease was revoked). */
  readonly stop: (map: string) => void;
  /** The maps running now. */
  readonly maps: () => Iterable<string>;
  /** Every event of every map, for logs and tests. */
  readonly events$: Subject<{ readonly map: string; readonly event: MapHostEvent | RestoreEvent }>;
  readonly close: () => void;
}

const ROUTED: ReadonlySet<Message['kind']> = new Set(['input', 'ack', 'resync_request']);

/**
 * The maps a host runs: one `mapHost$` tick loop per map, started by the first player and fed by every
 * player's messages; sends go back to each player's channel. Slow players are skipped while congested and
 * dropped past `maxBacklogBytes`; neither delays the tick or anyone else.
 */
export const createMapRouter = (
  settings: WorldSettings,
  sign: () => (bytes: Buffer) => string,
  scheduler?: SchedulerLike,
  restore?: RestorePolicy,
): MapRouter => {
  const maps = new Map<string, LiveMap>();
  const events$ = new Subject<{ map: string; event: MapHostEvent | RestoreEvent }>();

  /**
   * A map whose tick loop threw (a bug, or a value that got past validation): its players are cut with a code
   * and it is gone, to start again when they come back. An error left to RxJS would end the whole process.
   */
  const fail = (map: string, error: unknown, live: LiveMap | undefined = maps.get(map)) => {
    if (live === undefined || maps.get(map) !== live) return;
    // A failing map stops its restore too (`restorer` is built below; this runs only once maps do).
    maps.delete(map);
    restorer?.stop(map);
    live.subscription.unsubscribe();
    const why = error instanceof Error ? error.message : String(error);
    const failed = p2pError('ERR_MAP_FAILED', `map ${map} stopped: ${why}`);
    events$.next({ map, event: { type: 'failed', code: failed.code, message: failed.message } });
    for (const peer of live.players.values()) peer.close(failed);
  };

  const start = (map: string, epoch: number, world: World = createWorld(settings.rules)): LiveMap => {
    const events = new Subject<MapEvent>();
    const players = new Map<string, MapPeer>();
    const rules: MapRules = {
      map,
      epoch,
      world: settings.rules,
      hashEvery: settings.hashEvery,
      checkpointEvery: settings.checkpointEvery,
      historyTicks: settings.historyTicks,
      maxUnackedTicks: settings.maxUnackedTicks,
      awayTicks: Math.ceil(settings.playerGraceMs / settings.updateIntervalMs),
      sign: (bytes) => sign()(bytes),
    };
    // Each player's backlog is read once per tick, before it runs: who is skipped this tick, and who is past the
    // cap and is cut once the tick's sends are out (a congested player gets no frame, so its backlog cannot
    // grow in between). `forEach`: a `for…of` over a Map's entries allocates an iterator result and an entry
    // array per player, per tick.
    let tooSlow: [string, MapPeer][] = [];
    const congested = () => {
      const found = new Set<string>();
      players.forEach((peer, player) => {
        const backlog = peer.bufferedAmount();
        if (backlog > settings.congestedBytes) found.add(player);
        if (backlog > settings.maxBacklogBytes) tooSlow.push([player, peer]);
      });
      return found;
    };
    // The map exists before its loop runs, so a failure of the loop (caught below) knows which map it ends.
    const live: LiveMap = { epoch, events, players, subscription: new Subscription() };
    maps.set(map, live);
    const host$ = mapHost$(events, {
      rules,
      world,
      updateIntervalMs: settings.updateIntervalMs,
      congested,
      ...(scheduler === undefined ? {} : { scheduler }),
    }).pipe(
      catchError((error: unknown) => {
        fail(map, error, live);
        return EMPTY;
      }),
    );
    const subscription = host$.subscribe((event) => {
      // Reported before the sends, so a listener sees each tick when it runs, not a thousand sends later.
      events$.next({ map, event });
      if (event.type === 'ticked') {
        for (const { player, message } of event.out) players.get(player)?.send(message);
        const cut = tooSlow;
        tooSlow = [];
        for (const [player, peer] of cut) {
          peer.close(
            p2pError('ERR_SLOW_CLIENT', `${player} fell more than ${settings.maxBacklogBytes} bytes behind`),
          );
        }
      }
    });
    live.subscription.add(subscription);
    return live;
  };

  /** A second session of a player replaces the first, which is told why (and must not reconnect by itself). */
  const join = (live: LiveMap, player: string, peer: MapPeer) => {
    const previous = live.players.get(player);
    live.players.set(player, peer);
    live.events.next({ type: 'join', player });
    previous?.close(p2pError('ERR_SESSION_REPLACED', `${player} connected again on another session`));
  };

  /** Starts a restored map (replacing one running: a restart), with these players joined. */
  const launch = (map: string, epoch: number, world: World, peers: ReadonlyMap<string, MapPeer>) => {
    maps.get(map)?.subscription.unsubscribe();
    const live = start(map, epoch, world);
    // Players the checkpoint names who are not here yet are away: their entities wait the grace period for them,
    // then go (without a leave they would stay in the world, and in every checkpoint after, for ever).
    for (const player of Object.keys(world.players))
      if (!peers.has(player)) live.events.next({ type: 'leave', player });
    for (const [player, peer] of peers) join(live, player, peer);
    return live;
  };

  const restorer: MapRestore | undefined =
    restore === undefined
      ? undefined
      : createMapRestore({
          settings,
          policy: restore,
          scheduler: scheduler ?? asyncScheduler,
          running: (map) => maps.get(map),
          launch,
          report: (map, event) => events$.next({ map, event }),
          fail: (map, error) => fail(map, error),
        });

  /** What a player's message does: the restore's if it takes it, else routed to the map it plays on. */
  const route = (map: string, player: string, peer: MapPeer, message: Message) => {
    if (restorer?.message(map, player, peer, message) === true) return;
    const live = maps.get(map);
    if (live !== undefined && ROUTED.has(message.kind) && live.players.get(player) === peer) {
      live.events.next({ type: 'message', player, message });
    }
  };

  return {
    attach: (map, epoch, player, peer) => {
      const running = maps.get(map);
      if (running === undefined && restorer?.wants(map) === true) restorer.arrive(map, epoch, player, peer);
      else join(running ?? start(map, epoch), player, peer);
      return {
        message: (message) => {
          try {
            route(map, player, peer, message);
          } catch (error) {
            // The boundary of a player's messages: whatever throws past here is that message's refusal, not the
            // process's end (an error thrown in a subscriber is rethrown where nothing catches it).
            const why = error instanceof Error ? error.message : String(error);
            const code = message.kind === 'restore' ? 'ERR_RESTORE_INVALID' : 'ERR_MESSAGE_INVALID';
            peer.send({ kind: 'error', code, message: `${message.kind} could not be handled: ${why}` });
          }
        },
        detach: () => {
          restorer?.leave(map, player, peer);
          const live = maps.get(map);
          if (live === undefined || live.players.get(player) !== peer) return;
          live.players.delete(player);
          live.events.next({ type: 'leave', player });
        },
      };
    },
    stop: (map) => {
      restorer?.stop(map);
      maps.get(map)?.subscription.unsubscribe();
      maps.delete(map);
    },
    maps: () => maps.keys(),
    events$,
    close: () => {
      restorer?.close();
      for (const live of maps.values()) live.subscription.unsubscribe();
      maps.clear();
      events$.complete();
    },
  };
};
