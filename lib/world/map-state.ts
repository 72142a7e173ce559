import type { DeltaMessage } from '../protocol/hot-codecs.js';
import type { Message } from '../protocol/messages.js';
import { checkpointBytes } from './checkpoint.js';
import {
  type World,
  type WorldRules,
  addPlayer,
  applyInput,
  diff,
  hashWorld,
  removePlayer,
  step,
} from './world.js';

/**
 * One map's authoritative state on its host, advanced one tick at a time by a pure function: the stream hands
 * it everything players sent since the last tick, and sends what it returns. Each client gets, every tick, a
 * delta against the last tick it acknowledged (so a slow client's deltas coalesce instead of queueing), a
 * world hash every `hashEvery` ticks, and a signed checkpoint every `checkpointEvery` ticks.
 */
export interface MapRules {
  readonly map: string;
  readonly epoch: number;
  readonly world: WorldRules;
  readonly hashEvery: number;
  readonly checkpointEvery: number;
  /** Ticks of history kept to diff against; a client acknowledging older ticks gets a full state. */
  readonly historyTicks: number;
  /** Signs checkpoint bytes with the host certificate key (base64). */
  readonly sign: (bytes: Buffer) => string;
}

interface ClientView {
  /** The newest tick the client acknowledged: the baseline of its next delta. */
  readonly ackTick: number;
  readonly conflicts: number;
}

export interface MapState {
  readonly world: World;
  readonly history: ReadonlyMap<number, World>;
  readonly clients: ReadonlyMap<string, ClientView>;
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

export interface MapStep {
  readonly state: MapState;
  readonly out: readonly Outgoing[];
  /** Players whose input this tick was impossible and got clamped (the seed's position conflict). */
  readonly conflicts: readonly string[];
}

export const initialMapState = (world: World): MapState => ({
  world,
  history: new Map([[world.tick, world]]),
  clients: new Map(),
});

const fullState = (world: World, player: string): Message => ({
  kind: 'full_state',
  tick: world.tick,
  lastInput: world.lastInputs[player] ?? 0,
  hash: hashWorld(world),
  entities: [...world.entities.values()],
  players: world.players,
});

/**
 * One tick: the events since the last tick (joins, leaves, inputs, acks, resync requests, in order), then the
 * world steps, then every client not `congested` gets its delta. Clients sharing a baseline and a last input
 * share one delta message, so it is encoded once (the codec caches by message).
 */
export const advanceMap = (
  state: MapState,
  events: readonly MapEvent[],
  congested: ReadonlySet<string>,
  rules: MapRules,
): MapStep => {
  let world = state.world;
  const clients = new Map(state.clients);
  const conflicts: string[] = [];
  const joined = new Set<string>();
  const resync = new Set<string>();
  for (const event of events) {
    if (event.type === 'join') {
      world = addPlayer(world, event.player, rules.world);
      joined.add(event.player);
    } else if (event.type === 'leave') {
      world = removePlayer(world, event.player);
      clients.delete(event.player);
      joined.delete(event.player);
    } else {
      const view = clients.get(event.player);
      const message = event.message;
      // Until it joins a player has no entity: what it sends before is dropped. Inputs right after a join in
      // the same tick count (a VPS replays the inputs it held during a restore window that way).
      if (view === undefined && !joined.has(event.player)) continue;
      if (message.kind === 'input') {
        const applied = applyInput(world, event.player, message, rules.world);
        world = applied.world;
        if (applied.conflict) conflicts.push(event.player);
      } else if (view === undefined) {
        continue;
      } else if (message.kind === 'ack' && message.tick > view.ackTick && state.history.has(message.tick)) {
        clients.set(event.player, { ...view, ackTick: message.tick });
      } else if (message.kind === 'resync_request') resync.add(event.player);
    }
  }
  world = step(world, rules.world);
  const history = new Map(state.history).set(world.tick, world);
  for (const t of history.keys()) if (t <= world.tick - rules.historyTicks) history.delete(t);

  const hash = world.tick % rules.hashEvery === 0 ? hashWorld(world) : null;
  const out: Outgoing[] = [];
  const deltas = new Map<string, DeltaMessage>();
  for (const player of conflicts) {
    const view = clients.get(player);
    if (view !== undefined) clients.set(player, { ...view, conflicts: view.conflicts + 1 });
  }
  for (const player of joined) {
    if (world.players[player] === undefined || clients.has(player)) continue;
    clients.set(player, { ackTick: world.tick, conflicts: 0 });
    out.push({ player, message: fullState(world, player) });
  }
  for (const [player, view] of clients) {
    if (joined.has(player)) continue;
    const baseline = history.get(view.ackTick);
    if (resync.has(player) || baseline === undefined) {
      clients.set(player, { ...view, ackTick: world.tick });
      out.push({ player, message: fullState(world, player) });
      continue;
    }
    if (congested.has(player)) continue;
    const lastInput = world.lastInputs[player] ?? 0;
    const key = `${baseline.tick}:${lastInput}`;
    let message = deltas.get(key);
    if (message === undefined) {
      const delta = diff(baseline, world);
      message = {
        kind: 'delta',
        tick: world.tick,
        baseTick: baseline.tick,
        lastInput,
        hash,
        entities: delta.entities,
        removed: delta.removed,
      };
      deltas.set(key, message);
    }
    out.push({ player, message });
  }
  if (world.tick % rules.checkpointEvery === 0) {
    const payload = {
      map: rules.map,
      epoch: rules.epoch,
      tick: world.tick,
      hash: hashWorld(world),
      lastInputs: world.lastInputs,
      players: world.players,
    };
    const checkpoint: Message = {
      kind: 'checkpoint',
      ...payload,
      signature: rules.sign(checkpointBytes(payload)),
    };
    for (const player of clients.keys()) out.push({ player, message: checkpoint });
  }
  return { state: { world, history, clients }, out, conflicts };
};
