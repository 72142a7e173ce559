import type { either } from 'fp-ts';
import type { P2PError } from '../errors.js';

/**
 * Raw deflate (RFC 1951, no zlib header) behind two functions, so the Node build uses node:zlib and a browser
 * build can use pako with the same bytes on the wire.
 */
export interface DeflateCodec {
  readonly name: string;
  readonly deflate: (data: Uint8Array) => Buffer;
  /**
   * Inflates at most `maxBytes`; stops as soon as output would pass it (a deflate bomb is refused, not
   * inflated). Left codes: ERR_INFLATE_LIMIT, ERR_INFLATE_CORRUPT.
   */
  readonly inflate: (data: Uint8Array, maxBytes: number) => either.Either<P2PError, Buffer>;
}
