import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';
import type { OpenedFrame } from './frame.js';

/**
 * One connection's replay check: a frame passes only if its sequence number is strictly above the last one
 * passed in its key epoch (else ERR_FRAME_REPLAY). Check only authenticated frames, so forged ones cannot move
 * the window. Epochs older than the previous one are forgotten: their keys are gone.
 */
export const createReplayWindow = (): ((frame: OpenedFrame) => either.Either<P2PError, OpenedFrame>) => {
  const lastSeq = new Map<number, number>();
  let newestEpoch = 0;
  return (frame) => {
    const { epoch, seq } = frame.header;
    const last = lastSeq.get(epoch);
    if (last !== undefined && seq <= last) {
      return either.left(p2pError('ERR_FRAME_REPLAY', `epoch ${epoch} seq ${seq} is not above ${last}`));
    }
    lastSeq.set(epoch, seq);
    if (epoch > newestEpoch) {
      newestEpoch = epoch;
      for (const known of lastSeq.keys()) if (known < epoch - 1) lastSeq.delete(known);
    }
    return either.right(frame);
  };
};
