import {
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  buffer,
  concat,
  defer,
  map,
  of,
  scan,
} from 'rxjs';
import { tickClock } from '../../operators/tick-clock.js';
import {
  type DroppedInputs,
  type MapEvent,
  type MapRules,
  type MapStep,
  type Outgoing,
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
  /** The map starts from this world under these rules (what a host recording replays from). */
  | { readonly type: 'started'; readonly world: World; readonly rules: MapRules }
  /**
   * A tick ran: the events it took in, who was congested, the world it made, what to send to whom, and whose
   * input was clamped. One event per tick, not one per send: at a thousand players, per-send events cost more
   * than the sends.
   */
  | {
      readonly type: 'ticked';
      readonly world: World;
      readonly events: readonly MapEvent[];
      readonly congested: readonly string[];
      readonly out: readonly Outgoing[];
      readonly conflicts: readonly string[];
      /** Players whose inputs were dropped this tick, past their queue (their session is cut: ERR_INPUT_FLOOD). */
      readonly dropped: readonly DroppedInputs[];
    };

/**
 * One map's tick loop (DESIGN §3, host tick): every `updateIntervalMs` on the injected scheduler the map advances
 * by `advanceMap` with every join, leave and player message since the last tick; each tick comes out as one
 * `ticked` event with its world and what to send. The tick never waits on a client.
 */
export const mapHost$ = (events$: Observable<MapEvent>, config: MapHostConfig): Observable<MapHostEvent> =>
  defer(() => {
    const ticks$ = tickClock({
      periodMs: config.updateIntervalMs,
      scheduler: config.scheduler ?? asyncScheduler,
    });
    const start: Tick = {
      step: { state: initialMapState(config.world), out: [], conflicts: [], dropped: [] },
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
      map(({ step, events, congested }): MapHostEvent => ({
        type: 'ticked',
        world: step.state.world,
        events,
        congested,
        out: step.out,
        conflicts: step.conflicts,
        dropped: step.dropped,
      })),
    );
    return concat(of<MapHostEvent>({ type: 'started', world: config.world, rules: config.rules }), ticked$);
  });
