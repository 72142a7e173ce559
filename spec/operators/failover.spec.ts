import { expect } from 'chai';
import { P2PError } from '../../lib/errors.js';
import { failover } from '../../operators/failover.js';
import { testScheduler } from '../support/marbles.js';

const lost = new P2PError('ERR_CONNECTION_CLOSED', 'lost');

describe('failover', () => {
  it('should mirror the primary while it works', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const primary = cold('a-b|');
      const vps = cold('v|');
      expectObservable(primary.pipe(failover({ to: () => vps }))).toBe('a-b|');
      expectSubscriptions(vps.subscriptions).toBe([]);
    });
  });

  it('should switch to the fallback when the primary errors, with the error as cause', () => {
    const causes: string[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const primary = cold('a-#', undefined, lost);
      const vps = cold('v-w|');
      const switched = primary.pipe(
        failover({
          to: (cause) => {
            causes.push(cause.kind === 'error' ? cause.error.code : 'trigger');
            return vps;
          },
        }),
      );
      expectObservable(switched).toBe('a-v-w|');
      expectSubscriptions(vps.subscriptions).toBe('--^--!');
    });
    expect(causes).to.deep.equal(['ERR_CONNECTION_CLOSED']);
  });

  it('should leave the primary at once when the trigger emits, and only once', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const primary = cold('a-b-c-d|');
      const moved$ = hot('---m--n', { m: 'vps', n: 'other' });
      const vps = cold('v---');
      expectObservable(primary.pipe(failover({ to: () => vps, trigger$: moved$ })), '^------!').toBe(
        'a-bv---',
      );
      expectSubscriptions(primary.subscriptions).toBe('^--!');
      expectSubscriptions(vps.subscriptions).toBe('---^---!');
      expectSubscriptions(moved$.subscriptions).toBe('^--!');
    });
  });

  it('should let errors it is not for go downstream', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const vps = cold('v|');
      const primary = cold('-#', undefined, lost);
      expectObservable(primary.pipe(failover({ to: () => vps, when: () => false }))).toBe(
        '-#',
        undefined,
        lost,
      );
      expectSubscriptions(vps.subscriptions).toBe([]);
    });
  });

  it('should pass the fallback error on (VPS unreachable)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const vpsDown = new P2PError('ERR_CONNECTION_FAILED', 'vps down');
      const switched = cold('#', undefined, lost).pipe(
        failover({ to: () => cold('--#', undefined, vpsDown) }),
      );
      expectObservable(switched).toBe('--#', undefined, vpsDown);
    });
  });

  it('should end the live stream on unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const vps = cold('v----');
      const primary = cold('#', undefined, lost);
      expectObservable(primary.pipe(failover({ to: () => vps })), '^--!').toBe('v---');
      expectSubscriptions(vps.subscriptions).toBe('^--!');
    });
  });
});
