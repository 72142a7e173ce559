import { Observable, VirtualTimeScheduler, takeUntil, timer } from 'rxjs';
import type { SyncErrorType } from '../../lib/protocol/control-codecs.js';
import type { SyncStep } from '../../lib/sync/sync-state.js';
import { type MapRules, type MapState, advanceMap, initialMapState } from '../../lib/world/map-state.js';
import { type World, hashWorld, worldFromSnapshot } from '../../lib/world/world.js';
import type { ConnectionStatus } from '../client/connection-state.js';
import { type SyncSource, syncManager } from '../client/sync-manager.js';
import type { RecordEntry } from './recording.js';

/** One line of the replayed timeline; `t` is milliseconds since the recording began. */
export type TimelineEntry =
  | { readonly t: number; readonly kind: 'state'; readonly status: ConnectionStatus }
  | {
      readonly t: number;
      readonly kind: 'sync_error';
      readonly type: SyncErrorType;
      readonly tick: number;
      readonly detail: string;
    }
  | { readonly t: number; readonly kind: 'resync_request'; readonly tick: number }
  | { readonly t: number; readonly kind: 'full_state'; readonly tick: number }
  /** Host recordings: sessions, players joining and leaving a map, clamped inputs. */
  | {
      readonly t: number;
      readonly kind: 'session';
      readonly event: string;
      readonly player: string | null;
      readonly code: string | null;
    }
  | {
      readonly t: number;
      readonly kind: 'join' | 'leave' | 'conflict';
      readonly player: string;
      readonly tick: number;
    };

export interface HashCheck {
  readonly tick: number;
  readonly replayed: string;
  /** What the live client computed at that point; null when the recording has no hash there. */
  readonly recorded: string | null;
}

export interface ReplayResult {
  /** Whose recording: `player NAME` or `host ID`. */
  readonly subject: string;
  readonly durationMs: number;
  readonly timeline: readonly TimelineEntry[];
  readonly hashChecks: readonly HashCheck[];
  /** Recorded hash points the replay never reached. */
  readonly missedHashes: readonly { readonly tick: number; readonly hash: string }[];
  readonly syncErrors: { readonly replayed: readonly string[]; readonly recorded: readonly string[] };
  /** True when every hash point and the sync-error timeline agree with the recording. */
  readonly matches: boolean;
  /** The world the replay rebuilt at each tick it saw (for --until-tick and --entity). */
  readonly worlds: ReadonlyMap<number, World>;
}

const errorKey = (type: string, tick: number) => `${type}@${String(tick)}`;

/**
 * Feeds a recording's sources through the client's own sync manager on a virtual-time scheduler (no sockets, no
 * wall clock), at the times they were recorded, and compares what it rebuilds with what the live client saw:
 * the world hash at every hash point and the sequence of sync errors.
 */
export const replayRecording = (
  entries: readonly RecordEntry[],
  options: { readonly map?: string } = {},
): ReplayResult => {
  const [header] = entries;
  if (header?.kind !== 'header')
    throw new Error('a recording starts with its header (parseRecording checks it)');
  return header.role === 'host'
    ? replayHost(header.hostId, entries, options.map)
    : replayClient(header, entries);
};

type ClientHeader = Extract<RecordEntry, { kind: 'header'; role: 'client' }>;

const replayClient = (header: ClientHeader, entries: readonly RecordEntry[]): ReplayResult => {
  const start = header.t;
  const end = Math.max(...entries.map((e) => e.t)) - start;
  const scheduler = new VirtualTimeScheduler();

  const sources$ = new Observable<SyncSource>((subscriber) => {
    for (const entry of entries)
      if (entry.kind === 'source') scheduler.schedule(() => subscriber.next(entry.source), entry.t - start);
  });
  const steps: { t: number; step: SyncStep }[] = [];
  const timeline: TimelineEntry[] = [];
  for (const entry of entries) {
    if (entry.kind === 'state') timeline.push({ t: entry.t - start, kind: 'state', status: entry.status });
    if (
      entry.kind === 'source' &&
      entry.source.type === 'message' &&
      entry.source.message.kind === 'full_state'
    )
      timeline.push({ t: entry.t - start, kind: 'full_state', tick: entry.source.message.tick });
  }

  // A TIMEOUT still pending when the recording ended never happened live: the replay ends where it does.
  const subscription = sources$
    .pipe(
      syncManager({
        player: header.player,
        settings: header.sync,
        updateTimeoutMs: header.sync.updateTimeoutMs,
        scheduler,
      }),
      takeUntil(timer(end + 1, scheduler)),
    )
    .subscribe((step) => steps.push({ t: scheduler.now(), step }));
  scheduler.flush();
  subscription.unsubscribe();

  const worlds = new Map<number, World>();
  const replayedHashes: { tick: number; hash: string }[] = [];
  const replayedErrors: string[] = [];
  for (const { t, step } of steps) {
    if (step.world !== null) worlds.set(step.world.tick, step.world);
    if (step.verified !== null) replayedHashes.push(step.verified);
    for (const error of step.errors) {
      replayedErrors.push(errorKey(error.type, error.tick));
      timeline.push({ t, kind: 'sync_error', type: error.type, tick: error.tick, detail: error.detail });
    }
    for (const message of step.out)
      if (message.kind === 'resync_request') timeline.push({ t, kind: 'resync_request', tick: message.tick });
  }
  timeline.sort((a, b) => a.t - b.t);

  const recordedHashes = entries.flatMap((e) => (e.kind === 'hash' ? [{ tick: e.tick, hash: e.hash }] : []));
  const recordedByTick = new Map(recordedHashes.map((h) => [h.tick, h.hash]));
  const hashChecks = replayedHashes.map(({ tick, hash }) => ({
    tick,
    replayed: hash,
    recorded: recordedByTick.get(tick) ?? null,
  }));
  const replayedTicks = new Set(replayedHashes.map((h) => h.tick));
  const missedHashes = recordedHashes.filter((h) => !replayedTicks.has(h.tick));
  const recordedErrors = entries.flatMap((e) =>
    e.kind === 'sync_error' ? [errorKey(e.error.type, e.error.tick)] : [],
  );
  const matches =
    missedHashes.length === 0 &&
    hashChecks.every((c) => c.recorded === c.replayed) &&
    replayedErrors.join() === recordedErrors.join();
  return {
    subject: `player ${header.player}`,
    durationMs: end,
    timeline,
    hashChecks,
    missedHashes,
    syncErrors: { replayed: replayedErrors, recorded: recordedErrors },
    matches,
    worlds,
  };
};

/**
 * A host recording: every map restarts from its recorded world and advances tick by tick through the same
 * pure `advanceMap` the host's tick loop runs, with the joins, leaves and messages each tick took in; the world
 * hash after each tick must equal the recorded one.
 */
const replayHost = (
  hostId: string,
  entries: readonly RecordEntry[],
  only: string | undefined,
): ReplayResult => {
  const start = entries[0]?.t ?? 0;
  const end = Math.max(...entries.map((e) => e.t)) - start;
  const maps = new Map<string, { state: MapState; rules: MapRules }>();
  const worlds = new Map<number, World>();
  const hashChecks: HashCheck[] = [];
  const timeline: TimelineEntry[] = [];
  const chosen = only ?? entries.find((e) => e.kind === 'map_start')?.map;
  for (const entry of entries) {
    const t = entry.t - start;
    if (entry.kind === 'session')
      timeline.push({ t, kind: 'session', event: entry.event, player: entry.player, code: entry.code });
    if (entry.kind === 'map_start') {
      const world = worldFromSnapshot(entry.world);
      maps.set(entry.map, { state: initialMapState(world), rules: { ...entry.rules, sign: () => '' } });
      if (entry.map === chosen) worlds.set(world.tick, world);
    }
    if (entry.kind !== 'tick') continue;
    const live = maps.get(entry.map);
    if (live === undefined) continue;
    const step = advanceMap(live.state, entry.events, new Set(entry.congested), live.rules);
    live.state = step.state;
    const world = step.state.world;
    hashChecks.push({
      tick: world.tick,
      replayed: hashWorld(world),
      recorded: world.tick === entry.tick ? entry.hash : null,
    });
    if (entry.map !== chosen) continue;
    worlds.set(world.tick, world);
    for (const event of entry.events)
      if (event.type !== 'message')
        timeline.push({ t, kind: event.type, player: event.player, tick: world.tick });
      else if (event.message.kind === 'resync_request')
        timeline.push({ t, kind: 'resync_request', tick: world.tick });
    for (const player of step.conflicts) timeline.push({ t, kind: 'conflict', player, tick: world.tick });
  }
  return {
    subject: `host ${hostId}`,
    durationMs: end,
    timeline,
    hashChecks,
    missedHashes: [],
    syncErrors: { replayed: [], recorded: [] },
    matches: hashChecks.every((c) => c.recorded === c.replayed),
    worlds,
  };
};
