import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';
import { type Frame, FrameType, type OpenedFrame } from '../protocol/frame.js';
import { type DirectionKey, open } from './aead.js';

const unexpected = (frame: Frame): P2PError =>
  p2pError('ERR_FRAME_TYPE', `frame type ${frame.header.type} is not accepted on an established channel`);

/**
 * A received frame's authenticated body: opened with the key of its epoch among `keys` (newest first). Left
 * ERR_FRAME_EPOCH (no key for that epoch, or none yet), ERR_FRAME_AUTH (altered, or the wrong key), ERR_FRAME_TYPE
 * (a frame type that does not belong on an established channel). With `encrypted` false (EnableEncryption=0)
 * plain frames are expected and sealed ones refused.
 */
export const openFrame = (
  frame: Frame,
  keys: readonly DirectionKey[],
  encrypted: boolean,
): either.Either<P2PError, OpenedFrame> => {
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
  const body = open(key, frame);
  return body._tag === 'Left' ? body : either.right({ header: frame.header, body: body.right });
};
