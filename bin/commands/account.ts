import { randomBytes } from 'node:crypto';
import { addAccount } from '../../streams/coordinator/accounts.js';

/** `warp-p2p account add` flags, parsed (bin/program.ts). */
export interface AccountAddOptions {
  readonly host?: true;
  readonly password?: string;
  readonly accounts: string;
}

/**
 * `warp-p2p account add NAME [--host] [--password P] [--accounts FILE]`: adds or replaces the account, creating
 * the file; without --password one is generated and printed. Rejects with ERR_ACCOUNTS_FILE when the file
 * cannot be read or is not an accounts file.
 */
export const accountAddCommand = async (name: string, options: AccountAddOptions): Promise<void> => {
  const host = options.host === true;
  const password = options.password ?? randomBytes(12).toString('base64url');
  await addAccount(options.accounts, name, password, host ? ['player', 'host'] : ['player']);
  console.log(`account ${name} (${host ? 'player, host' : 'player'}) written to ${options.accounts}`);
  if (options.password === undefined) console.log(`password: ${password}`);
};
