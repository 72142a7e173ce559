import { Observable, type OperatorFunction } from 'rxjs';
import { either } from 'fp-ts';
import { type RejectionSink, ignoreRejection } from '../lib/errors.js';
import { decodeBatch } from '../lib/protocol/batch.js';
import type { OpenedFrame } from '../lib/protocol/frame.js';
import type { ProtocolLimits } from '../lib/protocol/limits.js';
import type { Message } from '../lib/protocol/messages.js';

export interface DecodeMessagesConfig {
  readonly limits: Pick<ProtocolLimits, 'maxMessagesPerBatch'>;
  readonly onReject?: RejectionSink;
}

/**
 * Bodies → messages, in order. A broken batch is rejected whole (ERR_BATCH_MALFORMED, ERR_BATCH_TOO_MANY); a
 * message that fails its own codec (ERR_MESSAGE_KIND, ERR_MESSAGE_INVALID) is rejected alone and its neighbours
 * go on. Completes with the source.
 *
 * @example opened$.pipe(decodeMessages({ limits, onReject }))
 */
export const decodeMessages =
  (config: DecodeMessagesConfig): OperatorFunction<OpenedFrame, Message> =>
  (source) =>
    new Observable<Message>((subscriber) => {
      const reject = config.onReject ?? ignoreRejection;
      return source.subscribe({
        next: (frame) => {
          const decoded = decodeBatch(frame.body, config.limits);
          if (either.isLeft(decoded)) {
            reject(decoded.left);
            return;
          }
          decoded.right.rejected.forEach(reject);
          for (const message of decoded.right.messages) {
            if (subscriber.closed) return;
            subscriber.next(message);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
