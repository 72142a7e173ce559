import type { CheckpointChangesMessage, CheckpointMessage } from '../protocol/control-codecs.js';

/** The signed part of a checkpoint (DESIGN §5): what a host commits to every CheckpointIntervalTicks. */
export interface CheckpointPayload {
  readonly map: string;
  readonly epoch: number;
  readonly tick: number;
  readonly hash: string;
  readonly lastInputs: Readonly<Record<string, number>>;
  readonly players: Readonly<Record<string, number>>;
}

const sortedEntries = (record: Readonly<Record<string, number>>) =>
  Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * A table's sorted entries as JSON, once per table: the world keeps a table (its players, mostly) as the same
 * object until it changes, and a thousand players' entries cost a host about 0.3 ms to sort and write per checkpoint.
 */
const entriesJson = new WeakMap<Readonly<Record<string, number>>, string>();
const sortedEntriesJson = (record: Readonly<Record<string, number>>): string => {
  let json = entriesJson.get(record);
  if (json === undefined) entriesJson.set(record, (json = JSON.stringify(sortedEntries(record))));
  return json;
};

/**
 * Canonical bytes to sign and verify: fixed field order, players sorted. The JSON array
 * `["warp-p2p checkpoint v1", map, epoch, tick, hash, [lastInputs entries], [players entries]]`, written element
 * by element (what JSON.stringify of the whole array writes).
 */
export const checkpointBytes = (payload: CheckpointPayload): Buffer =>
  Buffer.from(
    `[${[
      JSON.stringify('warp-p2p checkpoint v1'),
      JSON.stringify(payload.map),
      JSON.stringify(payload.epoch),
      JSON.stringify(payload.tick),
      JSON.stringify(payload.hash),
      sortedEntriesJson(payload.lastInputs),
      sortedEntriesJson(payload.players),
    ].join(',')}]`,
    'utf8',
  );

/** The entries of `current` that `previous` lacks or holds with another value. */
const changedEntries = (
  previous: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
): Record<string, number> => {
  const changed: Record<string, number> = {};
  // The same table (nothing changed since): no walk over a thousand players.
  if (previous === current) return changed;
  for (const [player, value] of Object.entries(current))
    if (previous[player] !== value) changed[player] = value;
  return changed;
};

const removedEntries = (
  previous: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
): string[] => (previous === current ? [] : Object.keys(previous).filter((player) => !(player in current)));

/** `current` as changes since `previous`, the last checkpoint the same client was sent. */
export const checkpointChanges = (
  previous: CheckpointMessage,
  current: CheckpointMessage,
): CheckpointChangesMessage => ({
  kind: 'checkpoint_changes',
  map: current.map,
  epoch: current.epoch,
  tick: current.tick,
  since: previous.tick,
  hash: current.hash,
  lastInputs: changedEntries(previous.lastInputs, current.lastInputs),
  players: changedEntries(previous.players, current.players),
  removed: {
    lastInputs: removedEntries(previous.lastInputs, current.lastInputs),
    players: removedEntries(previous.players, current.players),
  },
  signature: current.signature,
});

const applyChanges = (
  previous: Readonly<Record<string, number>>,
  changed: Readonly<Record<string, number>>,
  removed: readonly string[],
): Record<string, number> => {
  const table = { ...previous, ...changed };
  for (const player of removed) delete table[player];
  return table;
};

/**
 * The whole checkpoint from the previous one and the changes since; null when the changes are not against it
 * (another tick, map or epoch). Its signature is then checked as any checkpoint's is, over the whole.
 */
export const expandCheckpoint = (
  previous: CheckpointMessage | null,
  changes: CheckpointChangesMessage,
): CheckpointMessage | null => {
  if (
    previous === null ||
    previous.tick !== changes.since ||
    previous.map !== changes.map ||
    previous.epoch !== changes.epoch
  )
    return null;
  return {
    kind: 'checkpoint',
    map: changes.map,
    epoch: changes.epoch,
    tick: changes.tick,
    hash: changes.hash,
    lastInputs: applyChanges(previous.lastInputs, changes.lastInputs, changes.removed.lastInputs),
    players: applyChanges(previous.players, changes.players, changes.removed.players),
    signature: changes.signature,
  };
};
