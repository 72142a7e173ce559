import { Observable, type Subscriber } from 'rxjs';

/** A channel's outbox fed by plain calls: `outbox$` goes to the channel, `send` is what the caller holds. */
export interface Outbox<T> {
  readonly outbox$: Observable<T>;
  readonly send: (value: T) => void;
}

/**
 * An outbox for one subscriber, the channel: `send` hands the value straight to it. A Subject would do the same
 * with a closure and a walk over its observers on every call, and a host sends once per client per tick. As with
 * a Subject, what is sent while no one is subscribed is dropped; a new subscriber replaces the previous one.
 */
export const createOutbox = <T>(): Outbox<T> => {
  let target: Subscriber<T> | null = null;
  return {
    outbox$: new Observable<T>((subscriber) => {
      target = subscriber;
      return () => {
        if (target === subscriber) target = null;
      };
    }),
    send: (value) => target?.next(value),
  };
};
