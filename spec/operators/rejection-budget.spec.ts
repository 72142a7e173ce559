import { P2PError } from '../../lib/errors.js';
import { rejectionBudget } from '../../operators/rejection-budget.js';
import { testScheduler } from '../support/marbles.js';
import { errorCode } from '../support/codes.js';

const bad = new P2PError('ERR_FRAME_AUTH', 'bad tag');

describe('rejectionBudget', () => {
  it('should tolerate up to max rejections within the window', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const rejected = cold('r-r---r-r---r|', { r: bad });
      expectObservable(rejected.pipe(rejectionBudget({ max: 2, windowMs: 4 }))).toBe('-------------|');
    });
  });

  it('should error with ERR_TOO_MANY_REJECTIONS when the window holds more', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const rejected = cold('r-r-r----', { r: bad });
      expectObservable(errorCode(rejected.pipe(rejectionBudget({ max: 2, windowMs: 10 })))).toBe('----(e|)', {
        e: 'error:ERR_TOO_MANY_REJECTIONS',
      });
      expectSubscriptions(rejected.subscriptions).toBe('^---!');
    });
  });

  it('should unsubscribe from the source', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const rejected = hot<P2PError>('---');
      expectObservable(rejected.pipe(rejectionBudget({ max: 2, windowMs: 10 })), '^!').toBe('--');
      expectSubscriptions(rejected.subscriptions).toBe('^!');
    });
  });
});
