import { Observable, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';

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
    // A fresh action per tick, not `this.schedule`: an async action rescheduled with the same delay keeps its
    // setInterval, which counts from when the last tick began, so ticks would fire early by their own work.
    let next: Subscription;
    const fire = () => {
      subscriber.next(tick);
      tick += 1;
      next = scheduler.schedule(fire, Math.max(0, start + (tick + 1) * config.periodMs - scheduler.now()));
    };
    next = scheduler.schedule(fire, config.periodMs);
    return () => next.unsubscribe();
  });
