import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';
import { type FrameBody, FrameType, encodeFrame } from '../protocol/frame.js';
import { type DirectionKey, sealerFor } from './aead.js';

/** One direction's sending state: the current key and the next sequence number under it. */
export interface FrameSealer {
  /** Sends with `key` from the next frame on; a new epoch numbers its frames from 0 again. */
  readonly useKey: (key: DirectionKey) => void;
  /** The next wire frame. Left ERR_HANDSHAKE_PROTOCOL when no key was given yet (a wiring bug, not bad input). */
  readonly seal: (body: FrameBody) => either.Either<P2PError, Buffer>;
}

/**
 * Numbers and seals frames (AES-256-GCM, the header as AAD). With `encrypted` false (EnableEncryption=0) frames
 * are plain but still numbered, so the receiver's replay check holds either way.
 */
export const createFrameSealer = (encrypted: boolean): FrameSealer => {
  let key: DirectionKey | null = null;
  let sealUnderKey: ReturnType<typeof sealerFor> | null = null;
  let seq = 0;
  return {
    useKey: (latest) => {
      if (latest.epoch !== key?.epoch) seq = 0;
      // The same key again (the ring changes on a grace expiry too) keeps its sealer and native context.
      if (latest !== key) sealUnderKey = sealerFor(latest);
      key = latest;
    },
    seal: ({ flags, body }) => {
      if (!encrypted)
        return either.right(encodeFrame({ type: FrameType.Plain, flags, epoch: 0, seq: seq++ }, body));
      if (key === null || sealUnderKey === null)
        return either.left(p2pError('ERR_HANDSHAKE_PROTOCOL', 'cannot seal a frame before keys exist'));
      return either.right(
        sealUnderKey({ type: FrameType.Sealed, flags, epoch: key.epoch, seq: seq++ }, body),
      );
    },
  };
};
