import {
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  buffer,
  concat,
  defer,
  mergeMap,
  of,
  scan,
} from 'rxjs';
import { tickClock } from '../../operators/tick-clock.js';
import type { Message } from '../../lib/protocol/messages.js';
import {
  type MapEvent,
  type MapRules,
  type MapStep,
  advanceMap,
  initialMapState,
} from '../../lib/world/map-state.js';
import type { World } from '../../lib/world/world.js';

interface Tick {
  readonly step: MapStep;
  readonly events: readonly MapEvent[];
  readonly congested: readonly string[];
}

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
  /** The map starts from this world under these rules (what a host recording replays from). */
  | { readonly type: 'started'; readonly world: World; readonly rules: MapRules }
  /** A tick ran: the events it took in, who was congested, and the world it made. */
  | {
      readonly type: 'ticked';
      readonly world: World;
      readonly events: readonly MapEvent[];
      readonly congested: readonly string[];
    };

/**
 * One map's tick loop (DESIGN §3, host tick): every `updateIntervalMs` on the injected scheduler the map advances
 * by `advanceMap` with every join, leave and player message since the last tick; what it returns to send comes
 * out as `send` events, each tick's world as `ticked`. The tick never waits on a client.
 */
export const mapHost$ = (events$: Observable<MapEvent>, config: MapHostConfig): Observable<MapHostEvent> =>
  defer(() => {
    const ticks$ = tickClock({
      periodMs: config.updateIntervalMs,
      scheduler: config.scheduler ?? asyncScheduler,
    });
    const start: Tick = {
      step: { state: initialMapState(config.world), out: [], conflicts: [] },
      events: [],
      congested: [],
    };
    const ticked$ = events$.pipe(
      // Everything players sent since the last tick takes effect at the tick, in arrival order.
      buffer(ticks$),
      scan((previous: Tick, events): Tick => {
        const congested = config.congested();
        return {
          step: advanceMap(previous.step.state, events, congested, config.rules),
          events,
          congested: [...congested],
        };
      }, start),
      // `ticked` first: it marks when the tick ran, before the sends it causes.
      mergeMap(({ step, events, congested }): MapHostEvent[] => [
        { type: 'ticked', world: step.state.world, events, congested },
        ...step.out.map((o): MapHostEvent => ({ type: 'send', player: o.player, message: o.message })),
        ...step.conflicts.map((player): MapHostEvent => ({ type: 'conflict', player })),
      ]),
    );
    return concat(of<MapHostEvent>({ type: 'started', world: config.world, rules: config.rules }), ticked$);
  });
