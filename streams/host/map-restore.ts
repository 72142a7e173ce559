import type { Observer, SchedulerLike, Subscription } from 'rxjs';
import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../../lib/errors.js';
import type { InputMessage } from '../../lib/protocol/hot-codecs.js';
import type { Message } from '../../lib/protocol/messages.js';
import type { RestoreMessage } from '../../lib/protocol/control-codecs.js';
import { boundBundleInputs } from '../../lib/world/bundle-inputs.js';
import type { MapEvent } from '../../lib/world/map-state.js';
import { type Bundle, everyoneReported, newestBundle, restoreWorld } from '../../lib/world/restore.js';
import { DEFAULT_MAX_QUEUED_INPUTS } from '../../lib/world/input-queue.js';
import { type World, createWorld } from '../../lib/world/world.js';
import type { MapPeer, WorldSettings } from './map-router.js';

/**
 * The VPS restores a map it took over (DESIGN §6): for `windowMs` after the first player arrives it collects
 * the players' bundles, then starts from the newest valid one (or empty). It starts early once every player
 * named by the newest valid checkpoint has brought a bundle, and until `windowMs` is over a bundle proving a
 * newer checkpoint restarts it from that one.
 */
export interface RestorePolicy {
  readonly windowMs: number;
  /** Whether a map starting here has a world to restore (it was taken over); if not it starts fresh at once. */
  readonly wanted?: (map: string) => boolean;
  readonly verify: (map: string, epoch: number, bundle: Bundle) => either.Either<P2PError, Bundle>;
}

/** What a restore window did, or what became of a map that failed. */
export type RestoreEvent =
  /** A bundle's verdict: null when it counts, else the code it was refused with. */
  | { readonly type: 'bundle'; readonly player: string; readonly code: string | null }
  /** The map (re)started from this tick (null: empty), from this many bundles. */
  | { readonly type: 'restored'; readonly tick: number | null; readonly bundles: number }
  /** Inputs a player lost: held past its bound while the window was open, or past what its bundle may replay. */
  | {
      readonly type: 'dropped';
      readonly player: string;
      readonly what: 'held' | 'bundle';
      readonly count: number;
    }
  /** The map's tick loop (or its restore) threw: its players were cut with this code. */
  | { readonly type: 'failed'; readonly code: string; readonly message: string };

/** A map as it runs, as far as a restore needs it. */
export interface RunningMap {
  readonly epoch: number;
  readonly players: ReadonlyMap<string, MapPeer>;
  readonly events: Observer<MapEvent>;
}

export interface MapRestoreDeps {
  readonly settings: WorldSettings;
  readonly policy: RestorePolicy;
  readonly scheduler: SchedulerLike;
  readonly running: (map: string) => RunningMap | undefined;
  /** Starts a map from a world with these players joined, replacing the one running (a restart). */
  readonly launch: (
    map: string,
    epoch: number,
    world: World,
    players: ReadonlyMap<string, MapPeer>,
  ) => RunningMap;
  readonly report: (map: string, event: RestoreEvent) => void;
  /** Something threw where nothing should: the map's players are cut (ERR_MAP_FAILED), the process goes on. */
  readonly fail: (map: string, error: unknown) => void;
}

interface Takeover {
  readonly epoch: number;
  /** Collecting: no map yet. Running: started early, a newer checkpoint restarts it. Settled: the window is over. */
  phase: 'collecting' | 'running' | 'settled';
  /** Verified bundles by player, until the window is over. */
  readonly bundles: Map<string, Bundle>;
  /** Players whose bundle counted: a second is refused, for as long as the map runs. */
  readonly reported: Set<string>;
  /** Players waiting for the map to start. */
  readonly arrivals: Map<string, MapPeer>;
  /**
   * Each player's inputs while the window is open, at most `heldInputs` each (a flood by one player cannot crowd
   * another out): applied when the map starts, and again when a newer checkpoint restarts it.
   */
  readonly held: Map<string, InputMessage[]>;
  readonly dropped: Map<string, number>;
  /** Connections cut for sending past their bound while the map waited: nothing more of theirs is held. */
  readonly cut: Set<MapPeer>;
  /** The last input of each player the running map was restored with (empty: it started empty). */
  base: { readonly tick: number; readonly lastInputs: Readonly<Record<string, number>> } | null;
  timer: Subscription | null;
}

export interface MapRestore {
  /** Whether a map that is not running must be restored before it runs. */
  readonly wants: (map: string) => boolean;
  /** A player arrives at a map waiting to be restored (it opens the window); a second session replaces the first. */
  readonly arrive: (map: string, epoch: number, player: string, peer: MapPeer) => void;
  /** Takes a player's message if it is the restore's (a bundle; an input while the map waits): true if taken. */
  readonly message: (map: string, player: string, peer: MapPeer, message: Message) => boolean;
  readonly leave: (map: string, player: string, peer: MapPeer) => void;
  readonly stop: (map: string) => void;
  readonly close: () => void;
}

/** The restore windows of a host's maps (see `RestorePolicy`). Every timer runs on the injected scheduler. */
export const createMapRestore = (deps: MapRestoreDeps): MapRestore => {
  const { settings, policy } = deps;
  const takeovers = new Map<string, Takeover>();
  // Inputs waiting for a restored map are inputs waiting for their tick: the map queue's bound per player.
  const heldInputs = settings.rules.maxQueuedInputs ?? DEFAULT_MAX_QUEUED_INPUTS;
  // A host signs a checkpoint every checkpointEvery ticks: one that had run longer would have signed a newer one.
  const travelTicks = settings.checkpointEvery;

  const takeover = (epoch: number, phase: Takeover['phase']): Takeover => ({
    epoch,
    phase,
    bundles: new Map(),
    reported: new Set(),
    arrivals: new Map(),
    held: new Map(),
    dropped: new Map(),
    cut: new Set(),
    base: null,
    timer: null,
  });

  const refuse = (map: string, player: string, peer: MapPeer, error: P2PError) => {
    peer.send({ kind: 'error', code: error.code, message: error.message });
    deps.report(map, { type: 'bundle', player, code: error.code });
  };

  /**
   * Keeps an input for the (re)start. Past the player's bound while the map waits, it and every later one on that
   * connection are dropped and counted, and the connection is cut (ERR_INPUT_FLOOD, as a map cuts a player whose
   * queue overflows): holding a later input would have the map apply it past the dropped ones, which the client
   * would then take as applied too. On its next connection the client sends again what was not applied.
   */
  const hold = (t: Takeover, player: string, peer: MapPeer, input: InputMessage) => {
    const drop = () => t.dropped.set(player, (t.dropped.get(player) ?? 0) + 1);
    if (t.cut.has(peer)) return drop();
    let inputs = t.held.get(player);
    if (inputs === undefined) t.held.set(player, (inputs = []));
    // A resend (a client sends again after a reconnect what it has no answer for) is held once.
    if (input.seq <= (inputs.at(-1)?.seq ?? 0)) return;
    if (inputs.length < heldInputs) inputs.push(input);
    else if (t.phase === 'collecting') {
      drop();
      t.cut.add(peer);
      peer.close(
        p2pError('ERR_INPUT_FLOOD', `${player} sent more than ${heldInputs} inputs while the map waited`),
      );
    }
    // A running map takes the input itself (its own queue bounds it); past the bound it is only not kept to
    // replay on a restart.
  };

  /** (Re)starts the map from the bundles so far, with these players, then replays what they sent meanwhile. */
  const begin = (map: string, t: Takeover, players: ReadonlyMap<string, MapPeer>) => {
    const bundles = [...t.bundles.values()];
    const onDropped = (player: string, count: number) =>
      deps.report(map, { type: 'dropped', player, what: 'bundle', count });
    let world: World | null = null;
    try {
      world = restoreWorld(bundles, settings.rules, travelTicks, onDropped);
    } catch (error) {
      // Verified bundles should always restore; if they do not, the players still get a map (an empty one)
      // rather than wait for ever on one that never starts.
      const why = error instanceof Error ? error.message : String(error);
      deps.report(map, { type: 'failed', code: 'ERR_RESTORE_INVALID', message: `restore failed: ${why}` });
    }
    const newest = newestBundle(bundles)?.restore.checkpoint;
    t.base =
      world === null || newest === undefined ? null : { tick: newest.tick, lastInputs: newest.lastInputs };
    deps.report(map, { type: 'restored', tick: world?.tick ?? null, bundles: bundles.length });
    const live = deps.launch(map, t.epoch, world ?? createWorld(settings.rules), players);
    t.held.forEach((inputs, player) => {
      for (const message of inputs) live.events.next({ type: 'message', player, message });
    });
  };

  const windowEnds = (map: string) => {
    const t = takeovers.get(map);
    if (t === undefined) return;
    t.timer = null;
    if (t.phase === 'collecting') {
      begin(map, t, t.arrivals);
      t.arrivals.clear();
    }
    t.phase = 'settled';
    t.dropped.forEach((count, player) => deps.report(map, { type: 'dropped', player, what: 'held', count }));
    // Only who reported, and the base, stay for late bundles: bundles hold whole snapshots.
    t.bundles.clear();
    t.held.clear();
    t.dropped.clear();
    t.cut.clear();
  };

  /** A bundle after the map started, not newer than its base: its inputs count, as far as its bound allows. */
  const replayLate = (
    map: string,
    t: Takeover,
    live: RunningMap,
    player: string,
    restore: RestoreMessage,
  ) => {
    const since = Math.max(restore.checkpoint.lastInputs[player] ?? 0, t.base?.lastInputs[player] ?? 0);
    const { kept, dropped } = boundBundleInputs(restore.inputs, {
      since,
      maxStep: settings.rules.maxStep,
      travelTicks,
    });
    if (dropped > 0) deps.report(map, { type: 'dropped', player, what: 'bundle', count: dropped });
    for (const input of kept)
      live.events.next({ type: 'message', player, message: { kind: 'input', ...input } });
  };

  const verify = (map: string, epoch: number, bundle: Bundle): either.Either<P2PError, Bundle> => {
    try {
      return policy.verify(map, epoch, bundle);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return either.left(p2pError('ERR_RESTORE_INVALID', `bundle could not be checked: ${why}`));
    }
  };

  const onBundle = (map: string, player: string, peer: MapPeer, restore: RestoreMessage) => {
    const live = deps.running(map);
    let t = takeovers.get(map);
    if (t === undefined) {
      // A map that started without a window (nothing to restore when it began): late bundles' inputs count.
      if (live === undefined) return;
      takeovers.set(map, (t = takeover(live.epoch, 'settled')));
    }
    if (t.reported.has(player)) {
      refuse(map, player, peer, p2pError('ERR_RESTORE_REPEATED', `${player} brought a bundle already`));
      return;
    }
    const verdict = verify(map, t.epoch, { player, restore });
    if (either.isLeft(verdict)) {
      refuse(map, player, peer, verdict.left);
      return;
    }
    t.reported.add(player);
    deps.report(map, { type: 'bundle', player, code: null });
    if (t.phase === 'collecting') {
      t.bundles.set(player, verdict.right);
      if (!everyoneReported(t.bundles)) return;
      t.phase = 'running';
      begin(map, t, t.arrivals);
      t.arrivals.clear();
    } else if (t.phase === 'running' && live !== undefined) {
      t.bundles.set(player, verdict.right);
      // The map started from a checkpoint everyone it named had vouched for, but someone who joined after it
      // can hold a newer one: the newest any bundle proves wins while the window is open.
      if (t.base === null || restore.checkpoint.tick > t.base.tick) begin(map, t, new Map(live.players));
      else replayLate(map, t, live, player, restore);
    } else if (live !== undefined) replayLate(map, t, live, player, restore);
  };

  return {
    wants: (map) => policy.wanted?.(map) ?? true,
    arrive: (map, epoch, player, peer) => {
      let t = takeovers.get(map);
      if (t?.phase !== 'collecting') {
        t?.timer?.unsubscribe();
        const created = takeover(epoch, 'collecting');
        created.timer = deps.scheduler.schedule(() => {
          try {
            windowEnds(map);
          } catch (error) {
            deps.fail(map, error);
          }
        }, policy.windowMs);
        takeovers.set(map, (t = created));
      }
      const previous = t.arrivals.get(player);
      t.arrivals.set(player, peer);
      previous?.close(p2pError('ERR_SESSION_REPLACED', `${player} connected again on another session`));
    },
    message: (map, player, peer, message) => {
      if (message.kind === 'restore') {
        onBundle(map, player, peer, message);
        return true;
      }
      const t = takeovers.get(map);
      if (message.kind !== 'input' || t === undefined) return false;
      if (t.phase === 'collecting') {
        if (t.arrivals.get(player) === peer) hold(t, player, peer, message);
        return true;
      }
      // While a newer checkpoint can still restart the map, what players send is kept to replay after it.
      if (t.phase === 'running' && deps.running(map)?.players.get(player) === peer)
        hold(t, player, peer, message);
      return false;
    },
    leave: (map, player, peer) => {
      const t = takeovers.get(map);
      if (t?.phase === 'collecting' && t.arrivals.get(player) === peer) t.arrivals.delete(player);
    },
    stop: (map) => {
      takeovers.get(map)?.timer?.unsubscribe();
      takeovers.delete(map);
    },
    close: () => {
      takeovers.forEach((t) => t.timer?.unsubscribe());
      takeovers.clear();
    },
  };
};
