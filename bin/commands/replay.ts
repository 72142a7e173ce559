import { readFile } from 'node:fs/promises';
import { either } from 'fp-ts';
import { hashWorld } from '../../lib/world/world.js';
import { parseRecording } from '../../streams/replay/recording.js';
import { type ReplayResult, type TimelineEntry, replayRecording } from '../../streams/replay/replay.js';
import { CliError } from '../failure.js';

/** `warp-p2p replay` flags, parsed (bin/program.ts). */
export interface ReplayOptions {
  readonly untilTick?: number;
  readonly entity?: number;
  readonly map?: string;
  readonly json?: true;
}

const describe = (entry: TimelineEntry): string => {
  switch (entry.kind) {
    case 'state': {
      const { state, server, map } = entry.status;
      return `state ${state}${server === null ? '' : ` ${server.kind} ${server.id}`}${map === null ? '' : ` map ${map}`}`;
    }
    case 'sync_error':
      return `sync error ${entry.type} at tick ${entry.tick}: ${entry.detail}`;
    case 'resync_request':
      return `resync requested (tick ${entry.tick})`;
    case 'full_state':
      return `full state received (tick ${entry.tick})`;
    case 'session':
      return `session ${entry.event}${entry.player === null ? '' : ` ${entry.player}`}${entry.code === null ? '' : ` (${entry.code})`}`;
    case 'join':
    case 'leave':
      return `${entry.player} ${entry.kind === 'join' ? 'joins' : 'leaves'} at tick ${entry.tick}`;
    case 'conflict':
      return `${entry.player}'s input clamped at tick ${entry.tick} (CONFLICT)`;
  }
};

const worldAt = (result: ReplayResult, tick: number) => {
  const world = result.worlds.get(tick);
  if (world === undefined) throw new CliError('ERR_USAGE', `the replay never reached tick ${tick}`, 2);
  return {
    tick,
    hash: hashWorld(world),
    players: world.players,
    entities: [...world.entities.values()].sort((a, b) => a.id - b.id),
  };
};

const follow = (result: ReplayResult, id: number) =>
  [...result.worlds.values()]
    .sort((a, b) => a.tick - b.tick)
    .flatMap((world) => {
      const entity = world.entities.get(id);
      return entity === undefined
        ? []
        : [{ tick: world.tick, x: entity.x, y: entity.y, vx: entity.vx, vy: entity.vy }];
    });

/**
 * `warp-p2p replay FILE.jsonl [--until-tick N] [--entity ID] [--map MAP] [--json]` (a client's or a host's
 * recording). Rejects with ERR_REPLAY_MISMATCH when the rebuilt world differs, ERR_RECORDING_* for a bad or
 * unreadable file.
 */
export const replayCommand = async (path: string, options: ReplayOptions): Promise<void> => {
  const untilTick = options.untilTick ?? null;
  const entity = options.entity ?? null;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError('ERR_RECORDING_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = parseRecording(text);
  if (either.isLeft(parsed)) throw new CliError(parsed.left.code, `${path}: ${parsed.left.message}`);
  const result = replayRecording(parsed.right, options.map === undefined ? {} : { map: options.map });
  const mismatches = result.hashChecks.filter((c) => c.recorded !== null && c.recorded !== c.replayed);

  if (options.json === true) {
    console.log(
      JSON.stringify({
        subject: result.subject,
        durationMs: result.durationMs,
        matches: result.matches,
        timeline: result.timeline,
        hashPoints: result.hashChecks.length,
        mismatches,
        missedHashes: result.missedHashes,
        syncErrors: result.syncErrors,
        ...(untilTick === null ? {} : { world: worldAt(result, untilTick) }),
        ...(entity === null ? {} : { entity: { id: entity, track: follow(result, entity) } }),
      }),
    );
  } else {
    console.log(`[P2P] replay of ${path}: ${result.subject}, ${(result.durationMs / 1000).toFixed(1)} s`);
    for (const entry of result.timeline)
      console.log(`  +${(entry.t / 1000).toFixed(3).padStart(8)} s  ${describe(entry)}`);
    console.log(
      `[P2P] ${result.hashChecks.length} hash points rebuilt: ${mismatches.length} differ, ${result.missedHashes.length} not reached; sync errors ${result.syncErrors.replayed.length} replayed, ${result.syncErrors.recorded.length} recorded`,
    );
    if (untilTick !== null) {
      const world = worldAt(result, untilTick);
      console.log(`[P2P] world at tick ${untilTick} (hash ${world.hash}):`);
      for (const e of world.entities)
        console.log(`  #${e.id} ${e.kind} (${e.x}, ${e.y}) v (${e.vx}, ${e.vy}) hp ${e.hp}`);
    }
    if (entity !== null)
      for (const p of follow(result, entity)) console.log(`  tick ${p.tick}: #${entity} at (${p.x}, ${p.y})`);
  }
  if (!result.matches)
    throw new CliError('ERR_REPLAY_MISMATCH', 'the replay does not match the recording (see above)');
};
