import { expect } from 'chai';
import { Subject } from 'rxjs';
import sinon from 'sinon';
import { P2PError } from '../../lib/errors.js';
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

  it('should still error exactly timeoutMs after the last value when it came between checks', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a----b------------c');
      expectObservable(errorCode(source.pipe(heartbeatTimeout({ timeoutMs: 7 })))).toBe('a----b------(e|)', {
        a: 'a',
        b: 'b',
        e: 'error:ERR_HEARTBEAT_TIMEOUT',
      });
    });
  });

  it('should keep one interval timer on the real clock for as long as values keep coming', () => {
    // A host runs a heartbeat per connection: a new timer per check would be a thousand timers a few seconds old.
    const clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const setInterval = sinon.spy(globalThis, 'setInterval');
    try {
      const frames = new Subject<number>();
      let failure: unknown = null;
      const subscription = frames
        .pipe(heartbeatTimeout({ timeoutMs: 1000 }))
        .subscribe({ error: (error: unknown) => (failure = error) });
      for (let i = 0; i < 400; i++) {
        clock.tick(50);
        frames.next(i);
      }
      expect(failure).to.equal(null);
      expect(setInterval.callCount).to.equal(1);
      clock.tick(999);
      expect(failure).to.equal(null);
      clock.tick(1);
      expect(failure).to.be.instanceOf(P2PError).with.property('code', 'ERR_HEARTBEAT_TIMEOUT');
      subscription.unsubscribe();
    } finally {
      setInterval.restore();
      clock.restore();
    }
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
