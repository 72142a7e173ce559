import { Observable, type MonoTypeOperatorFunction, type SchedulerLike, asyncScheduler } from 'rxjs';

export interface DeadlineConfig<T> {
  /** How long the source has to emit a value that `reached` accepts. */
  readonly ms: number;
  readonly reached: (value: T) => boolean;
  /** The error the stream ends with when the deadline passes first. */
  readonly error: () => unknown;
  readonly scheduler?: SchedulerLike;
}

/**
 * Errors with `error()` unless the source emits a value `reached` accepts within `ms` of subscription (the
 * handshake deadline: `TimeoutMS` from connect to established). Other values pass meanwhile; after the
 * deadline is met this is a plain mirror. Unsubscribing cancels the timer.
 *
 * @example session$.pipe(deadline({ ms: 5000, reached: (e) => e.type === 'established', error: () => … }))
 */
export const deadline =
  <T>(config: DeadlineConfig<T>): MonoTypeOperatorFunction<T> =>
  (source) =>
    new Observable<T>((subscriber) => {
      const timer = (config.scheduler ?? asyncScheduler).schedule(
        () => subscriber.error(config.error()),
        config.ms,
      );
      const subscription = source.subscribe({
        next: (value) => {
          if (config.reached(value)) timer.unsubscribe();
          subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        timer.unsubscribe();
        subscription.unsubscribe();
      };
    });
