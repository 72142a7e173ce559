import { Observable, type OperatorFunction } from 'rxjs';
import { either } from 'fp-ts';
import { type P2PError, type RejectionSink, ignoreRejection, p2pError } from '../lib/errors.js';
import { open } from '../lib/crypto/aead.js';
import type { DirectionKey } from '../lib/crypto/aead.js';
import { type Frame, FrameType, type OpenedFrame } from '../lib/protocol/frame.js';
import { mapEither } from './map-either.js';

export interface DecryptConfig {
  /** The keys accepted now, newest epoch first; each emission replaces the last (rotation, grace expiry). */
  readonly receiveKeys$: Observable<readonly DirectionKey[]>;
  /** False only with EnableEncryption=0: then plain frames are expected and sealed ones refused. */
  readonly encrypted?: boolean;
  readonly onReject?: RejectionSink;
}

const unexpected = (frame: Frame): P2PError =>
  p2pError('ERR_FRAME_TYPE', `frame type ${frame.header.type} is not accepted on an established channel`);

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
      const openFrame = (frame: Frame): either.Either<P2PError, OpenedFrame> => {
        if (!encrypted) {
          return frame.header.type === FrameType.Plain
            ? either.right({ header: frame.header, body: frame.body })
            : either.left(unexpected(frame));
        }
        if (frame.header.type !== FrameType.Sealed) return either.left(unexpected(frame));
        const key = keys.find((k) => k.epoch === frame.header.epoch);
        if (key === undefined) {
          return either.left(p2pError('ERR_FRAME_EPOCH', `no key for epoch ${frame.header.epoch}`));
        }
        return either.map((body: Buffer) => ({ header: frame.header, body }))(open(key, frame));
      };
      const frameSubscription = source
        .pipe(mapEither(openFrame, config.onReject ?? ignoreRejection))
        .subscribe(subscriber);
      return () => {
        frameSubscription.unsubscribe();
        keySubscription.unsubscribe();
      };
    });
