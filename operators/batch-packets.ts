import {
  Observable,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
  asyncScheduler,
  map,
} from 'rxjs';

export interface BatchPacketsConfig<T> {
  /** Flush when this many are buffered (`PacketBatchSize`). 1 sends every value alone, at once. */
  readonly max: number;
  /** Flush this long after the first buffered value (the tick window, `UpdateIntervalMS`). */
  readonly windowMs: number;
  /** Values that must leave now, with whatever is buffered before them (rekey, bye, finished). */
  readonly flushOn?: (value: T) => boolean;
  readonly scheduler?: SchedulerLike;
}

/**
 * Groups values into batches: a batch leaves when it holds `max` values, when `windowMs` has passed since its
 * first value, or at once after a `flushOn` value, whichever comes first. Order is kept; no empty batch is ever
 * emitted. On complete the partial batch is flushed; on error it is dropped; unsubscribing cancels the timer.
 *
 * @example messages$.pipe(batchPackets({ max: 32, windowMs: 50, scheduler }))
 */
export const batchPackets = <T>(config: BatchPacketsConfig<T>): OperatorFunction<T, T[]> => {
  if (config.max <= 1 && config.flushOn === undefined) return map((value: T) => [value]);
  const scheduler = config.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let buffer: T[] = [];
      let timer: Subscription | null = null;
      const flush = () => {
        timer?.unsubscribe();
        timer = null;
        if (buffer.length === 0) return;
        const batch = buffer;
        buffer = [];
        subscriber.next(batch);
      };
      const subscription = source.subscribe({
        next: (value) => {
          buffer.push(value);
          if (buffer.length >= config.max || config.flushOn?.(value) === true) flush();
          else if (timer === null) timer = scheduler.schedule(flush, config.windowMs);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
};
