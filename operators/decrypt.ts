import { Observable, type OperatorFunction } from 'rxjs';
import { type RejectionSink, ignoreRejection } from '../lib/errors.js';
import type { DirectionKey } from '../lib/crypto/aead.js';
import { openFrame } from '../lib/crypto/frame-opener.js';
import type { Frame, OpenedFrame } from '../lib/protocol/frame.js';
import { mapEither } from './map-either.js';

export interface DecryptConfig {
  /** The keys accepted now, newest epoch first; each emission replaces the last (rotation, grace expiry). */
  readonly receiveKeys$: Observable<readonly DirectionKey[]>;
  /** False only with EnableEncryption=0: then plain frames are expected and sealed ones refused. */
  readonly encrypted?: boolean;
  readonly onReject?: RejectionSink;
}

/**
 * Frames → authenticated bodies. A sealed frame is opened with the key of its epoch; a frame of an unknown or
 * expired epoch (ERR_FRAME_EPOCH), a failed tag (ERR_FRAME_AUTH) or a frame type that does not belong here
 * (ERR_FRAME_TYPE) is rejected and dropped. Frames before the first key set are rejected as ERR_FRAME_EPOCH.
 *
 * Completes with the source; an error of `receiveKeys$` errors the stream.
 *
 * @example frames$.pipe(decrypt({ receiveKeys$: ring$.pipe(map((r) => r.receive)), onReject }))
 */
export const decrypt =
  (config: DecryptConfig): OperatorFunction<Frame, OpenedFrame> =>
  (source) =>
    new Observable<OpenedFrame>((subscriber) => {
      let keys: readonly DirectionKey[] = [];
      const keySubscription = config.receiveKeys$.subscribe({
        next: (latest) => (keys = latest),
        error: (error: unknown) => subscriber.error(error),
      });
      const encrypted = config.encrypted ?? true;
      const frameSubscription = source
        .pipe(
          mapEither((frame: Frame) => openFrame(frame, keys, encrypted), config.onReject ?? ignoreRejection),
        )
        .subscribe(subscriber);
      return () => {
        frameSubscription.unsubscribe();
        keySubscription.unsubscribe();
      };
    });
