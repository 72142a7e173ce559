import { expect } from 'chai';
import { either } from 'fp-ts';
import { P2PError } from '../../lib/errors.js';
import { mapEither } from '../../operators/map-either.js';
import { testScheduler } from '../support/marbles.js';

const half = (n: number) =>
  n % 2 === 0 ? either.right(n / 2) : either.left(new P2PError('ERR_MESSAGE_INVALID', `${n}`));

describe('mapEither', () => {
  it('should pass rights on and report lefts while the stream goes on', () => {
    const rejected: string[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d|', { a: 2, b: 3, c: 4, d: 5 });
      expectObservable(source.pipe(mapEither(half, (e) => rejected.push(e.message)))).toBe('a---c--|', {
        a: 1,
        c: 2,
      });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
    expect(rejected).to.deep.equal(['3', '5']);
  });

  it('should pass source errors on', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-#', { a: 2 }).pipe(mapEither(half, () => undefined))).toBe('a-#', { a: 1 });
    });
  });

  it('should error when the projection throws', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const boom = () => {
        throw new Error('bug');
      };
      expectObservable(cold('a-b|').pipe(mapEither(boom, () => undefined))).toBe(
        '#',
        undefined,
        new Error('bug'),
      );
    });
  });

  it('should unsubscribe from the source', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('--a--b--', { a: 2, b: 4 });
      expectObservable(source.pipe(mapEither(half, () => undefined)), '^---!').toBe('--a--', { a: 1 });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });
});
