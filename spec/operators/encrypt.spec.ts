import { either } from 'fp-ts';
import { catchError, map, of } from 'rxjs';
import type { P2PError } from '../../lib/errors.js';
import { open } from '../../lib/crypto/aead.js';
import { type FrameBody, FrameType, decodeFrame } from '../../lib/protocol/frame.js';
import { encrypt } from '../../operators/encrypt.js';
import { testScheduler } from '../support/marbles.js';
import { directionKey } from '../support/keys.js';

const k0 = directionKey(0);
const k1 = directionKey(1);
const body = { flags: 0, body: Buffer.from('state') };

const describeFrame = map((bytes: Buffer) => {
  const frame = decodeFrame(bytes, 4096);
  if (either.isLeft(frame)) throw frame.left;
  const { type, epoch, seq } = frame.right.header;
  const key = epoch === 0 ? k0 : k1;
  const opened = type === FrameType.Sealed ? open(key, frame.right) : either.right(frame.right.body);
  return `${type}:${epoch}:${seq}:${either.isRight(opened) ? opened.right.toString() : 'bad'}`;
});

describe('encrypt', () => {
  it('should seal with the current key, numbering frames from 0 in each epoch', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const key$ = hot('k---l', { k: k0, l: k1 });
      const source = cold('a-b---c-d|', { a: body, b: body, c: body, d: body });
      expectObservable(source.pipe(encrypt({ sendKey$: key$ }), describeFrame)).toBe('a-b---c-d|', {
        a: '2:0:0:state',
        b: '2:0:1:state',
        c: '2:1:0:state',
        d: '2:1:1:state',
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
      expectSubscriptions(key$.subscriptions).toBe('^--------!');
    });
  });

  it('should send numbered plain frames when encryption is off', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const frames = cold('ab|', { a: body, b: body }).pipe(
        encrypt({ sendKey$: cold('-'), encrypted: false }),
        describeFrame,
      );
      expectObservable(frames).toBe('ab|', { a: '3:0:0:state', b: '3:0:1:state' });
    });
  });

  it('should error with a code when a body arrives before any key', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const frames = cold('a|', { a: body }).pipe(encrypt({ sendKey$: cold('-') }));
      expectObservable(
        frames.pipe(
          map(() => 'frame'),
          catchError((e: unknown) => of((e as P2PError).code)),
        ),
      ).toBe('(c|)', {
        c: 'ERR_HANDSHAKE_PROTOCOL',
      });
    });
  });

  it('should pass source errors through and unsubscribe', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<FrameBody>('-#').pipe(encrypt({ sendKey$: cold('k', { k: k0 }) }))).toBe('-#');
      const source = hot<FrameBody>('---');
      expectObservable(source.pipe(encrypt({ sendKey$: cold('k', { k: k0 }) })), '^!').toBe('--');
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });
});
