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
 * One shared body (a delta a host sends to every client with the same baseline) is deflated once for all of
 * them. Any codec's raw deflate inflates the same, so the cache is keyed by the body alone.
 */
const deflatedBodies = new WeakMap<Buffer, FrameBody>();

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
    const cached = deflatedBodies.get(body);
    if (cached !== undefined) return cached;
    const deflated = codec.deflate(body);
    const result =
      deflated.length < body.length ? { flags: FLAG_COMPRESSED, body: deflated } : { flags: 0, body };
    deflatedBodies.set(body, result);
    return result;
  });
};
