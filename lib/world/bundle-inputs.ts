import type { RestoreMessage } from '../protocol/control-codecs.js';
import { STEP_EPSILON, stepOf } from './input-queue.js';

/** One input as a restore bundle carries it. */
export type BundleInput = RestoreMessage['inputs'][number];

export interface BundleInputBounds {
  /** The last input of the player the restored checkpoint covers: only later ones are replayed. */
  readonly since: number;
  /** The farthest the world moves a player for one input (`WorldRules.maxStep`). */
  readonly maxStep: number;
  /**
   * Ticks of play the inputs may stand for: the restored checkpoint proves the host ran to its tick, and a host
   * that had run `CheckpointIntervalTicks` more would have signed a newer one.
   */
  readonly travelTicks: number;
}

/**
 * The inputs of a restore bundle that a restore replays, and how many newer than `since` it cut. Nothing signs a player's inputs after a checkpoint (a
 * host acknowledges them in deltas, which are not signed), so the bundle's own word is all there is: it is held
 * to what playing could have done. In sequence order, once each, after `since`, they are kept while the walk
 * they ask for (each input as the step the world allows, at most `maxStep`) fits in `travelTicks × maxStep`; the
 * first that does not ends the list, so no later input jumps a gap. A client's honest inputs fit: a host applies
 * at most `maxStep` of a player's movement per tick. Those the lost host never acknowledged the client sends
 * again anyway, as live inputs, once connected.
 *
 * @example boundBundleInputs(restore.inputs, { since: 12, maxStep: 10, travelTicks: 100 }).kept
 */
export const boundBundleInputs = (
  inputs: readonly BundleInput[],
  bounds: BundleInputBounds,
): { readonly kept: readonly BundleInput[]; readonly dropped: number } => {
  const ordered = [...inputs].sort((a, b) => a.seq - b.seq);
  const budget = bounds.travelTicks * bounds.maxStep + STEP_EPSILON;
  const kept: BundleInput[] = [];
  let last = bounds.since;
  let walked = 0;
  let dropped = 0;
  for (const input of ordered) {
    if (input.seq <= last) continue; // covered by the checkpoint, or a repeat: nothing to replay or count
    if (dropped === 0) walked += stepOf(input, bounds);
    if (dropped > 0 || walked > budget) dropped += 1;
    else kept.push(input);
    last = input.seq;
  }
  return { kept, dropped };
};
