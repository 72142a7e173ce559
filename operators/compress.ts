import { type OperatorFunction, map } from 'rxjs';
import type { DeflateCodec } from '../lib/compression/deflate-codec.js';
import { nodeZlibCodec } from '../lib/compression/node-zlib-codec.js';
import { FLAG_COMPRESSED, type FrameBody } from '../lib/protocol/frame.js';

export interface CompressConfig {
  /** Bodies larger than this many bytes are deflated (`CompressionThreshold`). */
  readonly threshold: number;
  /** `EnableCompression`; false makes this a plain wrap. */
  readonly enabled?: boolean;
  readonly codec?: DeflateCodec;
}

/**
 * Bodies → frame bodies with flags. Bodies above the threshold are deflated, and the compressed flag is set,
 * only when deflate actually made them smaller. Never errors on its own.
 *
 * @example bodies$.pipe(compress({ threshold: 1024 }))
 */
export const compress = (config: CompressConfig): OperatorFunction<Buffer, FrameBody> => {
  const codec = config.codec ?? nodeZlibCodec;
  const enabled = config.enabled ?? true;
  return map((body: Buffer): FrameBody => {
    if (!enabled || body.length <= config.threshold) return { flags: 0, body };
    const deflated = codec.deflate(body);
    return deflated.length < body.length ? { flags: FLAG_COMPRESSED, body: deflated } : { flags: 0, body };
  });
};
