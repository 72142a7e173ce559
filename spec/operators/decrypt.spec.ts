import { expect } from 'chai';
import { type Observable, map } from 'rxjs';
import type { DirectionKey } from '../../lib/crypto/aead.js';
import { decodeFrame } from '../../operators/decode-frame.js';
import { decrypt } from '../../operators/decrypt.js';
import { testScheduler } from '../support/marbles.js';
import { directionKey } from '../support/keys.js';
import { plainFrame, sealedFrame } from '../support/frames.js';

const bodies = map((f: { body: Buffer }) => f.body.toString());

describe('decrypt', () => {
  const k0 = directionKey(0);
  const k1 = directionKey(1);
  const body = Buffer.from('hello');

  const run = (
    bytes$: Observable<Buffer>,
    keys$: Observable<readonly DirectionKey[]>,
    onReject: (c: string) => void,
    encrypted = true,
  ) =>
    bytes$.pipe(
      decodeFrame({ maxFrameBytes: 4096 }),
      decrypt({ receiveKeys$: keys$, encrypted, onReject: (e) => onReject(e.code) }),
      bodies,
    );

  it('should open frames of every accepted epoch', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const keys$ = hot('k', { k: [k1, k0] });
      const source = cold('a-b|', { a: sealedFrame(k0, 0, body), b: sealedFrame(k1, 0, body) });
      expectObservable(run(source, keys$, () => undefined)).toBe('a-b|', { a: 'hello', b: 'hello' });
    });
  });

  it('should reject an expired epoch, an unknown epoch, a flipped tag and a plain frame', () => {
    const codes: string[] = [];
    const flipped = sealedFrame(k1, 1, body);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    testScheduler().run(({ cold, hot, expectObservable }) => {
      // k0 is dropped at frame 2: its grace window ended.
      const keys$ = hot('k-l', { k: [k1, k0], l: [k1] });
      const source = cold('a-b-c-d-e-f|', {
        a: sealedFrame(k0, 0, body),
        b: sealedFrame(k0, 1, body),
        c: sealedFrame(directionKey(2), 0, body),
        d: flipped,
        e: plainFrame(0, body),
        f: sealedFrame(k1, 2, body),
      });
      expectObservable(run(source, keys$, (c) => codes.push(c))).toBe('a---------f|', {
        a: 'hello',
        f: 'hello',
      });
    });
    expect(codes).to.deep.equal(['ERR_FRAME_EPOCH', 'ERR_FRAME_EPOCH', 'ERR_FRAME_AUTH', 'ERR_FRAME_TYPE']);
  });

  it('should reject sealed frames before the first key', () => {
    const codes: string[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a|', { a: sealedFrame(k0, 0, body) });
      expectObservable(run(source, cold('-'), (c) => codes.push(c))).toBe('-|');
    });
    expect(codes).to.deep.equal(['ERR_FRAME_EPOCH']);
  });

  describe('with encryption off', () => {
    it('should pass plain frames and refuse sealed ones', () => {
      const codes: string[] = [];
      testScheduler().run(({ cold, expectObservable }) => {
        const source = cold('a-b|', { a: plainFrame(0, body), b: sealedFrame(k0, 1, body) });
        expectObservable(run(source, cold('-'), (c) => codes.push(c), false)).toBe('a--|', { a: 'hello' });
      });
      expect(codes).to.deep.equal(['ERR_FRAME_TYPE']);
    });
  });

  it('should error when the keys stream errors, and unsubscribe from both', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const keys$ = hot('k--#', { k: [k0] });
      const source = hot<Buffer>('-----');
      expectObservable(run(source, keys$, () => undefined)).toBe('---#');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      const source2 = hot<Buffer>('----');
      const keys2$ = hot('k---', { k: [k0] });
      expectObservable(
        run(source2, keys2$, () => undefined),
        '^-!',
      ).toBe('---');
      expectSubscriptions(keys2$.subscriptions).toBe('^-!');
    });
  });
});
