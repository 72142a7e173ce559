import { type MonoTypeOperatorFunction, type SchedulerLike, asyncScheduler, defer, filter } from 'rxjs';

export interface RateBudgetConfig<T = unknown> {
  /** Values let through at once: the bucket's size (`MaxPingsPerSecond`, …). */
  readonly max: number;
  /** An empty bucket is full again after this long, refilled evenly (one value every `windowMs / max`). */
  readonly windowMs: number;
  /** Called with each value dropped for being past the budget. */
  readonly onExcess?: (value: T) => void;
  readonly scheduler?: SchedulerLike;
}

/**
 * The budget of `rateBudget` as one call, for a channel that checks every message of a connection on its hot path:
 * `take()` is true and spends one value while within budget, false past it. A token bucket: at most `max` at once,
 * and `max` per `windowMs` sustained. Counted in units of ms·values, integers on an integer clock, so a value is
 * never refused for a rounding error.
 */
export const createRateBudget = (
  config: Pick<RateBudgetConfig, 'max' | 'windowMs' | 'scheduler'>,
): (() => boolean) => {
  const scheduler = config.scheduler ?? asyncScheduler;
  // One value costs `windowMs`; a millisecond refills `max`; the bucket holds `max` values.
  const full = config.max * config.windowMs;
  let level = full;
  let at = scheduler.now();
  return () => {
    const now = scheduler.now();
    // A wall clock stepped back (NTP, a laptop resuming) refills nothing rather than emptying every bucket.
    level = Math.min(full, level + Math.max(0, now - at) * config.max);
    at = now;
    if (level < config.windowMs) return false;
    level -= config.windowMs;
    return true;
  };
};

/**
 * Lets values through within a rate budget, a token bucket of `max` refilled evenly over `windowMs`: a burst of
 * `max` passes at once, then one value every `windowMs / max`; the rest is dropped (and given to `onExcess`). Each
 * subscription has its own bucket, full at the start. Errors and completes with the source.
 *
 * @example pings$.pipe(rateBudget({ max: 10, windowMs: 1000, onExcess: () => rejected$.next(tooMany), scheduler }))
 */
export const rateBudget = <T>(config: RateBudgetConfig<T>): MonoTypeOperatorFunction<T> => {
  const { onExcess } = config;
  return (source) =>
    defer(() => {
      const take = createRateBudget(config);
      return source.pipe(
        filter((value) => {
          if (take()) return true;
          onExcess?.(value);
          return false;
        }),
      );
    });
};
