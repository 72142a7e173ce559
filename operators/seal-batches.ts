import { Observable, type OperatorFunction } from 'rxjs';
import { type RejectionSink, ignoreRejection } from '../lib/errors.js';
import { type CompressionSettings, compressBody } from '../lib/compression/compress-body.js';
import type { DirectionKey } from '../lib/crypto/aead.js';
import { createFrameSealer } from '../lib/crypto/frame-sealer.js';
import { encodeBatch as encodeBatchBody } from '../lib/protocol/batch.js';
import type { ProtocolLimits } from '../lib/protocol/limits.js';
import type { Message } from '../lib/protocol/messages.js';

export interface SealBatchesConfig {
  readonly limits: Pick<ProtocolLimits, 'maxMessagesPerBatch' | 'maxInflatedBytes'>;
  readonly compression: CompressionSettings;
  /** The key to send with; each emission switches to it from the next frame on (rotation). */
  readonly sendKey$: Observable<DirectionKey>;
  /** False only with EnableEncryption=0: plain frames, still numbered for replay protection. */
  readonly encrypted?: boolean;
  readonly onReject?: RejectionSink;
}

/**
 * Batches → wire frames in one step: `encodeBatch`, `compress` and `encrypt` fused, for the send path a host
 * runs once per client per tick (one hop and one allocation per frame instead of three). The frames
 * are exactly those of the three in a row: a batch the peer would refuse is rejected (ERR_MESSAGE_TOO_LARGE)
 * and not sent, a shared message is encoded and deflated once however many clients it goes to, and each frame
 * takes the next sequence number of its key epoch.
 *
 * Errors with ERR_HANDSHAKE_PROTOCOL when a batch arrives before any key. Completes with the source.
 *
 * @example batches$.pipe(sealBatches({ limits, compression, sendKey$, onReject }))
 */
export const sealBatches =
  (config: SealBatchesConfig): OperatorFunction<readonly Message[], Buffer> =>
  (source) =>
    new Observable<Buffer>((subscriber) => {
      const sealer = createFrameSealer(config.encrypted ?? true);
      const onReject = config.onReject ?? ignoreRejection;
      const keySubscription = config.sendKey$.subscribe({
        next: sealer.useKey,
        error: (error: unknown) => subscriber.error(error),
      });
      const batchSubscription = source.subscribe({
        next: (batch) => {
          const body = encodeBatchBody(batch, config.limits);
          if (body._tag === 'Left') {
            onReject(body.left);
            return;
          }
          const frame = sealer.seal(compressBody(body.right, config.compression));
          if (frame._tag === 'Right') subscriber.next(frame.right);
          else subscriber.error(frame.left);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        batchSubscription.unsubscribe();
        keySubscription.unsubscribe();
      };
    });
