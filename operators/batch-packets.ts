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

/** A batcher driven by calls: `batchPackets` wraps it as an operator, a channel's send path calls it directly. */
export interface Batcher<T> {
  readonly push: (value: T) => void;
  /** Emits what is buffered now (nothing when empty). */
  readonly flush: () => void;
  /** Cancels the window timer and drops what is buffered. */
  readonly cancel: () => void;
}

/** The batching rule of `batchPackets` as plain calls; each batch goes to `emit`. */
export const createBatcher = <T>(config: BatchPacketsConfig<T>, emit: (batch: T[]) => void): Batcher<T> => {
  const scheduler = config.scheduler ?? asyncScheduler;
  let buffer: T[] = [];
  let timer: Subscription | null = null;
  const flush = () => {
    timer?.unsubscribe();
    timer = null;
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    emit(batch);
  };
  return {
    push: (value) => {
      const urgent = config.flushOn?.(value) === true;
      // Alone and urgent (a host's delta, every client every tick): straight out, no buffer to grow and replace.
      if (buffer.length === 0 && (urgent || config.max <= 1)) {
        emit([value]);
        return;
      }
      buffer.push(value);
      if (buffer.length >= config.max || urgent) flush();
      else timer ??= scheduler.schedule(flush, config.windowMs);
    },
    flush,
    cancel: () => {
      timer?.unsubscribe();
      timer = null;
      buffer = [];
    },
  };
};

/**
 * Groups values into batches: a batch leaves when it holds `max` values, when `windowMs` has passed since its
 * first value, or at once after a `flushOn` value, whichever comes first. Order is kept; no empty batch is ever
 * emitted. On complete the partial batch is flushed; on error it is dropped; unsubscribing cancels the timer.
 *
 * @example messages$.pipe(batchPackets({ max: 32, windowMs: 50, scheduler }))
 */
export const batchPackets = <T>(config: BatchPacketsConfig<T>): OperatorFunction<T, T[]> => {
  if (config.max <= 1 && config.flushOn === undefined) return map((value: T) => [value]);
  return (source) =>
    new Observable<T[]>((subscriber) => {
      const batcher = createBatcher(config, (batch) => subscriber.next(batch));
      const subscription = source.subscribe({
        next: batcher.push,
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          batcher.flush();
          subscriber.complete();
        },
      });
      return () => {
        batcher.cancel();
        subscription.unsubscribe();
      };
    });
};
