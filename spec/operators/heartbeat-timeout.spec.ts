import { heartbeatTimeout } from '../../operators/heartbeat-timeout.js';
import { testScheduler } from '../support/marbles.js';
import { errorCode } from '../support/codes.js';

describe('heartbeatTimeout', () => {
  it('should pass values while they come within the timeout', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a--b--c|').pipe(heartbeatTimeout({ timeoutMs: 3 }))).toBe('a--b--c|');
    });
  });

  it('should error with ERR_HEARTBEAT_TIMEOUT after a silence (a frozen host)', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a--b-------c');
      expectObservable(errorCode(source.pipe(heartbeatTimeout({ timeoutMs: 4 })))).toBe('a--b---(e|)', {
        a: 'a',
        b: 'b',
        e: 'error:ERR_HEARTBEAT_TIMEOUT',
      });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('should time out before the first value too', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(errorCode(cold('------a').pipe(heartbeatTimeout({ timeoutMs: 2 })))).toBe('--(e|)', {
        e: 'error:ERR_HEARTBEAT_TIMEOUT',
      });
    });
  });

  it('should pass source errors through and unsubscribe', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      expectObservable(cold('-#').pipe(heartbeatTimeout({ timeoutMs: 5 }))).toBe('-#');
      const source = hot('-a-');
      expectObservable(source.pipe(heartbeatTimeout({ timeoutMs: 5 })), '^-!').toBe('-a-');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });
});
