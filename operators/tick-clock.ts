import { Observable, type SchedulerAction, type SchedulerLike, asyncScheduler } from 'rxjs';

export interface TickClockConfig {
  /** Ticks are `periodMs` apart on an absolute schedule (`UpdateIntervalMS`). */
  readonly periodMs: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Emits 0, 1, 2, … at start + n · periodMs. Unlike `interval`, whose every period starts when the previous
 * callback ran (so a few ms of lag per tick add up), each tick is aimed at its own slot: a late tick fires at
 * once and the next one is back on schedule. Never completes; unsubscribing stops it.
 *
 * @example tickClock({ periodMs: 50, scheduler }).pipe(map(() => advance()))
 */
export const tickClock = (config: TickClockConfig): Observable<number> =>
  new Observable<number>((subscriber) => {
    const scheduler = config.scheduler ?? asyncScheduler;
    const start = scheduler.now();
    let tick = 0;
    return scheduler.schedule(function (this: SchedulerAction<undefined>) {
      subscriber.next(tick);
      tick += 1;
      this.schedule(undefined, Math.max(0, start + (tick + 1) * config.periodMs - scheduler.now()));
    }, config.periodMs);
  });
