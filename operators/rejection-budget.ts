import { type OperatorFunction, type SchedulerLike, asyncScheduler, filter, map, scan } from 'rxjs';
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
export const rejectionBudget = (config: RejectionBudgetConfig): OperatorFunction<P2PError, never> => {
  const scheduler = config.scheduler ?? asyncScheduler;
  return (rejected$) =>
    rejected$.pipe(
      scan((times: readonly number[]) => {
        const now = scheduler.now();
        return [...times.filter((t) => now - t < config.windowMs), now];
      }, []),
      filter((times) => times.length > config.max),
      map((times) => {
        throw p2pError(
          'ERR_TOO_MANY_REJECTIONS',
          `${times.length} rejected frames within ${config.windowMs} ms`,
        );
      }),
    );
};
