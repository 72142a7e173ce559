import { defer } from 'rxjs';
import { P2PError } from '../../lib/errors.js';
import { retryBackoff } from '../../operators/retry-backoff.js';
import { testScheduler } from '../support/marbles.js';
import { errorCode } from '../support/codes.js';

const lost = new P2PError('ERR_CONNECTION_CLOSED', 'lost');
const forged = new P2PError('ERR_CERT_CHAIN', 'forged');

describe('retryBackoff', () => {
  describe('with 3 retries 5 ms apart (the seed: MaxRetries, ReconnectDelay)', () => {
    it('should resubscribe after each error, then let the last error through', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('a-#', undefined, lost);
        const retried = source.pipe(retryBackoff({ count: 3, delayMs: 5 }));
        expectObservable(errorCode(retried)).toBe('a------a------a------a-(e|)', {
          a: 'a',
          e: 'error:ERR_CONNECTION_CLOSED',
        });
        expectSubscriptions(source.subscriptions).toBe([
          '^-!------------------------',
          '-------^-!-----------------',
          '--------------^-!----------',
          '---------------------^-!---',
        ]);
      });
    });

    it('should emit a retrying value as each retry begins', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const retried = cold('#', undefined, lost).pipe(
          retryBackoff({ count: 2, delayMs: 3, retrying: (attempt) => `retry ${attempt}` }),
        );
        expectObservable(errorCode(retried)).toBe('x--y--(e|)', {
          x: 'retry 1',
          y: 'retry 2',
          e: 'error:ERR_CONNECTION_CLOSED',
        });
      });
    });

    it('should complete when a retry succeeds', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        let calls = 0;
        const source = defer(() => (calls++ === 0 ? cold('-#', undefined, lost) : cold('a|')));
        expectObservable(source.pipe(retryBackoff({ count: 3, delayMs: 2 }))).toBe('---a|');
      });
    });
  });

  describe('with a growing delay', () => {
    it('should wait delay · factor^(n-1), capped at maxDelayMs', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('#', undefined, lost);
        const retried = source.pipe(retryBackoff({ count: 3, delayMs: 2, factor: 2, maxDelayMs: 3 }));
        expectObservable(retried).toBe('--------#', undefined, lost);
        expectSubscriptions(source.subscriptions).toBe(['(^!)', '--(^!)', '-----(^!)', '--------(^!)']);
      });
    });
  });

  describe('with a security error', () => {
    it('should not retry the same peer', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#', undefined, forged);
        expectObservable(source.pipe(retryBackoff({ count: 3, delayMs: 1 }))).toBe('--#', undefined, forged);
        expectSubscriptions(source.subscriptions).toBe('^-!');
      });
    });
  });

  describe('with resetOn', () => {
    it('should restore the full budget after a value proves the connection', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('c#', { c: 'connected' }, lost);
        const retried = source.pipe(
          retryBackoff({ count: 1, delayMs: 1, resetOn: (v) => v === 'connected' }),
        );
        expectObservable(retried, '^-------!').toBe('c-c-c-c-', { c: 'connected' });
        expectSubscriptions(source.subscriptions).toBe(['^!', '--^!', '----^!', '------^!']);
      });
    });
  });

  it('should cancel a pending retry on unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#', undefined, lost);
      expectObservable(source.pipe(retryBackoff({ count: 3, delayMs: 5 })), '^--!').toBe('----');
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });
});
