import { type SchedulerLike, Subject, type Subscription, asyncScheduler } from 'rxjs';
import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../../lib/errors.js';
import { type Bundle, restoreWorld } from '../../lib/world/restore.js';
import type { Message } from '../../lib/protocol/messages.js';
import type { MapEvent, MapRules } from '../../lib/world/map-state.js';
import type { Config } from '../../config/schema.js';
import { DEFAULT_RULES, type World, type WorldRules, createWorld } from '../../lib/world/world.js';
import { type MapHostEvent, mapHost$ } from './map-host.js';

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

/** What a restore window did: each bundle's verdict, and the tick the map restarted from (null: empty). */
export type RestoreEvent =
  | { readonly type: 'bundle'; readonly player: string; readonly code: string | null }
  | { readonly type: 'restored'; readonly tick: number | null; readonly bundles: number };

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

/** Inputs kept per restore window for after the restore; past this a flood is dropped, not buffered. */
const MAX_HELD_INPUTS = 4096;

const ROUTED: ReadonlySet<Message['kind']> = new Set(['input', 'ack', 'resync_request']);

/**
 * The maps a host runs: one `mapHost$` tick loop per map, started by the first player and fed by every
 * player's messages; sends go back to each player's channel. Slow players are skipped while congested and
 * dropped past `maxBacklogBytes`; neither delays the tick or anyone else.
 */
/**
 * The VPS restores a map it took over (DESIGN §6): for `windowMs` after the first player arrives it collects
 * the players' bundles, then starts from the newest valid one (or empty). The window closes early once every
 * player named by the newest valid checkpoint has brought a bundle.
 */
export interface RestorePolicy {
  readonly windowMs: number;
  /** Whether a map starting here has a world to restore (it was taken over); if not it starts fresh at once. */
  readonly wanted?: (map: string) => boolean;
  readonly verify: (map: string, epoch: number, bundle: Bundle) => either.Either<P2PError, Bundle>;
}

interface Restoring {
  readonly epoch: number;
  readonly bundles: Bundle[];
  /** Players who arrived during the window, joined once the map starts. */
  readonly arrivals: Map<string, MapPeer>;
  /** Inputs sent during the window: applied once the map runs (a restored player's are ignored if older). */
  readonly held: { readonly player: string; readonly message: Message }[];
  readonly timer: Subscription;
}

/**
 * Whether the window can close early: every player the newest valid checkpoint names has brought a bundle, so
 * no one who was on the map then can still bring a newer one. Waiting out `windowMs` would only delay play.
 */
const everyoneReported = (bundles: readonly Bundle[]): boolean => {
  const newest = bundles.reduce<Bundle | null>(
    (best, b) => (best === null || b.restore.checkpoint.tick > best.restore.checkpoint.tick ? b : best),
    null,
  );
  if (newest === null) return false;
  const reported = new Set(bundles.map((b) => b.player));
  return Object.keys(newest.restore.checkpoint.players).every((player) => reported.has(player));
};

export const createMapRouter = (
  settings: WorldSettings,
  sign: () => (bytes: Buffer) => string,
  scheduler?: SchedulerLike,
  restore?: RestorePolicy,
): MapRouter => {
  const maps = new Map<string, LiveMap>();
  const restoring = new Map<string, Restoring>();
  const events$ = new Subject<{ map: string; event: MapHostEvent | RestoreEvent }>();

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
    const subscription = mapHost$(events, {
      rules,
      world,
      updateIntervalMs: settings.updateIntervalMs,
      congested,
      ...(scheduler === undefined ? {} : { scheduler }),
    }).subscribe((event) => {
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
    const live = { epoch, events, players, subscription };
    maps.set(map, live);
    return live;
  };

  /** A second session of a player replaces the first, which is told why (and must not reconnect by itself). */
  const join = (live: LiveMap, player: string, peer: MapPeer) => {
    const previous = live.players.get(player);
    live.players.set(player, peer);
    live.events.next({ type: 'join', player });
    previous?.close(p2pError('ERR_SESSION_REPLACED', `${player} connected again on another session`));
  };

  /** Ends a restore window: the newest valid bundle wins, then everyone who waited joins. */
  const finishRestore = (map: string) => {
    const pending = restoring.get(map);
    if (pending === undefined) return;
    restoring.delete(map);
    const world = restoreWorld(pending.bundles, settings.rules);
    events$.next({
      map,
      event: { type: 'restored', tick: world?.tick ?? null, bundles: pending.bundles.length },
    });
    const live = start(map, pending.epoch, world ?? createWorld(settings.rules));
    // Players the checkpoint names who are not here yet are away: their entities wait the grace period for them,
    // then go (without a leave they would stay in the world, and in every checkpoint after, for ever).
    for (const player of Object.keys(world?.players ?? {}))
      if (!pending.arrivals.has(player)) live.events.next({ type: 'leave', player });
    for (const [player, peer] of pending.arrivals) join(live, player, peer);
    for (const { player, message } of pending.held) live.events.next({ type: 'message', player, message });
  };

  return {
    attach: (map, epoch, player, peer) => {
      const running = maps.get(map);
      if (running === undefined && restore !== undefined && (restore.wanted?.(map) ?? true)) {
        const pending =
          restoring.get(map) ??
          ((): Restoring => {
            const created: Restoring = {
              epoch,
              bundles: [],
              arrivals: new Map(),
              held: [],
              timer: (scheduler ?? asyncScheduler).schedule(() => finishRestore(map), restore.windowMs),
            };
            restoring.set(map, created);
            return created;
          })();
        const previous = pending.arrivals.get(player);
        pending.arrivals.set(player, peer);
        previous?.close(p2pError('ERR_SESSION_REPLACED', `${player} connected again on another session`));
      } else join(running ?? start(map, epoch), player, peer);
      const current = () => maps.get(map);
      return {
        message: (message) => {
          const pending = restoring.get(map);
          if (message.kind === 'restore' && pending !== undefined && restore !== undefined) {
            const verified = restore.verify(map, pending.epoch, { player, restore: message });
            if (either.isRight(verified)) pending.bundles.push(verified.right);
            else peer.send({ kind: 'error', code: verified.left.code, message: verified.left.message });
            events$.next({
              map,
              event: { type: 'bundle', player, code: either.isRight(verified) ? null : verified.left.code },
            });
            if (everyoneReported(pending.bundles)) {
              pending.timer.unsubscribe();
              finishRestore(map);
            }
            return;
          }
          if (pending !== undefined && message.kind === 'input' && pending.arrivals.get(player) === peer) {
            if (pending.held.length < MAX_HELD_INPUTS) pending.held.push({ player, message });
            return;
          }
          const live = current();
          if (message.kind === 'restore' && live !== undefined && restore !== undefined) {
            // Too late for the window: the map runs already, but this player's own inputs since the
            // checkpoint still count (the map ignores those it has applied).
            const verified = restore.verify(map, live.epoch, { player, restore: message });
            if (either.isLeft(verified)) {
              peer.send({ kind: 'error', code: verified.left.code, message: verified.left.message });
              return;
            }
            for (const input of message.inputs)
              live.events.next({ type: 'message', player, message: { kind: 'input', ...input } });
            return;
          }
          if (live !== undefined && ROUTED.has(message.kind) && live.players.get(player) === peer) {
            live.events.next({ type: 'message', player, message });
          }
        },
        detach: () => {
          const waiting = restoring.get(map)?.arrivals;
          if (waiting?.get(player) === peer) waiting.delete(player);
          const live = current();
          if (live === undefined || live.players.get(player) !== peer) return;
          live.players.delete(player);
          live.events.next({ type: 'leave', player });
        },
      };
    },
    stop: (map) => {
      restoring.get(map)?.timer.unsubscribe();
      restoring.delete(map);
      maps.get(map)?.subscription.unsubscribe();
      maps.delete(map);
    },
    maps: () => maps.keys(),
    events$,
    close: () => {
      for (const pending of restoring.values()) pending.timer.unsubscribe();
      restoring.clear();
      for (const live of maps.values()) live.subscription.unsubscribe();
      maps.clear();
      events$.complete();
    },
  };
};
