import {
  type MonoTypeOperatorFunction,
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  catchError,
  concat,
  defer,
  of,
  tap,
  throwError,
  timer,
  switchMap,
} from 'rxjs';
import { isSecurityError } from '../lib/errors.js';

export interface RetryBackoffConfig<T> {
  /** How many times to resubscribe after an error (`MaxRetries`). 0 never retries. */
  readonly count: number;
  /** Delay before the first retry (`ReconnectDelay`). */
  readonly delayMs: number;
  /** Each further retry waits `factor` times longer; 1 (the default) keeps retries `delayMs` apart. */
  readonly factor?: number;
  readonly maxDelayMs?: number;
  /** Which errors are worth a retry; by default all but security errors (a forged host is not retried). */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** A value emitted as each retry begins (before its delay), so state can be derived from the stream. */
  readonly retrying?: (attempt: number, error: unknown) => T;
  /** A source value that proves the connection works and restores the full retry budget. */
  readonly resetOn?: (value: T) => boolean;
  readonly scheduler?: SchedulerLike;
}

/**
 * Resubscribes to the source after an error, up to `count` times, waiting `delayMs · factor^(n-1)` (capped)
 * before retry n. The last error, or one `shouldRetry` refuses, goes downstream unchanged. Completes when the
 * source completes; unsubscribing cancels a pending retry.
 *
 * @example connect$.pipe(retryBackoff({ count: 3, delayMs: 1000, scheduler }))
 */
export const retryBackoff = <T>(config: RetryBackoffConfig<T>): MonoTypeOperatorFunction<T> => {
  const scheduler = config.scheduler ?? asyncScheduler;
  const shouldRetry = config.shouldRetry ?? ((error: unknown) => !isSecurityError(error));
  const delayFor = (attempt: number) =>
    Math.min(
      config.delayMs * (config.factor ?? 1) ** (attempt - 1),
      config.maxDelayMs ?? Number.POSITIVE_INFINITY,
    );

  return (source) =>
    defer(() => {
      let attempt = 0;
      const subscribeOnce = (): Observable<T> =>
        source.pipe(
          tap((value) => {
            if (config.resetOn?.(value) === true) attempt = 0;
          }),
          catchError((error: unknown) => {
            if (attempt >= config.count || !shouldRetry(error)) return throwError(() => error);
            attempt += 1;
            const retry$ = timer(delayFor(attempt), scheduler).pipe(switchMap(subscribeOnce));
            return config.retrying === undefined
              ? retry$
              : concat(of(config.retrying(attempt, error)), retry$);
          }),
        );
      return subscribeOnce();
    });
};
