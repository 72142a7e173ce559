import { tickClock } from '../../operators/tick-clock.js';
import { testScheduler } from '../support/marbles.js';

describe('tickClock', () => {
  it('should tick every period on an absolute schedule', () => {
    testScheduler().run(({ expectObservable }) => {
      expectObservable(tickClock({ periodMs: 3 }), '^----------!').toBe('---a--b--c-', { a: 0, b: 1, c: 2 });
    });
  });

  it('should stop on unsubscribe', () => {
    testScheduler().run(({ expectObservable }) => {
      expectObservable(tickClock({ periodMs: 2 }), '^--!').toBe('--a-', { a: 0 });
    });
  });
});
