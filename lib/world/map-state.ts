import type { InputMessage } from '../protocol/hot-codecs.js';
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
 * One map's authoritative state on its host, as a pure reducer: the stream feeds it ticks, joins, leaves and
 * player messages, and sends what it returns. Each client gets, every tick, a delta against the last tick it
 * acknowledged (so a slow client's deltas coalesce instead of queueing), a world hash every `hashEvery` ticks,
 * and a signed checkpoint every `checkpointEvery` ticks.
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
  /** What happens at the next tick, in arrival order: joins, leaves and inputs change the world only there. */
  readonly queued: readonly Queued[];
}

type Queued =
  | { readonly type: 'join'; readonly player: string }
  | { readonly type: 'leave'; readonly player: string }
  | { readonly type: 'input'; readonly player: string; readonly input: InputMessage };

export type MapEvent =
  /** `congested`: players whose socket buffer is over its cap this tick: they get no frame, their delta coalesces. */
  | { readonly type: 'tick'; readonly congested: ReadonlySet<string> }
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
  /** Players whose input this step was impossible and got clamped (the seed's position conflict). */
  readonly conflicts: readonly string[];
}

export const initialMapState = (world: World): MapState => ({
  world,
  history: new Map([[world.tick, world]]),
  clients: new Map(),
  queued: [],
});

const fullState = (world: World, player: string): Message => ({
  kind: 'full_state',
  tick: world.tick,
  lastInput: world.lastInputs[player] ?? 0,
  hash: hashWorld(world),
  entities: [...world.entities.values()],
  players: world.players,
});

const withClient = (state: MapState, player: string, view: ClientView): MapState => ({
  ...state,
  clients: new Map(state.clients).set(player, view),
});

const tick = (state: MapState, congested: ReadonlySet<string>, rules: MapRules): MapStep => {
  let world = state.world;
  const conflicts: string[] = [];
  const clients = new Map(state.clients);
  const joined: string[] = [];
  for (const queued of state.queued) {
    if (queued.type === 'join') {
      world = addPlayer(world, queued.player, rules.world);
      joined.push(queued.player);
    } else if (queued.type === 'leave') {
      world = removePlayer(world, queued.player);
      clients.delete(queued.player);
    } else {
      const applied = applyInput(world, queued.player, queued.input, rules.world);
      world = applied.world;
      if (applied.conflict) conflicts.push(queued.player);
    }
  }
  world = step(world, rules.world);
  const history = new Map(state.history);
  history.set(world.tick, world);
  for (const t of history.keys()) if (t <= world.tick - rules.historyTicks) history.delete(t);

  const hash = world.tick % rules.hashEvery === 0 ? hashWorld(world) : null;
  const out: Outgoing[] = [];
  // A player who joined this tick starts from the full state of this tick, acknowledged by construction.
  for (const player of joined) {
    if (!world.players[player] || clients.has(player)) continue;
    clients.set(player, { ackTick: world.tick, conflicts: 0 });
    out.push({ player, message: fullState(world, player) });
  }
  // Clients that acknowledged the same tick share one diff: per client there is only the message to seal.
  const deltas = new Map<number, ReturnType<typeof diff>>();
  for (const [player, view] of clients) {
    if (joined.includes(player) || congested.has(player)) continue;
    const baseline = history.get(view.ackTick);
    if (baseline === undefined) {
      out.push({ player, message: fullState(world, player) });
      continue;
    }
    const delta = deltas.get(baseline.tick) ?? diff(baseline, world);
    deltas.set(baseline.tick, delta);
    out.push({
      player,
      message: {
        kind: 'delta',
        tick: world.tick,
        baseTick: baseline.tick,
        lastInput: world.lastInputs[player] ?? 0,
        hash,
        entities: delta.entities,
        removed: delta.removed,
      },
    });
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
    const signature = rules.sign(checkpointBytes(payload));
    for (const player of state.clients.keys())
      out.push({ player, message: { kind: 'checkpoint', ...payload, signature } });
  }
  for (const player of conflicts) {
    const view = clients.get(player);
    if (view !== undefined) clients.set(player, { ...view, conflicts: view.conflicts + 1 });
  }
  return { state: { world, history, clients, queued: [] }, out, conflicts };
};

/** The next state and what to send, for one event. */
export const reduceMap = (state: MapState, event: MapEvent, rules: MapRules): MapStep => {
  switch (event.type) {
    case 'tick':
      return tick(state, event.congested, rules);
    case 'join':
    case 'leave':
      return {
        state: { ...state, queued: [...state.queued, { type: event.type, player: event.player }] },
        out: [],
        conflicts: [],
      };
    case 'message': {
      const view = state.clients.get(event.player);
      const message = event.message;
      // Until its join tick a player has no entity: its messages wait for nothing and are dropped.
      if (view === undefined) return { state, out: [], conflicts: [] };
      if (message.kind === 'input') {
        const queued = [...state.queued, { type: 'input' as const, player: event.player, input: message }];
        return { state: { ...state, queued }, out: [], conflicts: [] };
      }
      if (message.kind === 'ack' && message.tick > view.ackTick && state.history.has(message.tick)) {
        return {
          state: withClient(state, event.player, { ...view, ackTick: message.tick }),
          out: [],
          conflicts: [],
        };
      }
      if (message.kind === 'resync_request') {
        const resynced = withClient(state, event.player, { ...view, ackTick: state.world.tick });
        return {
          state: resynced,
          out: [{ player: event.player, message: fullState(state.world, event.player) }],
          conflicts: [],
        };
      }
      return { state, out: [], conflicts: [] };
    }
  }
};
