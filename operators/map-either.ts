import { Observable, type OperatorFunction } from 'rxjs';
import type { either } from 'fp-ts';
import type { P2PError, RejectionSink } from '../lib/errors.js';

/**
 * Maps each value through a decoder that returns `Either`: a `Right` goes on, a `Left` goes to `onReject` and
 * is dropped, and the stream continues. The one shape every inbound stage has, written once for the hot path
 * (three composed operators per stage cost measurably more per frame).
 *
 * Errors: a throw from `project` is a bug, not bad input, and errors the stream. Completes with the source.
 *
 * @example frames$.pipe(mapEither((bytes) => decodeFrame(bytes, max), (e) => rejected.next(e)))
 */
export const mapEither =
  <A, B>(
    project: (value: A) => either.Either<P2PError, B>,
    onReject: RejectionSink,
  ): OperatorFunction<A, B> =>
  (source) =>
    new Observable<B>((subscriber) =>
      source.subscribe({
        next: (value) => {
          let result: either.Either<P2PError, B>;
          try {
            result = project(value);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          if (result._tag === 'Right') subscriber.next(result.right);
          else onReject(result.left);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
