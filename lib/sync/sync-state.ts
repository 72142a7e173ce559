import type {
  CheckpointMessage,
  FullStateMessage,
  RestoreMessage,
  SyncErrorType,
} from '../protocol/control-codecs.js';
import { type DeltaMessage, quantize } from '../protocol/hot-codecs.js';
import { ACK_INTERVAL_TICKS } from '../protocol/limits.js';
import type { Message } from '../protocol/messages.js';
import { type Replica, applyDeltaMessage, applyFullState, emptyReplica } from '../world/replica.js';
import { expandCheckpoint } from '../world/checkpoint.js';
import { type World, hashWorld } from '../world/world.js';

/**
 * Which tick in every ACK_INTERVAL_TICKS a player acknowledges, from its name: players who joined on the same
 * tick (a host restart, a failover) would otherwise all ack on the same tick, a burst their host opens at once.
 */
export const ackPhase = (player: string): number => {
  let hash = 0;
  for (let i = 0; i < player.length; i++) hash = (hash * 31 + player.charCodeAt(i)) >>> 0;
  return hash % ACK_INTERVAL_TICKS;
};

/**
 * Whether a client acknowledges `tick`: on its phase tick of every ACK_INTERVAL_TICKS, and in any case once
 * ACK_INTERVAL_TICKS have passed since its last ack (the protocol's bound, when coalesced deltas skip ticks).
 */
export const isAckTick = (player: string, tick: number, ackedTick: number): boolean =>
  tick > ackedTick &&
  (tick - ackedTick >= ACK_INTERVAL_TICKS || (tick + ackPhase(player)) % ACK_INTERVAL_TICKS === 0);

/**
 * The client's sync manager (DESIGN §5) as a pure reducer: it rebuilds the world from full states and deltas,
 * acknowledges every full state and then on its ack phase (`isAckTick`), predicts the player's own entity from unacknowledged inputs, detects sync errors, and keeps
 * what a failover needs (the newest checkpoint matching its own reconstruction, that world, inputs since).
 */
export interface SyncError {
  readonly type: SyncErrorType;
  readonly tick: number;
  readonly detail: string;
}

export interface SentInput {
  readonly seq: number;
  readonly tick: number;
  readonly dx: number;
  readonly dy: number;
  /** Where this client predicted its entity after the input: the host's answer is compared with it. */
  readonly predicted: { readonly x: number; readonly y: number } | null;
}

export interface KeptCheckpoint {
  readonly checkpoint: CheckpointMessage;
  readonly world: World;
  /** The certificate of the host that signed it. */
  readonly certificate: string;
}

export interface SyncState {
  readonly player: string;
  readonly replica: Replica;
  /** The last input the server says it processed. */
  readonly acked: number;
  /** The last tick this client acknowledged. */
  readonly ackedTick: number;
  readonly lastSeq: number;
  /** Inputs still needed: not yet processed, or newer than the kept checkpoint. */
  readonly inputs: readonly SentInput[];
  /** The certificate of the server this client is connected to now. */
  readonly certificate: string | null;
  readonly kept: KeptCheckpoint | null;
  /** The last checkpoint received on this connection, whole: what `checkpoint_changes` are against. */
  readonly lastCheckpoint: CheckpointMessage | null;
  /** A full state was asked for and has not come yet: do not ask again. */
  readonly resyncPending: boolean;
}

export type SyncInput =
  | { readonly type: 'connected'; readonly certificate: string | null }
  | { readonly type: 'message'; readonly message: Message }
  | { readonly type: 'move'; readonly dx: number; readonly dy: number }
  | { readonly type: 'timeout' };

export interface SyncStep {
  readonly state: SyncState;
  /** Messages for the server (acks, inputs, resync requests). */
  readonly out: readonly Message[];
  readonly errors: readonly SyncError[];
  /** The world this step produced (a full state or an applied delta), null when it produced none. */
  readonly world: World | null;
  /** A hash point: the host sent a world hash for this step's world and the reconstruction matched it. */
  readonly verified: { readonly tick: number; readonly hash: string } | null;
}

export interface SyncSettings {
  readonly ringSize: number;
  /** A host correction farther than this from the prediction is a CONFLICT. */
  readonly conflictThreshold: number;
  /**
   * Moves made while this many inputs are unprocessed are not made (not predicted, not sent): a host queues at
   * most MaxQueuedInputs of one player's inputs and cuts a connection that sends more, so a client moving through
   * a long outage would be cut on every resend. Unbounded when absent (recordings made before the bound).
   */
  readonly maxUnprocessedInputs?: number;
}

export const initialSync = (player: string, settings: SyncSettings): SyncStep => ({
  state: {
    player,
    replica: emptyReplica(settings.ringSize),
    acked: 0,
    ackedTick: 0,
    lastSeq: 0,
    inputs: [],
    certificate: null,
    kept: null,
    lastCheckpoint: null,
    resyncPending: false,
  },
  out: [],
  errors: [],
  world: null,
  verified: null,
});

/** The player's own entity as the client shows it: authoritative position plus the unacknowledged inputs. */
export const predictSelf = (
  state: SyncState,
): { readonly id: number; readonly x: number; readonly y: number } | null => {
  const world = state.replica.latest;
  const id = world?.players[state.player];
  const entity = id === undefined ? undefined : world?.entities.get(id);
  if (entity === undefined) return null;
  return state.inputs
    .filter((input) => input.seq > state.acked)
    .reduce((at, input) => ({ id: at.id, x: at.x + input.dx, y: at.y + input.dy }), {
      id: entity.id,
      x: entity.x,
      y: entity.y,
    });
};

/** Drops inputs neither prediction nor a restore bundle needs any more. */
const prune = (state: SyncState): SyncState => {
  const keptLast = state.kept?.checkpoint.lastInputs[state.player] ?? 0;
  const floor = state.kept === null ? 0 : Math.min(state.acked, keptLast);
  return floor === 0 ? state : { ...state, inputs: state.inputs.filter((input) => input.seq > floor) };
};

const step = (state: SyncState, more: Partial<Omit<SyncStep, 'state'>> = {}): SyncStep => ({
  state,
  out: more.out ?? [],
  errors: more.errors ?? [],
  world: more.world ?? null,
  verified: more.verified ?? null,
});

const askForFullState = (state: SyncState, error: SyncError): SyncStep =>
  step(
    { ...state, resyncPending: true },
    {
      errors: [error],
      out: state.resyncPending ? [] : [{ kind: 'resync_request', reason: error.type, tick: error.tick }],
    },
  );

/**
 * A server that has processed more inputs than this client ever made holds the player's entity from an earlier
 * session (another process, a restart): it would take every input numbered up to there as done. So the inputs
 * made so far, none of which it can have applied, are numbered on from its last one and sent again.
 */
const continueNumbering = (state: SyncState, lastInput: number): { state: SyncState; resent: Message[] } => {
  if (lastInput <= state.lastSeq) return { state, resent: [] };
  const inputs = state.inputs.map((input, n) => ({ ...input, seq: lastInput + 1 + n }));
  return {
    state: { ...state, inputs, lastSeq: lastInput + inputs.length },
    resent: inputs.map(({ seq, tick, dx, dy }) => ({ kind: 'input', seq, tick, dx, dy })),
  };
};

const onFullState = (previous: SyncState, message: FullStateMessage): SyncStep => {
  const { state, resent } = continueNumbering(previous, message.lastInput);
  const replica = applyFullState(state.replica, message);
  // The server's word, not the highest seen: a VPS that restored from an older checkpoint has processed fewer
  // inputs than the lost host had, and the ones between must count as unprocessed again.
  const next = prune({
    ...state,
    replica,
    acked: message.lastInput,
    ackedTick: message.tick,
    resyncPending: false,
  });
  return step(next, {
    out: [{ kind: 'ack', tick: message.tick }, ...resent],
    world: replica.latest,
    verified: replica.latest === null ? null : { tick: message.tick, hash: hashWorld(replica.latest) },
  });
};

/** The host answered an input somewhere else than predicted, farther than the threshold: a CONFLICT. */
const conflictOf = (
  state: SyncState,
  message: DeltaMessage,
  world: World,
  threshold: number,
): SyncError | null => {
  if (message.lastInput <= state.acked) return null;
  const input = state.inputs.find((i) => i.seq === message.lastInput);
  const id = world.players[state.player];
  const entity = id === undefined ? undefined : world.entities.get(id);
  if (input?.predicted == null || entity === undefined) return null;
  const off = Math.hypot(entity.x - input.predicted.x, entity.y - input.predicted.y);
  return off > threshold
    ? {
        type: 'CONFLICT',
        tick: message.tick,
        detail: `input ${input.seq}: host has (${entity.x}, ${entity.y}), predicted (${input.predicted.x}, ${input.predicted.y})`,
      }
    : null;
};

const onDelta = (state: SyncState, message: DeltaMessage, settings: SyncSettings): SyncStep => {
  if (state.resyncPending) return step(state); // deltas until the full state are against a broken baseline
  const { replica, outcome } = applyDeltaMessage(state.replica, message);
  if (outcome.kind === 'desync') {
    const detail =
      outcome.reason === 'baseline'
        ? `baseline tick ${message.baseTick} is not in the snapshot ring`
        : `world hash differs at tick ${message.tick}`;
    return askForFullState(state, { type: 'DESYNC', tick: message.tick, detail });
  }
  const conflict = conflictOf(state, message, outcome.world, settings.conflictThreshold);
  // Acks once per ACK_INTERVAL_TICKS: the host needs to know the client keeps reading, not every tick it read.
  const ack = isAckTick(state.player, message.tick, state.ackedTick);
  const next = prune({
    ...state,
    replica,
    acked: Math.max(state.acked, message.lastInput),
    ackedTick: ack ? message.tick : state.ackedTick,
  });
  return step(next, {
    out: ack ? [{ kind: 'ack', tick: message.tick }] : [],
    errors: conflict === null ? [] : [conflict],
    world: outcome.world,
    verified: message.hash === null ? null : { tick: message.tick, hash: message.hash },
  });
};

const onCheckpoint = (received: SyncState, message: CheckpointMessage): SyncStep => {
  const state = { ...received, lastCheckpoint: message };
  const world = state.replica.ring.get(message.tick);
  if (world === undefined || state.certificate === null || hashWorld(world) !== message.hash)
    return step(state);
  if (
    state.kept !== null &&
    state.kept.checkpoint.tick >= message.tick &&
    state.kept.checkpoint.epoch >= message.epoch
  )
    return step(state);
  return step(prune({ ...state, kept: { checkpoint: message, world, certificate: state.certificate } }));
};

const onMove = (state: SyncState, dx: number, dy: number, settings: SyncSettings): SyncStep => {
  const unprocessed = state.lastSeq - state.acked;
  if (unprocessed >= (settings.maxUnprocessedInputs ?? Number.POSITIVE_INFINITY)) return step(state);
  const seq = state.lastSeq + 1;
  const tick = state.replica.latest?.tick ?? 0;
  const self = predictSelf(state);
  const input: SentInput = {
    seq,
    tick,
    dx,
    dy,
    predicted: self === null ? null : { x: quantize(self.x + dx), y: quantize(self.y + dy) },
  };
  return step(
    { ...state, lastSeq: seq, inputs: [...state.inputs, input] },
    { out: [{ kind: 'input', seq, tick, dx, dy }] },
  );
};

export const syncReducer =
  (settings: SyncSettings) =>
  (previous: SyncStep, input: SyncInput): SyncStep => {
    const state = previous.state;
    switch (input.type) {
      case 'connected':
        // Inputs made while the connection was down were never sent: send every unprocessed one again (the
        // server ignores any it has applied already).
        return step(
          { ...state, certificate: input.certificate, resyncPending: false, lastCheckpoint: null },
          {
            out: state.inputs
              .filter((i) => i.seq > state.acked)
              .map(({ seq, tick, dx, dy }) => ({ kind: 'input', seq, tick, dx, dy })),
          },
        );
      case 'move':
        return onMove(state, input.dx, input.dy, settings);
      case 'timeout': {
        const tick = state.replica.latest?.tick ?? 0;
        return askForFullState(state, { type: 'TIMEOUT', tick, detail: 'no state update in time' });
      }
      case 'message': {
        const message = input.message;
        if (message.kind === 'full_state') return onFullState(state, message);
        if (message.kind === 'delta') return onDelta(state, message, settings);
        if (message.kind === 'checkpoint') return onCheckpoint(state, message);
        if (message.kind === 'checkpoint_changes') {
          // Changes against a checkpoint this connection never brought cannot be rebuilt: skipped, the next
          // checkpoint on a new connection comes whole.
          const whole = expandCheckpoint(state.lastCheckpoint, message);
          return whole === null ? step(state) : onCheckpoint(state, whole);
        }
        return step(state);
      }
    }
  };

/** The restore bundle of DESIGN §6, or null before a checkpoint has been kept. */
export const restoreBundle = (state: SyncState): RestoreMessage | null => {
  if (state.kept === null) return null;
  const since = state.kept.checkpoint.lastInputs[state.player] ?? 0;
  return {
    kind: 'restore',
    checkpoint: state.kept.checkpoint,
    entities: [...state.kept.world.entities.values()],
    certificate: state.kept.certificate,
    inputs: state.inputs.filter((i) => i.seq > since).map(({ seq, tick, dx, dy }) => ({ seq, tick, dx, dy })),
  };
};
