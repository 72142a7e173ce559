import { either } from 'fp-ts';
import type { Config } from '../../config/schema.js';
import type { RegisterRequest } from '../../lib/coordinator/protocol.js';
import { p2pError } from '../../lib/errors.js';
import { sameSecret } from '../../lib/crypto/passwords.js';
import type { Account, Accounts } from './accounts.js';
import { createAuthLimiter } from './auth-limiter.js';
import { SERVICE_PRINCIPAL } from './host-ids.js';

export interface AuthenticatorDeps {
  readonly accounts: Accounts;
  /** The VPS's shared secret; null refuses every VPS registration. */
  readonly serviceKey: string | null;
  readonly settings: Config['P2P_COORDINATOR'];
  readonly now: () => number;
}

/** Every password and key check of the coordinator, behind one limiter. Both reject with the coded refusal. */
export interface Authenticator {
  /** A player's login: the account, once its password is checked. */
  readonly player: (address: string, name: string, password: string | undefined) => Promise<Account>;
  /**
   * A registration: the owner its host ids belong to, a host account (its password checked, and it must have the
   * host role: ERR_AUTH_ROLE) or SERVICE_PRINCIPAL for the VPS (its service key checked, in constant time).
   */
  readonly registrant: (address: string, request: RegisterRequest) => Promise<string>;
}

/**
 * The coordinator's checks of who asks: logins, host registrations and VPS registrations all go through one
 * limiter (per address, per account, and at once: LoginRateLimit, AccountFailureLimit, MaxConcurrentAuth,
 * MaxQueuedAuth over LoginWindowMS), so no path is a way around another's limit.
 */
export const createAuthenticator = ({
  accounts,
  serviceKey,
  settings,
  now,
}: AuthenticatorDeps): Authenticator => {
  const limiter = createAuthLimiter({
    perAddress: settings.LoginRateLimit,
    perAccount: settings.AccountFailureLimit,
    windowMs: settings.LoginWindowMS,
    concurrency: settings.MaxConcurrentAuth,
    queue: settings.MaxQueuedAuth,
    now,
  });
  const player = async (address: string, name: string, password: string | undefined) => {
    const account = await limiter.check({ address, account: name }, () =>
      accounts.authenticate(name, password),
    );
    if (either.isLeft(account)) throw account.left;
    return account.right;
  };
  return {
    player,
    registrant: async (address, request) => {
      if (request.role === 'p2p') {
        const account = await player(address, request.account ?? '', request.password);
        if (!account.roles.includes('host'))
          throw p2pError('ERR_AUTH_ROLE', `account ${account.name} may not host maps`);
        return account.name;
      }
      const verdict = await limiter.check({ address, account: null }, () =>
        Promise.resolve(
          sameSecret(request.serviceKey, serviceKey)
            ? either.right(SERVICE_PRINCIPAL)
            : either.left(p2pError('ERR_AUTH_FAILED', 'wrong service key')),
        ),
      );
      if (either.isLeft(verdict)) throw verdict.left;
      return verdict.right;
    },
  };
};
