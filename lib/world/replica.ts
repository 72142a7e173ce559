import type { DeltaMessage } from '../protocol/hot-codecs.js';
import type { FullStateMessage } from '../protocol/control-codecs.js';
import { type World, applyDelta, hashWorld, worldFromSnapshot } from './world.js';

/**
 * A client's reconstruction of a map: the newest world and a ring of recent ones by tick, so a delta finds the
 * baseline it was made against. Pure values.
 */
export interface Replica {
  readonly ring: ReadonlyMap<number, World>;
  readonly latest: World | null;
  readonly ringSize: number;
}

export type ReplicaOutcome =
  | { readonly kind: 'applied'; readonly world: World }
  /** The baseline is gone, or the rebuilt world does not hash to what the host said: ask for a full state. */
  | { readonly kind: 'desync'; readonly reason: 'baseline' | 'hash' };

export const emptyReplica = (ringSize: number): Replica => ({ ring: new Map(), latest: null, ringSize });

const remember = (replica: Replica, world: World): Replica => {
  const ring = new Map(replica.ring).set(world.tick, world);
  for (const tick of ring.keys()) if (ring.size > replica.ringSize) ring.delete(tick);
  return { ...replica, ring, latest: world };
};

/** Starts over from a full state (join, resync). */
export const applyFullState = (replica: Replica, message: FullStateMessage): Replica =>
  remember({ ...replica, ring: new Map() }, worldFromSnapshot(message));

/** Applies a delta to its baseline and checks the hash when the delta carries one. */
export const applyDeltaMessage = (
  replica: Replica,
  message: DeltaMessage,
): { replica: Replica; outcome: ReplicaOutcome } => {
  const baseline = replica.ring.get(message.baseTick);
  if (baseline === undefined) return { replica, outcome: { kind: 'desync', reason: 'baseline' } };
  const world = applyDelta(baseline, {
    tick: message.tick,
    baseTick: message.baseTick,
    entities: message.entities,
    removed: message.removed,
  });
  if (world === null) return { replica, outcome: { kind: 'desync', reason: 'baseline' } };
  if (message.hash !== null && hashWorld(world) !== message.hash)
    return { replica, outcome: { kind: 'desync', reason: 'hash' } };
  return { replica: remember(replica, world), outcome: { kind: 'applied', world } };
};
