import { type OperatorFunction, defer } from 'rxjs';
import { type RejectionSink, ignoreRejection } from '../lib/errors.js';
import type { OpenedFrame } from '../lib/protocol/frame.js';
import { createReplayWindow } from '../lib/protocol/replay-window.js';
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
    defer(() => source.pipe(mapEither(createReplayWindow(), config.onReject ?? ignoreRejection)));
