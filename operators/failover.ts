import { Observable, type OperatorFunction, Subscription } from 'rxjs';
import { type P2PError, toP2PError } from '../lib/errors.js';

/** Why the fallback was taken: the primary failed, or the trigger said to leave it (a `map.moved` push). */
export type FailoverCause<X> =
  { readonly kind: 'error'; readonly error: P2PError } | { readonly kind: 'trigger'; readonly trigger: X };

export interface FailoverConfig<R, X> {
  /** The fallback stream (the VPS connection), built from the cause. */
  readonly to: (cause: FailoverCause<X>) => Observable<R>;
  /** Which errors fail over; others go downstream. Default: every error. */
  readonly when?: (error: unknown) => boolean;
  /** Leaves the primary at once when it emits, without waiting for an error. */
  readonly trigger$?: Observable<X>;
}

/**
 * Mirrors the source until it errors (or `trigger$` emits), then unsubscribes it and mirrors `to(cause)`
 * instead, exactly once: later triggers are ignored. Errors and completion of the fallback go downstream. An
 * error `when` refuses goes downstream unchanged. Unsubscribing ends whichever stream is live.
 *
 * @example session$.pipe(retryBackoff(…), failover({ to: () => vpsSession$, trigger$: mapMoved$ }))
 */
export const failover =
  <T, R = T, X = never>(config: FailoverConfig<R, X>): OperatorFunction<T, T | R> =>
  (source) =>
    new Observable<T | R>((subscriber) => {
      const primary = new Subscription();
      const fallback = new Subscription();
      let switched = false;
      const switchOver = (cause: FailoverCause<X>) => {
        if (switched) return;
        switched = true;
        primary.unsubscribe();
        fallback.add(config.to(cause).subscribe(subscriber));
      };
      if (config.trigger$ !== undefined) {
        primary.add(config.trigger$.subscribe((trigger) => switchOver({ kind: 'trigger', trigger })));
      }
      primary.add(
        source.subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            if (config.when?.(error) === false) subscriber.error(error);
            else switchOver({ kind: 'error', error: toP2PError(error) });
          },
          complete: () => subscriber.complete(),
        }),
      );
      return () => {
        primary.unsubscribe();
        fallback.unsubscribe();
      };
    });
