import { type MonoTypeOperatorFunction, type SchedulerLike, asyncScheduler, throwError, timeout } from 'rxjs';
import { p2pError } from '../lib/errors.js';

export interface HeartbeatTimeoutConfig {
  /** The longest silence allowed, before the first value and between values (`TimeoutMS`). */
  readonly timeoutMs: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Errors with ERR_HEARTBEAT_TIMEOUT when the source stays silent for `timeoutMs`: how a frozen host (SIGSTOP)
 * is told from a slow one. Values pass through; completion and errors of the source pass through.
 *
 * @example frames$.pipe(heartbeatTimeout({ timeoutMs: 5000, scheduler }))
 */
export const heartbeatTimeout = <T>(config: HeartbeatTimeoutConfig): MonoTypeOperatorFunction<T> =>
  timeout({
    each: config.timeoutMs,
    scheduler: config.scheduler ?? asyncScheduler,
    with: () =>
      throwError(() =>
        p2pError('ERR_HEARTBEAT_TIMEOUT', `no frame for ${config.timeoutMs} ms`, {
          timeoutMs: config.timeoutMs,
        }),
      ),
  });
