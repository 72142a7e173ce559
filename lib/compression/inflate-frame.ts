import { either } from 'fp-ts';
import type { P2PError } from '../errors.js';
import { FLAG_COMPRESSED, type OpenedFrame } from '../protocol/frame.js';
import type { DeflateCodec } from './deflate-codec.js';

/**
 * A received frame with its body inflated when it is flagged compressed (the flag cleared); others as they are.
 * Left ERR_INFLATE_LIMIT (it would inflate past `maxInflatedBytes`; refused without inflating) or
 * ERR_INFLATE_CORRUPT.
 */
export const inflateFrame = (
  frame: OpenedFrame,
  codec: DeflateCodec,
  maxInflatedBytes: number,
): either.Either<P2PError, OpenedFrame> => {
  if ((frame.header.flags & FLAG_COMPRESSED) === 0) return either.right(frame);
  const body = codec.inflate(frame.body, maxInflatedBytes);
  if (body._tag === 'Left') return body;
  return either.right({
    header: { ...frame.header, flags: frame.header.flags & ~FLAG_COMPRESSED },
    body: body.right,
  });
};
