import { heartbeatLoads } from '../../../streams/coordinator/host-agent.js';
import { testScheduler } from '../../support/marbles.js';

describe('heartbeatLoads', () => {
  it('should send a heartbeat every interval with the newest load', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const load$ = hot('  a-------b----------', { a: 1, b: 2 });
      const expected = '  -----a----b----b---';
      expectObservable(heartbeatLoads(load$, 5), '^------------------!').toBe(expected, { a: 1, b: 2 });
    });
  });

  it('should keep its clock when the load changes more often than the interval (client churn)', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const load$ = hot('  abababababababababab', { a: 1, b: 2 });
      const expected = '  -----b----a----b----';
      expectObservable(heartbeatLoads(load$, 5), '^-------------------!').toBe(expected, { a: 1, b: 2 });
    });
  });

  it('should send load 0 until the first load is known', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const load$ = hot('  -------a---', { a: 3 });
      const expected = '  -----z----a';
      expectObservable(heartbeatLoads(load$, 5), '^----------!').toBe(expected, { a: 3, z: 0 });
    });
  });

  it('should complete with nothing when unsubscribed before the first interval (no timer left behind)', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      expectObservable(heartbeatLoads(hot('a', { a: 1 }), 5), '^--!').toBe('----');
    });
  });
});
