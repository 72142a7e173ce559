import type { OperatorFunction } from 'rxjs';
import { type RejectionSink, ignoreRejection } from '../lib/errors.js';
import type { DeflateCodec } from '../lib/compression/deflate-codec.js';
import { nodeZlibCodec } from '../lib/compression/node-zlib-codec.js';
import { inflateFrame } from '../lib/compression/inflate-frame.js';
import type { OpenedFrame } from '../lib/protocol/frame.js';
import { mapEither } from './map-either.js';

export interface DecompressConfig {
  readonly maxInflatedBytes: number;
  readonly codec?: DeflateCodec;
  readonly onReject?: RejectionSink;
}

/**
 * Inflates bodies flagged compressed; others pass untouched. A body that would inflate past `maxInflatedBytes`
 * is refused without inflating it (ERR_INFLATE_LIMIT); invalid deflate is ERR_INFLATE_CORRUPT.
 *
 * @example opened$.pipe(decompress({ maxInflatedBytes: 1 << 20, onReject }))
 */
export const decompress = (config: DecompressConfig): OperatorFunction<OpenedFrame, OpenedFrame> => {
  const codec = config.codec ?? nodeZlibCodec;
  return mapEither(
    (frame: OpenedFrame) => inflateFrame(frame, codec, config.maxInflatedBytes),
    config.onReject ?? ignoreRejection,
  );
};
