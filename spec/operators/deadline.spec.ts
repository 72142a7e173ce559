import { deadline } from '../../operators/deadline.js';
import { testScheduler } from '../support/marbles.js';
import { errorCode } from '../support/codes.js';

const config = { ms: 5, reached: (v: string) => v === 'E', error: () => ({ code: 'ERR_HANDSHAKE_TIMEOUT' }) };

describe('deadline', () => {
  it('should mirror the source once the awaited value came in time', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-E------b|').pipe(deadline(config))).toBe('a-E------b|');
    });
  });

  it('should error when the awaited value is late, whatever came before', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-----E');
      expectObservable(errorCode(source.pipe(deadline(config)))).toBe('a-b--(e|)', {
        a: 'a',
        b: 'b',
        e: 'error:ERR_HANDSHAKE_TIMEOUT',
      });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('should pass errors and completion through before the deadline', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-#').pipe(deadline(config))).toBe('-#');
      expectObservable(cold('-|').pipe(deadline(config))).toBe('-|');
    });
  });

  it('should cancel the timer on unsubscribe', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot<string>('--------');
      expectObservable(source.pipe(deadline(config)), '^-!').toBe('---');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });
});
