import { expect } from 'chai';
import { either } from 'fp-ts';
import { createSocketBudget } from '../../../streams/coordinator/socket-budget.js';
import { testScheduler } from '../../support/marbles.js';

describe('createSocketBudget', () => {
  const setUp = (scheduler: ReturnType<typeof testScheduler>) => {
    const expired: string[] = [];
    const budget = createSocketBudget({ perAddress: 2, total: 3, timeoutMs: 100, scheduler });
    const admit = (name: string, address: string) => {
      const pass = budget.admit(address, () => expired.push(`${name}@${scheduler.now()}`));
      return either.isRight(pass) ? pass.right : pass.left.code;
    };
    return { budget, expired, admit };
  };

  it('should expire a socket that does not authenticate within the timeout, and not one that does', () => {
    const scheduler = testScheduler();
    let expired: string[] = [];
    scheduler.run(() => {
      const test = setUp(scheduler);
      expired = test.expired;
      const a = test.admit('a', '10.0.0.1');
      const b = test.admit('b', '10.0.0.2');
      scheduler.schedule(() => typeof b !== 'string' && b.authenticated(), 40);
      scheduler.schedule(() => test.admit('c', '10.0.0.3'), 70);
      expect(typeof a).to.not.equal('string');
    });
    expect(expired).to.deep.equal(['a@100', 'c@170']);
  });

  it('should refuse past the bound per address and in all, and admit again once sockets close or authenticate', () => {
    const scheduler = testScheduler();
    scheduler.run(() => {
      const { admit, budget } = setUp(scheduler);
      const first = admit('1', '10.0.0.1');
      admit('2', '::ffff:10.0.0.1');
      expect(admit('3', '10.0.0.1')).to.equal('ERR_CONNECTION_LIMIT');
      const other = admit('4', '2001:db8::1');
      expect(admit('5', '2001:db8::2')).to.equal('ERR_CONNECTION_LIMIT');
      expect(budget.unauthenticated()).to.equal(3);
      if (typeof first === 'string' || typeof other === 'string') throw new Error('not admitted');
      first.release();
      first.release();
      expect(budget.unauthenticated()).to.equal(2);
      expect(admit('6', '10.0.0.1')).to.not.equal('ERR_CONNECTION_LIMIT');
      other.authenticated();
      other.release();
      expect(budget.unauthenticated()).to.equal(2);
    });
  });
});
