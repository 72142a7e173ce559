import { Observable, type OperatorFunction, type SchedulerLike, asyncScheduler } from 'rxjs';
import { type P2PError, p2pError } from '../lib/errors.js';

export interface RejectionBudgetConfig {
  /** Rejections tolerated within the window (`MaxRejectedFrames`). */
  readonly max: number;
  /** The sliding window (`RejectWindowMS`). */
  readonly windowMs: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Rejections → nothing, until more than `max` fall within `windowMs`: then errors with ERR_TOO_MANY_REJECTIONS,
 * which ends the connection that sent them (a peer sending garbage is cut off; a stray bad frame is not).
 * Completes with the source.
 *
 * @example rejected$.pipe(rejectionBudget({ max: 32, windowMs: 10_000, scheduler }))
 */
export const rejectionBudget =
  (config: RejectionBudgetConfig): OperatorFunction<P2PError, never> =>
  (rejected$) =>
    // One subscription rather than scan, filter and map: every connection holds one, and rejections are rare.
    new Observable<never>((subscriber) => {
      const scheduler = config.scheduler ?? asyncScheduler;
      let times: number[] = [];
      return rejected$.subscribe({
        next: () => {
          const now = scheduler.now();
          times = [...times.filter((t) => now - t < config.windowMs), now];
          if (times.length > config.max) {
            subscriber.error(
              p2pError(
                'ERR_TOO_MANY_REJECTIONS',
                `${times.length} rejected frames within ${config.windowMs} ms`,
              ),
            );
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
