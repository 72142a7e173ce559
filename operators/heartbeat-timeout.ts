import {
  Observable,
  type MonoTypeOperatorFunction,
  type SchedulerAction,
  type SchedulerLike,
  type Subscription,
  asyncScheduler,
} from 'rxjs';
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
 * Written by hand rather than as `timeout({ each })`, which re-arms a timer on every value: a host sees an
 * ack from every client every tick, so here a value only records its time, and one timer checks it.
 *
 * The check re-arms its own action with the same delay (half the timeout) while the source is lively: the
 * scheduler then keeps the one interval it has, and a check allocates nothing. A new timer per check lived for
 * seconds, long enough to be promoted and die in the old generation: with 1000 clients it was a third of what a
 * host promoted, and so of its full collections. Only once the silence is past half the timeout does the check
 * aim at the deadline itself, so the error still comes exactly `timeoutMs` after the last value.
 *
 * @example frames$.pipe(heartbeatTimeout({ timeoutMs: 5000, scheduler }))
 */
export const heartbeatTimeout =
  <T>(config: HeartbeatTimeoutConfig): MonoTypeOperatorFunction<T> =>
  (source) =>
    new Observable<T>((subscriber) => {
      const scheduler = config.scheduler ?? asyncScheduler;
      const { timeoutMs } = config;
      const steadyMs = Math.max(1, Math.floor(timeoutMs / 2));
      let last = scheduler.now();
      let timer: Subscription | null = null;
      function check(this: SchedulerAction<undefined>) {
        const left = timeoutMs - (scheduler.now() - last);
        if (left <= 0) {
          subscriber.error(p2pError('ERR_HEARTBEAT_TIMEOUT', `no frame for ${timeoutMs} ms`, { timeoutMs }));
        } else this.schedule(undefined, Math.min(steadyMs, left));
      }
      const subscription = source.subscribe({
        next: (value) => {
          last = scheduler.now();
          subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      // Armed after subscribing, so a value due at the same instant as the deadline counts as in time.
      if (!subscriber.closed) timer = scheduler.schedule(check, Math.min(steadyMs, timeoutMs));
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
