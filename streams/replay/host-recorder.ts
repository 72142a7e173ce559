import { type Observable, defer, merge, mergeMap, of } from 'rxjs';
import { hashWorld } from '../../lib/world/world.js';
import type { MapHostEvent } from '../host/map-host.js';
import type { RestoreEvent } from '../host/map-router.js';
import { RECORDING_VERSION, type RecordEntry } from './recording.js';

/** What a host recording is made of: its map events (with their map) and its session events. */
export interface HostRecordSources {
  readonly hostId: string;
  readonly mapEvents$: Observable<{ readonly map: string; readonly event: MapHostEvent | RestoreEvent }>;
  readonly sessions$: Observable<{
    readonly event: string;
    readonly player?: string | null;
    readonly map?: string | null;
    readonly code?: string | null;
  }>;
  readonly now: () => number;
}

/**
 * A host's `--record` stream: each map's start (rules and world), each tick (what it took in and the world hash
 * after), each message sent to each player, and sessions opening and closing.
 */
export const hostRecording$ = (sources: HostRecordSources): Observable<RecordEntry> =>
  defer(() => {
    const at = <T>(entry: T) => ({ t: sources.now(), ...entry });
    return merge(
      of<RecordEntry>(
        at({ kind: 'header', version: RECORDING_VERSION, role: 'host', hostId: sources.hostId } as const),
      ),
      sources.mapEvents$.pipe(
        mergeMap(({ map, event }): RecordEntry[] => {
          switch (event.type) {
            case 'started': {
              const { sign: _sign, ...rules } = event.rules;
              const { world } = event;
              const snapshot = {
                tick: world.tick,
                entities: [...world.entities.values()],
                players: world.players,
                lastInputs: world.lastInputs,
              };
              return [at({ kind: 'map_start', map, rules, world: snapshot } as const)];
            }
            case 'ticked':
              return [
                at({
                  kind: 'tick',
                  map,
                  tick: event.world.tick,
                  events: event.events,
                  congested: event.congested,
                  hash: hashWorld(event.world),
                } as const),
                ...event.out.map(({ player, message }) =>
                  at({ kind: 'sent', message, map, player } as const),
                ),
              ];
            default:
              return [];
          }
        }),
      ),
      sources.sessions$.pipe(
        mergeMap((e): RecordEntry[] =>
          e.event.startsWith('session.')
            ? [
                at({
                  kind: 'session',
                  event: e.event,
                  player: e.player ?? null,
                  map: e.map ?? null,
                  code: e.code ?? null,
                } as const),
              ]
            : [],
        ),
      ),
    );
  });
