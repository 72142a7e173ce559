import { expect } from 'chai';
import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../../../lib/errors.js';
import { type AuthLimiterConfig, createAuthLimiter } from '../../../streams/coordinator/auth-limiter.js';

type Verdict = either.Either<P2PError, string>;
const RIGHT: Verdict = either.right('ok');
const WRONG: Verdict = either.left(p2pError('ERR_AUTH_FAILED', 'unknown account or wrong password'));

describe('createAuthLimiter', () => {
  let clock = 0;
  let verified = 0;
  const limiter = (overrides: Partial<AuthLimiterConfig> = {}) =>
    createAuthLimiter({
      perAddress: 3,
      perAccount: 2,
      windowMs: 1000,
      concurrency: 1,
      queue: 1,
      now: () => clock,
      ...overrides,
    });
  /** A check whose verdict comes when the spec says, counting the checks that ran. */
  const held = () => {
    let settle: (verdict: Verdict) => void = () => undefined;
    const verify = () => {
      verified++;
      return new Promise<Verdict>((resolve) => (settle = resolve));
    };
    return { verify, settle: (verdict: Verdict) => settle(verdict) };
  };
  const codeOf = (verdict: Verdict) => (either.isLeft(verdict) ? verdict.left.code : 'ok');
  beforeEach(() => {
    clock = 0;
    verified = 0;
  });

  it('should refuse past perAddress checks in the window, right or wrong, without running them', async () => {
    const gate = limiter({ concurrency: 10, perAccount: 10 });
    const codes: string[] = [];
    for (const verdict of [RIGHT, WRONG, RIGHT, RIGHT])
      codes.push(
        codeOf(
          await gate.check(
            { address: '10.0.0.1', account: 'ann' },
            () => (verified++, Promise.resolve(verdict)),
          ),
        ),
      );
    expect(codes).to.deep.equal(['ok', 'ERR_AUTH_FAILED', 'ok', 'ERR_RATE_LIMITED']);
    expect(verified).to.equal(3);
    expect(
      codeOf(await gate.check({ address: '10.0.0.2', account: 'ann' }, () => Promise.resolve(RIGHT))),
    ).to.equal('ok');
    clock = 1000;
    expect(
      codeOf(await gate.check({ address: '10.0.0.1', account: 'ann' }, () => Promise.resolve(RIGHT))),
    ).to.equal('ok');
  });

  it('should lock an account for an address after perAccount failures from it, counting checks under way, and let its owner in from elsewhere', async () => {
    const gate = limiter({ concurrency: 10, perAddress: 100 });
    const first = held();
    const second = held();
    const a = gate.check({ address: '10.0.0.1', account: 'ann' }, first.verify);
    const b = gate.check({ address: '10.0.0.1', account: 'ann' }, second.verify);
    // Two under way from one address: a third guess from it is refused before it runs.
    expect(
      codeOf(await gate.check({ address: '10.0.0.1', account: 'ann' }, () => Promise.resolve(RIGHT))),
    ).to.equal('ERR_RATE_LIMITED');
    first.settle(WRONG);
    second.settle(WRONG);
    expect([codeOf(await a), codeOf(await b)]).to.deep.equal(['ERR_AUTH_FAILED', 'ERR_AUTH_FAILED']);
    expect(
      codeOf(await gate.check({ address: '10.0.0.1', account: 'ann' }, () => Promise.resolve(RIGHT))),
    ).to.equal('ERR_RATE_LIMITED');
    // One address guessing does not lock the account's owner out.
    expect(
      codeOf(await gate.check({ address: '10.0.0.2', account: 'ann' }, () => Promise.resolve(RIGHT))),
    ).to.equal('ok');
    // A role refusal is not a wrong password.
    const role = either.left(p2pError('ERR_AUTH_ROLE', 'not a host'));
    await gate.check({ address: '10.0.0.6', account: 'cy' }, () => Promise.resolve(role));
    await gate.check({ address: '10.0.0.6', account: 'cy' }, () => Promise.resolve(role));
    expect(
      codeOf(await gate.check({ address: '10.0.0.6', account: 'cy' }, () => Promise.resolve(RIGHT))),
    ).to.equal('ok');
  });

  it('should lock an account for every address after ten addresses worth of failures (guessing spread out)', async () => {
    const gate = limiter({ concurrency: 10 });
    for (let n = 0; n < 10; n++)
      for (let k = 0; k < 2; k++)
        await gate.check({ address: `10.0.1.${n}`, account: 'ann' }, () => Promise.resolve(WRONG));
    expect(
      codeOf(await gate.check({ address: '10.0.2.1', account: 'ann' }, () => Promise.resolve(RIGHT))),
    ).to.equal('ERR_RATE_LIMITED');
    expect(
      codeOf(await gate.check({ address: '10.0.2.1', account: 'bob' }, () => Promise.resolve(RIGHT))),
    ).to.equal('ok');
    clock = 1000;
    expect(
      codeOf(await gate.check({ address: '10.0.2.1', account: 'ann' }, () => Promise.resolve(RIGHT))),
    ).to.equal('ok');
  });

  it('should run concurrency checks at once, queue up to queue more, and refuse the rest before running them', async () => {
    const gate = limiter({ perAddress: 100, perAccount: 100 });
    const checks = [held(), held(), held()];
    const results = checks.map((c, n) => gate.check({ address: `10.0.0.${n}`, account: null }, c.verify));
    expect(codeOf(await results[2]!)).to.equal('ERR_RATE_LIMITED');
    expect(verified).to.equal(1);
    checks[0]?.settle(RIGHT);
    expect(codeOf(await results[0]!)).to.equal('ok');
    await new Promise((resolve) => setImmediate(resolve));
    expect(verified).to.equal(2);
    checks[1]?.settle(WRONG);
    expect(codeOf(await results[1]!)).to.equal('ERR_AUTH_FAILED');
  });

  it('should free its turn when a check rejects', async () => {
    const gate = limiter({ perAddress: 100 });
    const failing = gate.check({ address: '10.0.0.1', account: 'ann' }, () =>
      Promise.reject(new Error('disk')),
    );
    await failing.then(
      () => expect.fail('resolved'),
      (error: Error) => expect(error.message).to.equal('disk'),
    );
    expect(
      codeOf(await gate.check({ address: '10.0.0.1', account: 'ann' }, () => Promise.resolve(RIGHT))),
    ).to.equal('ok');
  });

  it('should forget addresses and accounts once the window has passed, and hold a bounded number meanwhile', async () => {
    const gate = limiter({ concurrency: 100, maxKeys: 500 });
    for (let n = 0; n < 2000; n++)
      await gate.check({ address: `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`, account: `name-${n}` }, () =>
        Promise.resolve(WRONG),
      );
    expect(gate.remembered()).to.equal(1500);
    clock = 5000;
    await gate.check({ address: '10.9.9.9', account: null }, () => Promise.resolve(RIGHT));
    expect(gate.remembered()).to.be.at.most(2);
  });
});
