import { readFileSync, writeFileSync } from 'node:fs';
import * as t from 'io-ts';
import { either } from 'fp-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { type P2PError, p2pError } from '../../lib/errors.js';
import {
  DUMMY_PASSWORD_HASH,
  type PasswordHash,
  hashPassword,
  verifyPassword,
} from '../../lib/crypto/passwords.js';

export type Role = 'player' | 'host';

const AccountRecord = t.type({
  salt: t.string,
  hash: t.string,
  roles: t.array(t.union([t.literal('player'), t.literal('host')])),
});
const AccountsFile = t.type({ version: t.literal(1), accounts: t.record(t.string, AccountRecord) });
type AccountsFile = t.TypeOf<typeof AccountsFile>;

export interface Account {
  readonly name: string;
  readonly roles: readonly Role[];
}

export interface Accounts {
  /**
   * ERR_AUTH_FAILED for an unknown name, a missing password or a wrong one alike, after the same work (one scrypt
   * derivation each): which names exist is revealed neither by the answer nor by its time.
   */
  readonly authenticate: (
    name: string,
    password: string | undefined,
  ) => Promise<either.Either<P2PError, Account>>;
}

const failed = () => either.left(p2pError('ERR_AUTH_FAILED', 'unknown account or wrong password'));

/**
 * The accounts file, decoded. A missing file is an empty one when `missing` says so (`addAccount` creates it);
 * otherwise, like a file that cannot be read, is not JSON or is not an accounts file, it throws ERR_ACCOUNTS_FILE.
 */
const readAccountsFile = (path: string, missing: 'empty' | 'refuse'): AccountsFile => {
  const refuse = (why: string) => p2pError('ERR_ACCOUNTS_FILE', `accounts file ${path}: ${why}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT')
      throw refuse(`cannot be read (${(error as Error).message})`);
    if (missing === 'empty') return { version: 1, accounts: {} };
    throw refuse(`does not exist (warp-p2p account add NAME --accounts ${path} creates it)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw refuse(`is not JSON (${(error as Error).message})`);
  }
  const decoded = AccountsFile.decode(json);
  if (either.isLeft(decoded))
    throw refuse(`is not an accounts file (${PathReporter.report(decoded).join('; ')})`);
  return decoded.right;
};

export interface AccountsOptions {
  readonly allowGuests: boolean;
  /** How a password is checked against a stored hash (specs count the derivations); verifyPassword by default. */
  readonly verify?: (password: string, stored: PasswordHash) => Promise<boolean>;
}

/**
 * Accounts from a JSON file of scrypt hashes (`warp-p2p account add` writes it). With `allowGuests`, a name not
 * in the file logs in as a player without a password (demos: which names are listed shows then, by design);
 * listed names still need theirs. Throws ERR_ACCOUNTS_FILE when the file is missing, unreadable or malformed.
 */
export const loadAccounts = (path: string | null, options: AccountsOptions): Accounts => {
  const file = path === null ? { version: 1 as const, accounts: {} } : readAccountsFile(path, 'refuse');
  const verify = options.verify ?? verifyPassword;
  return {
    authenticate: async (name, password) => {
      const record = Object.hasOwn(file.accounts, name) ? file.accounts[name] : undefined;
      if (record === undefined && options.allowGuests) return either.right({ name, roles: ['player'] });
      // One derivation whatever the case, so an unknown name or a missing password answers as late as a wrong one.
      const verified = await verify(password ?? '', record ?? DUMMY_PASSWORD_HASH);
      if (record === undefined || password === undefined || !verified) return failed();
      return either.right({ name, roles: record.roles });
    },
  };
};

/**
 * Adds or replaces an account in the file (creating it), hashing the password with scrypt. Rejects with
 * ERR_ACCOUNTS_FILE when the file exists but cannot be read or is not an accounts file, or cannot be written.
 */
export const addAccount = async (
  path: string,
  name: string,
  password: string,
  roles: readonly Role[],
): Promise<void> => {
  const file = readAccountsFile(path, 'empty');
  const hashed = await hashPassword(password);
  const next: AccountsFile = {
    version: 1,
    accounts: { ...file.accounts, [name]: { ...hashed, roles: [...roles] } },
  };
  try {
    writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    throw p2pError(
      'ERR_ACCOUNTS_FILE',
      `accounts file ${path}: cannot be written (${(error as Error).message})`,
    );
  }
};
