import {
  Observable,
  type MonoTypeOperatorFunction,
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
 * ack from every client every tick, so here a value only records its time, and one timer per silence window
 * checks it.
 *
 * @example frames$.pipe(heartbeatTimeout({ timeoutMs: 5000, scheduler }))
 */
export const heartbeatTimeout =
  <T>(config: HeartbeatTimeoutConfig): MonoTypeOperatorFunction<T> =>
  (source) =>
    new Observable<T>((subscriber) => {
      const scheduler = config.scheduler ?? asyncScheduler;
      let last = scheduler.now();
      let timer: Subscription | null = null;
      const check = () => {
        const silent = scheduler.now() - last;
        if (silent >= config.timeoutMs) {
          subscriber.error(
            p2pError('ERR_HEARTBEAT_TIMEOUT', `no frame for ${config.timeoutMs} ms`, {
              timeoutMs: config.timeoutMs,
            }),
          );
        } else timer = scheduler.schedule(check, config.timeoutMs - silent);
      };
      const subscription = source.subscribe({
        next: (value) => {
          last = scheduler.now();
          subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      // Armed after subscribing, so a value due at the same instant as the deadline counts as in time.
      if (!subscriber.closed) timer = scheduler.schedule(check, config.timeoutMs);
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
