import { type OperatorFunction, type SchedulerLike, asyncScheduler, map, switchMap, timer } from 'rxjs';

export interface RotateKeysConfig {
  /** Seconds an epoch lives before rotation (`KeyRotationInterval`), as milliseconds. */
  readonly intervalMs: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Established key epochs → rotation requests: `intervalMs` after an epoch starts, emits the epoch to move to
 * (epoch + 1). A new epoch (from either side's rotation) restarts the clock, so each epoch lives about
 * `intervalMs`. Completes when the source completes and no timer is pending.
 *
 * @example epoch$.pipe(rotateKeys({ intervalMs: 3_600_000, scheduler }))
 */
export const rotateKeys = (config: RotateKeysConfig): OperatorFunction<number, number> =>
  switchMap((epoch: number) =>
    timer(config.intervalMs, config.scheduler ?? asyncScheduler).pipe(map(() => epoch + 1)),
  );
