import { FLAG_COMPRESSED, type FrameBody } from '../protocol/frame.js';
import type { DeflateCodec } from './deflate-codec.js';
import { nodeZlibCodec } from './node-zlib-codec.js';

export interface CompressionSettings {
  /** Bodies larger than this many bytes are deflated (`CompressionThreshold`). */
  readonly threshold: number;
  /** `EnableCompression`; false leaves every body as it is. */
  readonly enabled?: boolean;
  readonly codec?: DeflateCodec;
}

/**
 * One shared body (a delta a host sends to every client with the same baseline) is deflated once for all of
 * them. Any codec's raw deflate inflates the same, so the cache is keyed by the body alone.
 */
const deflatedBodies = new WeakMap<Buffer, FrameBody>();

/**
 * A body with its frame flags: deflated, with the compressed flag, when it is above the threshold and deflate
 * actually made it smaller; otherwise as it is. Never throws on any body.
 */
export const compressBody = (body: Buffer, settings: CompressionSettings): FrameBody => {
  if (settings.enabled === false || body.length <= settings.threshold) return { flags: 0, body };
  const cached = deflatedBodies.get(body);
  if (cached !== undefined) return cached;
  const deflated = (settings.codec ?? nodeZlibCodec).deflate(body);
  const result =
    deflated.length < body.length ? { flags: FLAG_COMPRESSED, body: deflated } : { flags: 0, body };
  deflatedBodies.set(body, result);
  return result;
};
