import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { either } from 'fp-ts';
import { type PasswordHash, verifyPassword } from '../../../lib/crypto/passwords.js';
import { addAccount, loadAccounts } from '../../../streams/coordinator/accounts.js';

describe('loadAccounts', () => {
  let dir: string;
  let path: string;
  let derivations = 0;
  /** The real check, counted: each call is one scrypt derivation. */
  const verify = (password: string, stored: PasswordHash) => {
    derivations++;
    return verifyPassword(password, stored);
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warp-accounts-'));
    path = join(dir, 'accounts.json');
    await addAccount(path, 'ann', 'ann-pw', ['player']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => (derivations = 0));

  const answerOf = async (name: string, password: string | undefined, allowGuests = false) => {
    const result = await loadAccounts(path, { allowGuests, verify }).authenticate(name, password);
    return either.isLeft(result) ? result.left.toJSON() : result.right;
  };

  it('should do one derivation for an unknown name, a missing password and a wrong one, and answer them alike', async () => {
    const answers = [
      await answerOf('nobody', 'x'),
      await answerOf('ann', undefined),
      await answerOf('ann', 'wrong'),
      await answerOf('constructor', 'x'),
      await answerOf('__proto__', 'x'),
    ];
    expect(derivations).to.equal(5);
    expect(new Set(answers.map((a) => JSON.stringify(a)))).to.have.lengthOf(1);
    expect(answers[0]).to.include({ code: 'ERR_AUTH_FAILED' });
  });

  it('should log the right password in after one derivation', async () => {
    expect(await answerOf('ann', 'ann-pw')).to.deep.equal({ name: 'ann', roles: ['player'] });
    expect(derivations).to.equal(1);
  });

  it('should let a guest in without a password only when guests are allowed, not as a listed name', async () => {
    expect(await answerOf('guest', undefined, true)).to.deep.equal({ name: 'guest', roles: ['player'] });
    expect(await answerOf('ann', undefined, true)).to.include({ code: 'ERR_AUTH_FAILED' });
  });
});
