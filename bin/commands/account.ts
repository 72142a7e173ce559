import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { addAccount } from '../../streams/coordinator/accounts.js';
import { usageError } from '../cli.js';

/** `warp-p2p account add NAME [--host] [--password P] [--accounts FILE]` */
export const accountCommand = async (args: string[]): Promise<void> => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      host: { type: 'boolean', default: false },
      password: { type: 'string' },
      accounts: { type: 'string', default: 'accounts.json' },
    },
  });
  const [action, name] = positionals;
  if (action !== 'add' || name === undefined || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw usageError('usage: warp-p2p account add NAME [--host] [--password P] [--accounts FILE]');
  }
  const password = values.password ?? randomBytes(12).toString('base64url');
  await addAccount(values.accounts, name, password, values.host ? ['player', 'host'] : ['player']);
  console.log(`account ${name} (${values.host ? 'player, host' : 'player'}) written to ${values.accounts}`);
  if (values.password === undefined) console.log(`password: ${password}`);
};
