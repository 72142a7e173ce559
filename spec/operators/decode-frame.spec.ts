import { expect } from 'chai';
import { decodeFrame } from '../../operators/decode-frame.js';
import { FrameType } from '../../lib/protocol/frame.js';
import { testScheduler } from '../support/marbles.js';
import { plainFrame } from '../support/frames.js';

describe('decodeFrame', () => {
  const good = plainFrame(1, Buffer.from('x'));

  it('should split good frames and reject bad ones, then complete', () => {
    const codes: string[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d|', { a: good, b: Buffer.alloc(3), c: Buffer.alloc(5000), d: good });
      const frame = {
        header: { type: FrameType.Plain, flags: 0, epoch: 0, seq: 1 },
        aad: good.subarray(0, 16),
        body: good.subarray(16),
      };
      expectObservable(
        source.pipe(decodeFrame({ maxFrameBytes: 4096, onReject: (e) => codes.push(e.code) })),
      ).toBe('a-----d|', { a: frame, d: frame });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
    expect(codes).to.deep.equal(['ERR_FRAME_TRUNCATED', 'ERR_FRAME_TOO_LARGE']);
  });

  it('should pass an error through and stop on unsubscribe', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<Buffer>('--#').pipe(decodeFrame({ maxFrameBytes: 4096 }))).toBe('--#');
      const source = hot<Buffer>('-----a', { a: good });
      expectObservable(source.pipe(decodeFrame({ maxFrameBytes: 4096 })), '^--!').toBe('----');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});
