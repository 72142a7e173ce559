import { expect } from 'chai';
import type { Message } from '../../lib/protocol/messages.js';
import { encodeBatch } from '../../operators/encode-batch.js';
import { testScheduler } from '../support/marbles.js';
import { batchBody } from '../support/frames.js';

describe('encodeBatch', () => {
  const limits = { maxMessagesPerBatch: 2, maxInflatedBytes: 1024 };
  const ack = (tick: number): Message => ({ kind: 'ack', tick });

  it('should encode batches and reject those the peer would refuse', () => {
    const codes: string[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Message[]>('a-b-c-d|', {
        a: [ack(1), ack(2)],
        b: [ack(1), ack(2), ack(3)],
        c: [{ kind: 'app', payload: Buffer.alloc(2000) }],
        d: [ack(4)],
      });
      expectObservable(source.pipe(encodeBatch({ limits, onReject: (e) => codes.push(e.code) }))).toBe(
        'a-----d|',
        {
          a: batchBody(ack(1), ack(2)),
          d: batchBody(ack(4)),
        },
      );
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
    expect(codes).to.deep.equal(['ERR_MESSAGE_TOO_LARGE', 'ERR_MESSAGE_TOO_LARGE']);
  });

  it('should pass errors through and unsubscribe', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<Message[]>('-#').pipe(encodeBatch({ limits }))).toBe('-#');
      const source = hot<Message[]>('---');
      expectObservable(source.pipe(encodeBatch({ limits })), '^!').toBe('--');
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });
});
