import { Observable, type OperatorFunction } from 'rxjs';
import type { DirectionKey } from '../lib/crypto/aead.js';
import { createFrameSealer } from '../lib/crypto/frame-sealer.js';
import type { FrameBody } from '../lib/protocol/frame.js';

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
      const sealer = createFrameSealer(config.encrypted ?? true);
      const keySubscription = config.sendKey$.subscribe({
        next: sealer.useKey,
        error: (error: unknown) => subscriber.error(error),
      });
      const frameSubscription = source.subscribe({
        next: (body) => {
          const frame = sealer.seal(body);
          if (frame._tag === 'Right') subscriber.next(frame.right);
          else subscriber.error(frame.left);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        frameSubscription.unsubscribe();
        keySubscription.unsubscribe();
      };
    });
