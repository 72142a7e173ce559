import { expect } from 'chai';
import { FrameType, type OpenedFrame } from '../../lib/protocol/frame.js';
import { decodeMessages } from '../../operators/decode-messages.js';
import { testScheduler } from '../support/marbles.js';
import { batchBody } from '../support/frames.js';

const frame = (body: Buffer): OpenedFrame => ({
  header: { type: FrameType.Sealed, flags: 0, epoch: 0, seq: 0 },
  body,
});
const limits = { maxMessagesPerBatch: 8 };

describe('decodeMessages', () => {
  it('should emit every message of a batch in order, in the same frame of time', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a---b|', {
        a: frame(batchBody({ kind: 'ack', tick: 1 }, { kind: 'ack', tick: 2 })),
        b: frame(batchBody({ kind: 'ping', id: 1, time: 5 })),
      });
      expectObservable(source.pipe(decodeMessages({ limits }))).toBe('(xy)b|', {
        x: { kind: 'ack', tick: 1 },
        y: { kind: 'ack', tick: 2 },
        b: { kind: 'ping', id: 1, time: 5 },
      });
    });
  });

  it('should reject broken batches whole and bad messages alone', () => {
    const codes: string[] = [];
    const withBadKind = batchBody({ kind: 'ack', tick: 1 }, { kind: 'ack', tick: 2 });
    withBadKind[2] = 99;
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c|', {
        a: frame(Buffer.from([0])),
        b: frame(batchBody(...Array.from({ length: 9 }, (_, tick) => ({ kind: 'ack' as const, tick })))),
        c: frame(withBadKind),
      });
      expectObservable(source.pipe(decodeMessages({ limits, onReject: (e) => codes.push(e.code) }))).toBe(
        '----c|',
        {
          c: { kind: 'ack', tick: 2 },
        },
      );
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
    expect(codes).to.deep.equal(['ERR_BATCH_MALFORMED', 'ERR_BATCH_TOO_MANY', 'ERR_MESSAGE_KIND']);
  });

  it('should stop emitting a batch when unsubscribed mid-batch', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a', { a: frame(batchBody({ kind: 'ack', tick: 1 }, { kind: 'ack', tick: 2 })) });
      const first$ = source.pipe(decodeMessages({ limits }));
      expectObservable(first$, '^!').toBe('(xy)', {
        x: { kind: 'ack', tick: 1 },
        y: { kind: 'ack', tick: 2 },
      });
    });
  });

  it('should pass errors through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<OpenedFrame>('-#').pipe(decodeMessages({ limits }))).toBe('-#');
    });
  });
});
