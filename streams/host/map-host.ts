import {
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  defer,
  interval,
  map,
  merge,
  mergeMap,
  scan,
} from 'rxjs';
import type { Message } from '../../lib/protocol/messages.js';
import {
  type MapEvent,
  type MapRules,
  type MapStep,
  initialMapState,
  reduceMap,
} from '../../lib/world/map-state.js';
import type { World } from '../../lib/world/world.js';

export interface MapHostConfig {
  readonly rules: MapRules;
  readonly world: World;
  readonly updateIntervalMs: number;
  /** Players whose connection is backed up right now (read at each tick). */
  readonly congested: () => ReadonlySet<string>;
  readonly scheduler?: SchedulerLike;
}

export type MapHostEvent =
  | { readonly type: 'send'; readonly player: string; readonly message: Message }
  | { readonly type: 'conflict'; readonly player: string }
  | { readonly type: 'ticked'; readonly world: World };

/**
 * One map's tick loop (DESIGN §3, host tick): every `updateIntervalMs` on the injected scheduler, and for every
 * join, leave and player message, the map state advances by `reduceMap`; what it returns to send comes out as
 * `send` events, each tick's world as `ticked`. The tick never waits on a client.
 */
export const mapHost$ = (events$: Observable<MapEvent>, config: MapHostConfig): Observable<MapHostEvent> =>
  defer(() => {
    const ticks$ = interval(config.updateIntervalMs, config.scheduler ?? asyncScheduler).pipe(
      map((): MapEvent => ({ type: 'tick', congested: config.congested() })),
    );
    const start: MapStep = { state: initialMapState(config.world), out: [], conflicts: [] };
    return merge(events$, ticks$).pipe(
      map((event) => ({ event })),
      scan(
        (previous: MapStep & { ticked: boolean }, { event }) => ({
          ...reduceMap(previous.state, event, config.rules),
          ticked: event.type === 'tick',
        }),
        {
          ...start,
          ticked: false,
        },
      ),
      mergeMap((step): MapHostEvent[] => [
        ...step.out.map((o): MapHostEvent => ({ type: 'send', player: o.player, message: o.message })),
        ...step.conflicts.map((player): MapHostEvent => ({ type: 'conflict', player })),
        ...(step.ticked ? [{ type: 'ticked' as const, world: step.state.world }] : []),
      ]),
    );
  });
