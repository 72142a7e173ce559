import { randomBytes } from 'node:crypto';
import { FLAG_COMPRESSED } from '../../lib/protocol/frame.js';
import { nodeZlibCodec } from '../../lib/compression/index.js';
import { compress } from '../../operators/compress.js';
import { testScheduler } from '../support/marbles.js';

describe('compress', () => {
  const small = Buffer.from('a'.repeat(100));
  const large = Buffer.from('a'.repeat(2000));
  const noise = randomBytes(2000);

  it('should deflate only bodies above the threshold that shrink', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c|', { a: small, b: large, c: noise });
      expectObservable(source.pipe(compress({ threshold: 1024 }))).toBe('a-b-c|', {
        a: { flags: 0, body: small },
        b: { flags: FLAG_COMPRESSED, body: nodeZlibCodec.deflate(large) },
        c: { flags: 0, body: noise },
      });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('should leave everything alone when disabled', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('b|', { b: large }).pipe(compress({ threshold: 1024, enabled: false }))).toBe(
        'b|',
        {
          b: { flags: 0, body: large },
        },
      );
    });
  });

  it('should pass errors through and unsubscribe', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<Buffer>('-#').pipe(compress({ threshold: 1 }))).toBe('-#');
      const source = hot<Buffer>('---');
      expectObservable(source.pipe(compress({ threshold: 1 })), '^!').toBe('--');
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });
});
