import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { either } from 'fp-ts';
import { p2pError } from '../errors.js';
import type { DeflateCodec } from './deflate-codec.js';

/** Level 1: packets are small and latency matters more than the last few percent of ratio. */
export const nodeZlibCodec: DeflateCodec = {
  name: 'node:zlib',
  deflate: (data) => deflateRawSync(data, { level: 1 }),
  inflate: (data, maxBytes) => {
    try {
      return either.right(inflateRawSync(data, { maxOutputLength: maxBytes }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      return code === 'ERR_BUFFER_TOO_LARGE'
        ? either.left(p2pError('ERR_INFLATE_LIMIT', `compressed body inflates past ${maxBytes} bytes`))
        : either.left(
            p2pError('ERR_INFLATE_CORRUPT', `compressed body is not valid deflate (${code ?? 'error'})`),
          );
    }
  },
};
