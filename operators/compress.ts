import { type OperatorFunction, map } from 'rxjs';
import { type CompressionSettings, compressBody } from '../lib/compression/compress-body.js';
import type { FrameBody } from '../lib/protocol/frame.js';

export type CompressConfig = CompressionSettings;

/**
 * Bodies → frame bodies with flags. Bodies above the threshold are deflated, and the compressed flag is set,
 * only when deflate actually made them smaller. Never errors on its own.
 *
 * @example bodies$.pipe(compress({ threshold: 1024 }))
 */
export const compress = (config: CompressConfig): OperatorFunction<Buffer, FrameBody> =>
  map((body: Buffer) => compressBody(body, config));
