import type { OperatorFunction } from 'rxjs';
import { type RejectionSink, ignoreRejection } from '../lib/errors.js';
import { type Frame, decodeFrame as decodeFrameBytes } from '../lib/protocol/frame.js';
import { mapEither } from './map-either.js';

export interface DecodeFrameConfig {
  readonly maxFrameBytes: number;
  readonly onReject?: RejectionSink;
}

/**
 * Wire bytes → frames (header + body). Oversized, truncated or malformed frames are rejected with their code
 * (ERR_FRAME_TOO_LARGE, ERR_FRAME_TRUNCATED, ERR_FRAME_VERSION, ERR_FRAME_TYPE, ERR_FRAME_HEADER) and dropped.
 *
 * @example socketBytes$.pipe(decodeFrame({ maxFrameBytes: 262144, onReject }))
 */
export const decodeFrame = (config: DecodeFrameConfig): OperatorFunction<Buffer, Frame> =>
  mapEither(
    (bytes: Buffer) => decodeFrameBytes(bytes, config.maxFrameBytes),
    config.onReject ?? ignoreRejection,
  );
