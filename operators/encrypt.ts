import { Observable, type OperatorFunction } from 'rxjs';
import { p2pError } from '../lib/errors.js';
import { type DirectionKey, seal } from '../lib/crypto/aead.js';
import { type FrameBody, FrameType, encodeFrame } from '../lib/protocol/frame.js';

export interface EncryptConfig {
  /** The key to send with; each emission switches to it from the next frame on (rotation). */
  readonly sendKey$: Observable<DirectionKey>;
  /** False only with EnableEncryption=0: plain frames, still numbered for replay protection. */
  readonly encrypted?: boolean;
}

/**
 * Frame bodies → wire frames. Each frame gets the next sequence number of its key epoch (from 0 in each epoch)
 * and is sealed with AES-256-GCM, its header as AAD.
 *
 * Errors with ERR_HANDSHAKE_PROTOCOL when a body arrives before any key (a wiring bug, not bad input).
 * Completes with the source.
 *
 * @example bodies$.pipe(encrypt({ sendKey$: ring$.pipe(map((r) => r.send)) }))
 */
export const encrypt =
  (config: EncryptConfig): OperatorFunction<FrameBody, Buffer> =>
  (source) =>
    new Observable<Buffer>((subscriber) => {
      let key: DirectionKey | null = null;
      let seq = 0;
      const encrypted = config.encrypted ?? true;
      const keySubscription = config.sendKey$.subscribe({
        next: (latest) => {
          if (latest.epoch !== key?.epoch) seq = 0;
          key = latest;
        },
        error: (error: unknown) => subscriber.error(error),
      });
      const frameSubscription = source.subscribe({
        next: ({ flags, body }) => {
          if (!encrypted) {
            subscriber.next(encodeFrame({ type: FrameType.Plain, flags, epoch: 0, seq: seq++ }, body));
            return;
          }
          if (key === null) {
            subscriber.error(p2pError('ERR_HANDSHAKE_PROTOCOL', 'cannot seal a frame before keys exist'));
            return;
          }
          subscriber.next(seal(key, { type: FrameType.Sealed, flags, epoch: key.epoch, seq: seq++ }, body));
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        frameSubscription.unsubscribe();
        keySubscription.unsubscribe();
      };
    });
