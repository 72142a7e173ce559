import { catchError, map, of } from 'rxjs';
import { expect } from 'chai';
import type { P2PError } from '../../lib/errors.js';
import { compressBody } from '../../lib/compression/compress-body.js';
import { FLAG_COMPRESSED } from '../../lib/protocol/frame.js';
import { DEFAULT_LIMITS } from '../../lib/protocol/limits.js';
import type { Message } from '../../lib/protocol/messages.js';
import { compress } from '../../operators/compress.js';
import { encodeBatch } from '../../operators/encode-batch.js';
import { encrypt } from '../../operators/encrypt.js';
import { sealBatches } from '../../operators/seal-batches.js';
import { testScheduler } from '../support/marbles.js';
import { directionKey } from '../support/keys.js';
import { batchBody, plainFrame, sealedFrame } from '../support/frames.js';

const k0 = directionKey(0);
const k1 = directionKey(1);
const compression = { threshold: 64 };
const ack = (tick: number): Message => ({ kind: 'ack', tick });
// Large and repetitive: deflated.
const app: Message = { kind: 'app', payload: Buffer.alloc(600, 1) };
const appBody = compressBody(batchBody(app), compression);

describe('sealBatches', () => {
  it('should give exactly the frames of encodeBatch, compress and encrypt in a row', () => {
    expect(appBody.flags).to.equal(FLAG_COMPRESSED);
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const batches = cold<readonly Message[]>('a-b---c-d|', {
        a: [ack(1)],
        b: [app],
        c: [ack(2), ack(3)],
        d: [app],
      });
      const key$ = hot('k---l', { k: k0, l: k1 });
      const expected = {
        a: sealedFrame(k0, 0, batchBody(ack(1))),
        b: sealedFrame(k0, 1, appBody.body, FLAG_COMPRESSED),
        c: sealedFrame(k1, 0, batchBody(ack(2), ack(3))),
        d: sealedFrame(k1, 1, appBody.body, FLAG_COMPRESSED),
      };
      expectObservable(
        batches.pipe(sealBatches({ limits: DEFAULT_LIMITS, compression, sendKey$: key$ })),
      ).toBe('a-b---c-d|', expected);
      expectObservable(
        batches.pipe(
          encodeBatch({ limits: DEFAULT_LIMITS }),
          compress(compression),
          encrypt({ sendKey$: key$ }),
        ),
      ).toBe('a-b---c-d|', expected);
    });
  });

  it('should reject a batch the peer would refuse, send nothing for it, and go on numbering', () => {
    const rejected: string[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const limits = { ...DEFAULT_LIMITS, maxMessagesPerBatch: 2 };
      const frames = cold<readonly Message[]>('abc|', {
        a: [ack(1)],
        b: [ack(2), ack(3), ack(4)],
        c: [ack(5)],
      }).pipe(sealBatches({ limits, compression, sendKey$: of(k0), onReject: (e) => rejected.push(e.code) }));
      expectObservable(frames).toBe('a-c|', {
        a: sealedFrame(k0, 0, batchBody(ack(1))),
        c: sealedFrame(k0, 1, batchBody(ack(5))),
      });
    });
    expect(rejected).to.deep.equal(['ERR_MESSAGE_TOO_LARGE']);
  });

  it('should send numbered plain frames when encryption is off', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const frames = cold<readonly Message[]>('ab|', { a: [ack(1)], b: [ack(2)] }).pipe(
        sealBatches({ limits: DEFAULT_LIMITS, compression, sendKey$: cold('-'), encrypted: false }),
      );
      expectObservable(frames).toBe('ab|', {
        a: plainFrame(0, batchBody(ack(1))),
        b: plainFrame(1, batchBody(ack(2))),
      });
    });
  });

  it('should error with a code when a batch arrives before any key', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const frames = cold<readonly Message[]>('a|', { a: [ack(1)] }).pipe(
        sealBatches({ limits: DEFAULT_LIMITS, compression, sendKey$: cold('-') }),
        map(() => 'frame'),
        catchError((e: unknown) => of((e as P2PError).code)),
      );
      expectObservable(frames).toBe('(c|)', { c: 'ERR_HANDSHAKE_PROTOCOL' });
    });
  });

  it('should pass source errors through and unsubscribe from source and keys', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      expectObservable(
        cold<readonly Message[]>('-#').pipe(
          sealBatches({ limits: DEFAULT_LIMITS, compression, sendKey$: cold('k', { k: k0 }) }),
        ),
      ).toBe('-#');
      const source = hot<readonly Message[]>('---');
      const key$ = hot('k--', { k: k0 });
      expectObservable(
        source.pipe(sealBatches({ limits: DEFAULT_LIMITS, compression, sendKey$: key$ })),
        '^!',
      ).toBe('--');
      expectSubscriptions(source.subscriptions).toBe('^!');
      expectSubscriptions(key$.subscriptions).toBe('^!');
    });
  });
});
