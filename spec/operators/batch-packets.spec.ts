import { batchPackets } from '../../operators/batch-packets.js';
import { testScheduler } from '../support/marbles.js';

describe('batchPackets', () => {
  describe('with max 3 and a 5 ms window', () => {
    it('should flush at max messages or when the window ends, whichever first', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('abc-d------e|');
        const batched = source.pipe(batchPackets({ max: 3, windowMs: 5 }));
        expectObservable(batched).toBe('--x------y--(z|)', { x: ['a', 'b', 'c'], y: ['d'], z: ['e'] });
        expectSubscriptions(source.subscriptions).toBe('^-----------!');
      });
    });

    it('should start the window at the first buffered value, not on a fixed clock', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const batched = cold('---ab---').pipe(batchPackets({ max: 3, windowMs: 5 }));
        expectObservable(batched, '^----------!').toBe('--------x--', { x: ['a', 'b'] });
      });
    });

    it('should never emit an empty batch', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('--------|').pipe(batchPackets({ max: 3, windowMs: 2 }))).toBe('--------|');
      });
    });
  });

  describe('with a flushOn predicate', () => {
    it('should send an urgent value at once with whatever was buffered before it', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const batched = cold('ab-R-c|').pipe(
          batchPackets({ max: 8, windowMs: 10, flushOn: (v) => v === 'R' }),
        );
        expectObservable(batched).toBe('---x--(y|)', { x: ['a', 'b', 'R'], y: ['c'] });
      });
    });
  });

  describe('with max 1', () => {
    it('should send every value alone, at once', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('ab-c|').pipe(batchPackets({ max: 1, windowMs: 50 }))).toBe('ab-c|', {
          a: ['a'],
          b: ['b'],
          c: ['c'],
        });
      });
    });
  });

  it('should drop the partial batch on error', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('ab#').pipe(batchPackets({ max: 3, windowMs: 5 }))).toBe('--#');
    });
  });

  it('should cancel the window timer on unsubscribe', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('a------');
      expectObservable(source.pipe(batchPackets({ max: 3, windowMs: 5 })), '^--!').toBe('------');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});
