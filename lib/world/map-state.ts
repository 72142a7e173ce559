import type { DeltaMessage, EntityState } from '../protocol/hot-codecs.js';
import type { Message } from '../protocol/messages.js';
import type { CheckpointMessage } from '../protocol/control-codecs.js';
import { checkpointBytes, checkpointChanges } from './checkpoint.js';
import {
  type World,
  type WorldDelta,
  type WorldRules,
  type PlayerInput,
  addPlayer,
  applyInputs,
  diff,
  hashWorld,
  removePlayer,
  step,
} from './world.js';
import { copyMap } from './copy-map.js';
import { tickInputs } from './input-queue.js';

/**
 * One map's authoritative state on its host, advanced one tick at a time by a pure function: the stream hands
 * it everything players sent since the last tick, and sends what it returns. Each client gets, every tick, a
 * delta against the last tick sent to it (a skipped client's deltas coalesce instead of queueing), a world hash
 * every `hashEvery` ticks, and a signed checkpoint every `checkpointEvery` ticks.
 *
 * Why the last tick sent and not the last acknowledged: a connection is a reliable ordered stream, so every
 * frame sent on it reaches the client in order unless the connection drops, and a new connection starts from a
 * full state. Acknowledgements (every `ACK_INTERVAL_TICKS`) then say how far the client has read: one that
 * trails by more than `maxUnackedTicks` is stalled and gets nothing until it catches up, so its deltas
 * coalesce here rather than pile up in socket buffers.
 */
export interface MapRules {
  readonly map: string;
  readonly epoch: number;
  readonly world: WorldRules;
  readonly hashEvery: number;
  readonly checkpointEvery: number;
  /** Ticks of history kept to diff against; a client last sent an older tick gets a full state. */
  readonly historyTicks: number;
  /** A client whose acknowledgements trail the last tick sent to it by more than this is skipped. */
  readonly maxUnackedTicks: number;
  /** Signs checkpoint bytes with the host certificate key (base64). */
  readonly sign: (bytes: Buffer) => string;
  /**
   * Ticks a player's entity (position, last input) waits for it after its connection is gone; 0 or absent: it
   * goes at once. A player who comes back within them (a reconnect, a network blip) gets the same entity.
   */
  readonly awayTicks?: number;
}

interface ClientView {
  /** The last tick sent to the client: the baseline of its next delta. */
  readonly sentTick: number;
  /** The newest tick the client says it has applied. */
  readonly ackTick: number;
  readonly conflicts: number;
  /** The tick of the last checkpoint sent to the client: the next one goes as changes since it. */
  readonly checkpointTick: number | null;
}

export interface MapState {
  readonly world: World;
  /** The worlds of the ticks clients were last sent, by tick: what their next deltas are against. */
  readonly history: ReadonlyMap<number, World>;
  readonly clients: ReadonlyMap<string, ClientView>;
  /** The last checkpoint, whole: what the next one's changes are against. */
  readonly checkpoint: CheckpointMessage | null;
  /** Players whose connection is gone, with the tick their entity is removed at unless they come back. */
  readonly away: ReadonlyMap<string, number>;
  /**
   * Inputs received and not applied yet, per player, oldest first: a tick applies at most `maxStep` of a player's
   * movement (input-queue.ts), the rest waits here, at most `maxQueuedInputs` of them.
   */
  readonly pending: ReadonlyMap<string, readonly PlayerInput[]>;
  /**
   * Players who sent past their queue on their current connection. None of their inputs applies until they join
   * again: a client takes every input up to the last applied one (`lastInput`) as done, so applying one sent after
   * a dropped one would have it take the dropped one as done too. Its host cuts the connection (ERR_INPUT_FLOOD),
   * and the client sends again, on the next one, everything after `lastInput`.
   */
  readonly overflowed: ReadonlySet<string>;
}

/** What arrives between ticks; it takes effect at the next tick, in arrival order. */
export type MapEvent =
  | { readonly type: 'join'; readonly player: string }
  | { readonly type: 'leave'; readonly player: string }
  | { readonly type: 'message'; readonly player: string; readonly message: Message };

export interface Outgoing {
  readonly player: string;
  readonly message: Message;
}

/** Inputs of one player dropped in one tick: past its queue, or sent after one that was. */
export interface DroppedInputs {
  readonly player: string;
  readonly inputs: number;
}

export interface MapStep {
  readonly state: MapState;
  readonly out: readonly Outgoing[];
  /** Players whose input this tick was impossible and got clamped (the seed's position conflict). */
  readonly conflicts: readonly string[];
  /** Players whose inputs were dropped this tick (see `MapState.overflowed`), and how many. */
  readonly dropped: readonly DroppedInputs[];
}

export const initialMapState = (world: World): MapState => ({
  world,
  history: new Map([[world.tick, world]]),
  clients: new Map(),
  checkpoint: null,
  away: new Map(),
  pending: new Map(),
  overflowed: new Set(),
});

/**
 * One message per distinct content and tick, so clients sharing it share one object and the pipeline encodes,
 * compresses (and for full states hashes) it once: deltas by baseline and last input, full states by last input.
 */
const sharedMessages = (world: World, hash: string | null) => {
  // By baseline, then last input: a key string per client per tick would cost an allocation and a hash each.
  const deltas = new Map<World, Map<number, DeltaMessage>>();
  const diffs = new Map<World, WorldDelta>();
  const fullStates = new Map<number, Message>();
  let entities: EntityState[] | null = null;
  let fullHash: string | null = hash;
  return {
    delta: (baseline: World, lastInput: number): DeltaMessage => {
      let byLastInput = deltas.get(baseline);
      if (byLastInput === undefined) deltas.set(baseline, (byLastInput = new Map<number, DeltaMessage>()));
      let message = byLastInput.get(lastInput);
      if (message === undefined) {
        let delta = diffs.get(baseline);
        if (delta === undefined) diffs.set(baseline, (delta = diff(baseline, world)));
        message = {
          kind: 'delta',
          tick: world.tick,
          baseTick: baseline.tick,
          lastInput,
          hash,
          entities: delta.entities,
          removed: delta.removed,
        };
        byLastInput.set(lastInput, message);
      }
      return message;
    },
    fullState: (lastInput: number): Message => {
      let message = fullStates.get(lastInput);
      if (message === undefined) {
        entities ??= [...world.entities.values()];
        fullHash ??= hashWorld(world);
        message = {
          kind: 'full_state',
          tick: world.tick,
          lastInput,
          hash: fullHash,
          entities,
          players: world.players,
        };
        fullStates.set(lastInput, message);
      }
      return message;
    },
  };
};

/**
 * The worlds a next delta can be against: each client's last tick sent, back to `historyTicks` ago (an older
 * one gets a full state), and this tick. In steady play every client was just sent this tick, so a tick's world
 * lives one tick, not `historyTicks`: a thousand clients' host would otherwise carry seconds of worlds into V8's
 * old generation and pay for it in major GCs.
 */
const baselines = (
  history: ReadonlyMap<number, World>,
  clients: ReadonlyMap<string, ClientView>,
  current: World,
  rules: MapRules,
): Map<number, World> => {
  const kept = new Map<number, World>();
  clients.forEach((view) => {
    const world = history.get(view.sentTick);
    if (world !== undefined && view.sentTick > current.tick - rules.historyTicks)
      kept.set(view.sentTick, world);
  });
  kept.set(current.tick, current);
  return kept;
};

/**
 * One tick: the events since the last tick (joins, leaves, inputs, acks, resync requests, in order), then what the
 * movement rules allow of each player's queued inputs (input-queue.ts: at most `maxStep` a tick, surplus waits or,
 * past `maxQueuedInputs`, is dropped and reported in `dropped`), then the world steps, then every client neither
 * `congested` nor stalled gets its delta.
 */
export const advanceMap = (
  state: MapState,
  events: readonly MapEvent[],
  congested: ReadonlySet<string>,
  rules: MapRules,
): MapStep => {
  let world = state.world;
  const clients = copyMap(state.clients);
  const away = state.away.size === 0 ? new Map<string, number>() : copyMap(state.away);
  const conflicts: string[] = [];
  const joined = new Set<string>();
  const resync = new Set<string>();
  // Inputs wait in their player's queue; after the events the tick applies what the movement rules allow of
  // each (input-queue.ts), all in one world copy (applyInputs).
  const inputs = tickInputs(state.pending, state.overflowed, rules.world);
  for (const event of events) {
    if (event.type === 'join') {
      // A player coming back keeps its entity (addPlayer keeps one it has); a second session starts from a
      // full state, as any new connection does.
      away.delete(event.player);
      clients.delete(event.player);
      world = addPlayer(world, event.player, rules.world);
      joined.add(event.player);
      inputs.rejoin(event.player);
    } else if (event.type === 'leave') {
      // The leave takes effect at the tick being made (world.tick + 1); the entity waits awayTicks from there.
      if ((rules.awayTicks ?? 0) > 0) away.set(event.player, world.tick + 1 + (rules.awayTicks ?? 0));
      else {
        world = removePlayer(world, event.player);
        inputs.forget(event.player);
      }
      clients.delete(event.player);
      joined.delete(event.player);
    } else {
      const view = clients.get(event.player);
      const message = event.message;
      // Until it joins a player has no entity: what it sends before is dropped. Inputs right after a join in
      // the same tick count (a VPS replays the inputs it held during a restore window that way).
      if (view === undefined && !joined.has(event.player)) continue;
      if (message.kind === 'input') {
        inputs.offer(event.player, message, world.lastInputs[event.player] ?? 0);
      } else if (view === undefined) {
        continue;
      } else if (message.kind === 'ack' && message.tick > view.ackTick && message.tick <= view.sentTick) {
        clients.set(event.player, { ...view, ackTick: message.tick });
      } else if (message.kind === 'resync_request') resync.add(event.player);
    }
  }
  const applied = applyInputs(
    world,
    inputs.take((player) => world.players[player] !== undefined),
    rules.world,
  );
  world = applied.world;
  conflicts.push(...applied.conflicts);
  world = step(world, rules.world);
  away.forEach((until, player) => {
    if (until > world.tick) return;
    world = removePlayer(world, player);
    inputs.forget(player);
    away.delete(player);
  });
  const { pending, overflowed, dropped } = inputs.result();
  const hash = world.tick % rules.hashEvery === 0 ? hashWorld(world) : null;
  const shared = sharedMessages(world, hash);
  const out: Outgoing[] = [];
  for (const player of conflicts) {
    const view = clients.get(player);
    if (view !== undefined) clients.set(player, { ...view, conflicts: view.conflicts + 1 });
  }
  for (const player of joined) {
    if (world.players[player] === undefined || clients.has(player)) continue;
    clients.set(player, { sentTick: world.tick, ackTick: world.tick, conflicts: 0, checkpointTick: null });
    out.push({ player, message: shared.fullState(world.lastInputs[player] ?? 0) });
  }
  // `forEach`, not `for…of` over entries: this runs for every client every tick, and entry iteration allocates.
  clients.forEach((view, player) => {
    if (joined.has(player)) return;
    const lastInput = world.lastInputs[player] ?? 0;
    const baseline = state.history.get(view.sentTick);
    if (resync.has(player) || baseline === undefined) {
      clients.set(player, { ...view, sentTick: world.tick });
      out.push({ player, message: shared.fullState(lastInput) });
      return;
    }
    if (congested.has(player) || view.sentTick - view.ackTick > rules.maxUnackedTicks) return;
    clients.set(player, { ...view, sentTick: world.tick });
    out.push({ player, message: shared.delta(baseline, lastInput) });
  });
  let checkpoint = state.checkpoint;
  if (world.tick % rules.checkpointEvery === 0) {
    const payload = {
      map: rules.map,
      epoch: rules.epoch,
      tick: world.tick,
      // This tick's world hash when it was just computed (a checkpoint tick is usually a hash tick too).
      hash: hash ?? hashWorld(world),
      lastInputs: world.lastInputs,
      players: world.players,
    };
    const previous = checkpoint;
    checkpoint = { kind: 'checkpoint', ...payload, signature: rules.sign(checkpointBytes(payload)) };
    // Clients sent the previous checkpoint get the changes since (one shared message); the rest get it whole.
    const changes = previous === null ? null : checkpointChanges(previous, checkpoint);
    const whole = checkpoint;
    clients.forEach((view, player) => {
      const sendChanges = changes !== null && view.checkpointTick === previous?.tick;
      out.push({ player, message: sendChanges ? changes : whole });
      clients.set(player, { ...view, checkpointTick: world.tick });
    });
  }
  return {
    state: {
      world,
      history: baselines(state.history, clients, world, rules),
      clients,
      checkpoint,
      away,
      pending,
      overflowed,
    },
    out,
    conflicts,
    dropped,
  };
};
