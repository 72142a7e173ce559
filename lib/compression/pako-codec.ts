import pako from 'pako';
import { either } from 'fp-ts';
import { p2pError } from '../errors.js';
import type { DeflateCodec } from './deflate-codec.js';

class InflateLimitReached extends Error {}

/** The same raw deflate in pure JavaScript, for runtimes without node:zlib (a browser build of the client). */
export const pakoCodec: DeflateCodec = {
  name: 'pako',
  deflate: (data) => Buffer.from(pako.deflateRaw(data, { level: 1 })),
  inflate: (data, maxBytes) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const inflator = new pako.Inflate({ raw: true, chunkSize: 16 * 1024 });
    // Count output as it is produced and stop at the limit instead of inflating a bomb to the end.
    inflator.onData = (chunk: Uint8Array) => {
      total += chunk.length;
      if (total > maxBytes) throw new InflateLimitReached();
      chunks.push(chunk);
    };
    try {
      inflator.push(data, true);
    } catch (error) {
      if (error instanceof InflateLimitReached) {
        return either.left(p2pError('ERR_INFLATE_LIMIT', `compressed body inflates past ${maxBytes} bytes`));
      }
      throw error;
    }
    if (inflator.err !== pako.constants.Z_OK) {
      return either.left(
        p2pError(
          'ERR_INFLATE_CORRUPT',
          `compressed body is not valid deflate (${inflator.msg || 'truncated'})`,
        ),
      );
    }
    return either.right(Buffer.concat(chunks, total));
  },
};
