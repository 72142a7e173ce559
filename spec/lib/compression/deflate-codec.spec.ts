import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { either } from 'fp-ts';
import { nodeZlibCodec, pakoCodec } from '../../../lib/compression/index.js';

const text = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(100));

const inflated = (result: either.Either<{ code: string }, Buffer>): Buffer => {
  if (either.isLeft(result)) throw new Error(result.left.code);
  return result.right;
};

describe('deflate codecs', () => {
  for (const [from, to] of [
    [nodeZlibCodec, pakoCodec],
    [pakoCodec, nodeZlibCodec],
    [nodeZlibCodec, nodeZlibCodec],
    [pakoCodec, pakoCodec],
  ] as const) {
    it(`should inflate with ${to.name} what ${from.name} deflated`, () => {
      const deflated = from.deflate(text);
      expect(deflated.length).to.be.below(text.length);
      expect(inflated(to.inflate(deflated, 1 << 20))).to.deep.equal(text);
    });
  }

  for (const codec of [nodeZlibCodec, pakoCodec]) {
    describe(`with ${codec.name}`, () => {
      it('should refuse a deflate bomb at the limit', () => {
        const bomb = codec.deflate(Buffer.alloc(8 << 20));
        expect(bomb.length).to.be.below(64 * 1024); // fits easily in one frame
        const result = codec.inflate(bomb, 1 << 20);
        expect(either.isLeft(result) && result.left.code).to.equal('ERR_INFLATE_LIMIT');
      });

      it('should refuse bytes that are not deflate', () => {
        const result = codec.inflate(Buffer.from([0xff, 0xff, 0xff, 0xff]), 1024);
        expect(either.isLeft(result) && result.left.code).to.equal('ERR_INFLATE_CORRUPT');
      });

      it('should refuse a truncated stream', () => {
        const deflated = codec.deflate(randomBytes(4096));
        const result = codec.inflate(deflated.subarray(0, deflated.length - 10), 1 << 20);
        expect(either.isLeft(result) && result.left.code).to.equal('ERR_INFLATE_CORRUPT');
      });
    });
  }
});
