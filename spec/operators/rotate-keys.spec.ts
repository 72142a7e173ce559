import { rotateKeys } from '../../operators/rotate-keys.js';
import { testScheduler } from '../support/marbles.js';

describe('rotateKeys', () => {
  it('should request the next epoch one interval after each epoch starts', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const epoch$ = hot('0----1--2------', { 0: 0, 1: 1, 2: 2 });
      expectObservable(epoch$.pipe(rotateKeys({ intervalMs: 4 })), '^-------------!').toBe('----a-------b-', {
        a: 1,
        b: 3,
      });
      expectSubscriptions(epoch$.subscriptions).toBe('^-------------!');
    });
  });

  it('should complete once the source completed and no rotation is pending', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('0|', { 0: 0 }).pipe(rotateKeys({ intervalMs: 3 }))).toBe('---(a|)', { a: 1 });
    });
  });

  it('should pass errors through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('0-#', { 0: 0 }).pipe(rotateKeys({ intervalMs: 5 }))).toBe('--#');
    });
  });
});
