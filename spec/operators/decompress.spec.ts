import { expect } from 'chai';
import { nodeZlibCodec, pakoCodec } from '../../lib/compression/index.js';
import { FLAG_COMPRESSED, FrameType, type OpenedFrame } from '../../lib/protocol/frame.js';
import { decompress } from '../../operators/decompress.js';
import { testScheduler } from '../support/marbles.js';

const frame = (flags: number, body: Buffer): OpenedFrame => ({
  header: { type: FrameType.Sealed, flags, epoch: 0, seq: 0 },
  body,
});

describe('decompress', () => {
  const text = Buffer.from('abc'.repeat(1000));

  it('should inflate flagged bodies, pass plain ones, and reject bombs and corrupt bodies', () => {
    const codes: string[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d|', {
        a: frame(FLAG_COMPRESSED, nodeZlibCodec.deflate(text)),
        b: frame(0, Buffer.from('plain')),
        c: frame(FLAG_COMPRESSED, nodeZlibCodec.deflate(Buffer.alloc(1 << 20))),
        d: frame(FLAG_COMPRESSED, Buffer.from([1, 2, 3])),
      });
      expectObservable(
        source.pipe(decompress({ maxInflatedBytes: 64 * 1024, onReject: (e) => codes.push(e.code) })),
      ).toBe('a-b----|', { a: frame(0, text), b: frame(0, Buffer.from('plain')) });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
    expect(codes).to.deep.equal(['ERR_INFLATE_LIMIT', 'ERR_INFLATE_CORRUPT']);
  });

  it('should use the codec it is given', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a|', { a: frame(FLAG_COMPRESSED, nodeZlibCodec.deflate(text)) });
      expectObservable(source.pipe(decompress({ maxInflatedBytes: 1 << 20, codec: pakoCodec }))).toBe('a|', {
        a: frame(0, text),
      });
    });
  });

  it('should pass errors through and unsubscribe', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<OpenedFrame>('-#').pipe(decompress({ maxInflatedBytes: 1024 }))).toBe('-#');
      const source = hot<OpenedFrame>('----');
      expectObservable(source.pipe(decompress({ maxInflatedBytes: 1024 })), '^-!').toBe('---');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });
});
