import { expect } from 'chai';
import { FrameType, type OpenedFrame } from '../../lib/protocol/frame.js';
import { verifyReplay } from '../../operators/verify-replay.js';
import { testScheduler } from '../support/marbles.js';

const frame = (epoch: number, seq: number): OpenedFrame => ({
  header: { type: FrameType.Sealed, flags: 0, epoch, seq },
  body: Buffer.alloc(0),
});

describe('verifyReplay', () => {
  it('should accept strictly increasing sequences per epoch and reject the rest', () => {
    const codes: string[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = {
        a: frame(0, 0),
        b: frame(0, 1),
        c: frame(0, 1),
        d: frame(0, 0),
        e: frame(1, 0),
        f: frame(0, 2),
        g: frame(1, 0),
      };
      const source = cold('a-b-c-d-e-f-g|', values);
      expectObservable(source.pipe(verifyReplay({ onReject: (e) => codes.push(e.code) }))).toBe(
        'a-b-----e-f--|',
        values,
      );
      expectSubscriptions(source.subscriptions).toBe('^------------!');
    });
    expect(codes).to.deep.equal(['ERR_FRAME_REPLAY', 'ERR_FRAME_REPLAY', 'ERR_FRAME_REPLAY']);
  });

  it('should allow gaps (frames dropped earlier in the pipeline)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: frame(0, 0), b: frame(0, 5), c: frame(0, 9) };
      expectObservable(cold('abc|', values).pipe(verifyReplay())).toBe('abc|', values);
    });
  });

  it('should keep state per subscription', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: frame(0, 0) };
      const replayed$ = cold('a|', values).pipe(verifyReplay());
      expectObservable(replayed$).toBe('a|', values);
      expectObservable(replayed$).toBe('a|', values);
    });
  });

  it('should pass errors through and unsubscribe', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      expectObservable(cold('a#', { a: frame(0, 0) }).pipe(verifyReplay())).toBe('a#', { a: frame(0, 0) });
      const source = hot('---a', { a: frame(0, 0) });
      expectObservable(source.pipe(verifyReplay()), '^-!').toBe('---');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });
});
