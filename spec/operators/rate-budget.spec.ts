import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { createRateBudget, rateBudget } from '../../operators/rate-budget.js';
import { testScheduler } from '../support/marbles.js';

describe('rateBudget', () => {
  describe('with max 2 per 4 ms', () => {
    it('should let a burst of max through at once and drop the rest of it', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const source = cold('(abcd)|');
        expectObservable(source.pipe(rateBudget({ max: 2, windowMs: 4 }))).toBe('(ab)--|');
      });
    });

    it('should never hold more than max, however long the source was quiet', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const source = cold('a 20ms (bcd)|');
        expectObservable(source.pipe(rateBudget({ max: 2, windowMs: 4 }))).toBe('a 20ms (bc)-|');
      });
    });

    it('should hand each dropped value to onExcess', () => {
      testScheduler().run(({ cold, expectObservable, flush }) => {
        const dropped: string[] = [];
        const source = cold('abcd|');
        expectObservable(
          source.pipe(rateBudget({ max: 2, windowMs: 100, onExcess: (v: string) => dropped.push(v) })),
        ).toBe('ab--|');
        flush();
        expect(dropped).to.deep.equal(['c', 'd']);
      });
    });
  });

  describe('with max 2 per 10 ms', () => {
    it('should refill evenly, one value every windowMs / max', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        // a and b spend the bucket; it refills one value per 5 ms: c and d find less than one, e and f one each.
        const source = cold('abc-d-e---f|');
        expectObservable(source.pipe(rateBudget({ max: 2, windowMs: 10 }))).toBe('ab----e---f|');
      });
    });
  });

  it('should give each subscription its own bucket', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const limited = cold('(ab)|').pipe(rateBudget({ max: 1, windowMs: 10 }));
      expectObservable(limited).toBe('(a)-|');
      expectObservable(limited).toBe('(a)-|');
    });
  });

  it('should pass errors on and unsubscribe from the source', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      expectObservable(cold('a#').pipe(rateBudget({ max: 1, windowMs: 10 }))).toBe('a#');
      const source = hot('a--b--');
      expectObservable(source.pipe(rateBudget({ max: 1, windowMs: 10 })), '^-!').toBe('a--');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  describe('createRateBudget', () => {
    it('should answer true while within budget, on the scheduler it is given', () => {
      const scheduler = new VirtualTimeScheduler();
      const take = createRateBudget({ max: 3, windowMs: 30, scheduler });
      expect([take(), take(), take(), take()]).to.deep.equal([true, true, true, false]);
      scheduler.schedule(() => undefined, 9);
      scheduler.flush();
      expect(take()).to.equal(false);
      scheduler.schedule(() => undefined, 1);
      scheduler.flush();
      expect([take(), take()]).to.deep.equal([true, false]);
    });
  });
});
