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

/** Canonical bytes to sign and verify: fixed field order, players sorted. */
export const checkpointBytes = (payload: CheckpointPayload): Buffer =>
  Buffer.from(
    JSON.stringify([
      'warp-p2p checkpoint v1',
      payload.map,
      payload.epoch,
      payload.tick,
      payload.hash,
      sortedEntries(payload.lastInputs),
      sortedEntries(payload.players),
    ]),
    'utf8',
  );
