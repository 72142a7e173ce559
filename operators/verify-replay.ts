import { type OperatorFunction, defer } from 'rxjs';
import { either } from 'fp-ts';
import { type RejectionSink, ignoreRejection, p2pError } from '../lib/errors.js';
import type { OpenedFrame } from '../lib/protocol/frame.js';
import { mapEither } from './map-either.js';

export interface VerifyReplayConfig {
  readonly onReject?: RejectionSink;
}

/**
 * Drops any frame whose sequence number is not strictly above the last one accepted in its key epoch
 * (ERR_FRAME_REPLAY). Place it after `decrypt`, so only authenticated frames move the window. Epochs older than
 * the previous one are forgotten: `decrypt` no longer has their keys.
 *
 * State is per subscription. Completes with the source.
 *
 * @example opened$.pipe(verifyReplay({ onReject }))
 */
export const verifyReplay =
  (config: VerifyReplayConfig = {}): OperatorFunction<OpenedFrame, OpenedFrame> =>
  (source) =>
    defer(() => {
      const lastSeq = new Map<number, number>();
      let newestEpoch = 0;
      return source.pipe(
        mapEither((frame: OpenedFrame) => {
          const { epoch, seq } = frame.header;
          const last = lastSeq.get(epoch);
          if (last !== undefined && seq <= last) {
            return either.left(
              p2pError('ERR_FRAME_REPLAY', `epoch ${epoch} seq ${seq} is not above ${last}`),
            );
          }
          lastSeq.set(epoch, seq);
          if (epoch > newestEpoch) {
            newestEpoch = epoch;
            for (const known of lastSeq.keys()) if (known < epoch - 1) lastSeq.delete(known);
          }
          return either.right(frame);
        }, config.onReject ?? ignoreRejection),
      );
    });
