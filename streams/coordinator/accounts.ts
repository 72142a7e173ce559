import { readFileSync, writeFileSync } from 'node:fs';
import * as t from 'io-ts';
import { either } from 'fp-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { type P2PError, p2pError } from '../../lib/errors.js';
import { hashPassword, verifyPassword } from '../../lib/crypto/passwords.js';

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
  /** ERR_AUTH_FAILED for an unknown name or a wrong password alike: which names exist is not revealed. */
  readonly authenticate: (
    name: string,
    password: string | undefined,
  ) => Promise<either.Either<P2PError, Account>>;
}

const failed = () => either.left(p2pError('ERR_AUTH_FAILED', 'unknown account or wrong password'));

const readAccountsFile = (path: string): AccountsFile => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { version: 1, accounts: {} };
    throw error;
  }
  const decoded = AccountsFile.decode(JSON.parse(text));
  if (either.isLeft(decoded)) throw new Error(`${path}: ${PathReporter.report(decoded).join('; ')}`);
  return decoded.right;
};

/**
 * Accounts from a JSON file of scrypt hashes (`warp-p2p account add` writes it). With `allowGuests`, a name not
 * in the file logs in as a player without a password (demos); listed names still need theirs.
 */
export const loadAccounts = (path: string | null, options: { readonly allowGuests: boolean }): Accounts => {
  const file = path === null ? { version: 1 as const, accounts: {} } : readAccountsFile(path);
  return {
    authenticate: async (name, password) => {
      const record = file.accounts[name];
      if (record === undefined) {
        return options.allowGuests ? either.right({ name, roles: ['player'] }) : failed();
      }
      if (password === undefined || !(await verifyPassword(password, record))) return failed();
      return either.right({ name, roles: record.roles });
    },
  };
};

/** Adds or replaces an account in the file (creating it), hashing the password with scrypt. */
export const addAccount = async (
  path: string,
  name: string,
  password: string,
  roles: readonly Role[],
): Promise<void> => {
  const file = readAccountsFile(path);
  const hashed = await hashPassword(password);
  const next: AccountsFile = {
    version: 1,
    accounts: { ...file.accounts, [name]: { ...hashed, roles: [...roles] } },
  };
  writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
};
