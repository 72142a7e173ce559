import type { PlayerInput, WorldRules } from './world.js';

/** Inputs a player may have waiting for their tick when the rules say nothing (`MaxQueuedInputs`). */
export const DEFAULT_MAX_QUEUED_INPUTS = 256;

/** Tolerance for steps that add up to a bound exactly: 3 + 3 + 4 must fit 10, whatever floats make of it. */
export const STEP_EPSILON = 1e-9;

/** How far an input asks to move: its length, at most `maxStep` (a longer one is clamped to that). */
export const stepOf = (input: Pick<PlayerInput, 'dx' | 'dy'>, rules: Pick<WorldRules, 'maxStep'>): number =>
  Math.min(Math.hypot(input.dx, input.dy), rules.maxStep);

/**
 * How many inputs from the head of a player's queue one tick takes: they may move the player `maxStep` in all, the
 * speed the movement rules allow, so however many inputs a frame holds a player moves no faster than playing
 * could. The first one always fits (no step is longer than `maxStep`); several short steps share a tick.
 */
export const inputsForTick = (queue: readonly PlayerInput[], rules: Pick<WorldRules, 'maxStep'>): number => {
  let left = rules.maxStep;
  let taken = 0;
  for (const input of queue) {
    const step = stepOf(input, rules);
    if (taken > 0 && step > left + STEP_EPSILON) break;
    left -= step;
    taken += 1;
  }
  return taken;
};

/** What became of an input offered to a player's queue. */
export type Queued = 'queued' | 'stale' | 'overflow';

/**
 * Appends an input to a player's queue (a fresh array the caller owns) unless it is not newer than the last one
 * applied or queued (a resend: `stale`), or the queue is full (`overflow`: the caller drops it).
 */
export const enqueueInput = (
  queue: PlayerInput[],
  input: PlayerInput,
  lastApplied: number,
  rules: Pick<WorldRules, 'maxQueuedInputs'>,
): Queued => {
  if (input.seq <= (queue.at(-1)?.seq ?? lastApplied)) return 'stale';
  if (queue.length >= (rules.maxQueuedInputs ?? DEFAULT_MAX_QUEUED_INPUTS)) return 'overflow';
  queue.push(input);
  return 'queued';
};

/** One tick's work on every player's queue: inputs offered as they arrive, then what the tick applies. */
export interface TickInputs {
  /** An input of a player who has an entity; dropped and counted past its queue, or after one that was. */
  readonly offer: (player: string, input: PlayerInput, lastApplied: number) => void;
  /** The player joined again (a new connection): what it sends now counts again. */
  readonly rejoin: (player: string) => void;
  /** The player's entity is gone: so is its queue. */
  readonly forget: (player: string) => void;
  /** What this tick applies, in queue order per player, for players that `has` an entity (others are forgotten). */
  readonly take: (has: (player: string) => boolean) => { player: string; input: PlayerInput }[];
  /** The queues for the next tick, who overflowed, and what was dropped this tick. */
  readonly result: () => {
    readonly pending: ReadonlyMap<string, readonly PlayerInput[]>;
    readonly overflowed: ReadonlySet<string>;
    readonly dropped: readonly { readonly player: string; readonly inputs: number }[];
  };
}

/**
 * The queues of a map for one tick, copied on write from the last tick's (most ticks touch a few players' queues
 * and an idle map none): offer each input as it arrives, `take` once, then `result`.
 */
export const tickInputs = (
  previous: ReadonlyMap<string, readonly PlayerInput[]>,
  previouslyOverflowed: ReadonlySet<string>,
  rules: Pick<WorldRules, 'maxStep' | 'maxQueuedInputs'>,
): TickInputs => {
  const pending = previous.size === 0 ? new Map<string, readonly PlayerInput[]>() : new Map(previous);
  // Queues this tick owns (copied from the last tick's on first touch), so appending never changes a past state.
  const owned = new Map<string, PlayerInput[]>();
  let overflowed: Set<string> | null = null;
  const dropped = new Map<string, number>();
  const queueOf = (player: string): PlayerInput[] => {
    let queue = owned.get(player);
    if (queue === undefined) {
      queue = [...(pending.get(player) ?? [])];
      owned.set(player, queue);
      pending.set(player, queue);
    }
    return queue;
  };
  const drop = (player: string) => dropped.set(player, (dropped.get(player) ?? 0) + 1);
  const writableOverflowed = () => (overflowed ??= new Set(previouslyOverflowed));
  return {
    offer: (player, input, lastApplied) => {
      if ((overflowed ?? previouslyOverflowed).has(player)) {
        drop(player);
        return;
      }
      if (enqueueInput(queueOf(player), input, lastApplied, rules) !== 'overflow') return;
      writableOverflowed().add(player);
      drop(player);
    },
    rejoin: (player) => {
      if ((overflowed ?? previouslyOverflowed).has(player)) writableOverflowed().delete(player);
    },
    forget: (player) => {
      pending.delete(player);
      owned.delete(player);
      if ((overflowed ?? previouslyOverflowed).has(player)) writableOverflowed().delete(player);
    },
    take: (has) => {
      const chosen: { player: string; input: PlayerInput }[] = [];
      pending.forEach((queue, player) => {
        if (!has(player)) {
          pending.delete(player);
          return;
        }
        const count = inputsForTick(queue, rules);
        for (let n = 0; n < count; n++) chosen.push({ player, input: queue[n] as PlayerInput });
        if (count >= queue.length) pending.delete(player);
        else pending.set(player, queue.slice(count));
      });
      return chosen;
    },
    result: () => ({
      pending,
      overflowed: overflowed ?? previouslyOverflowed,
      dropped: [...dropped].map(([player, inputs]) => ({ player, inputs })),
    }),
  };
};
