import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../../lib/errors.js';
import { addressKey } from './address-key.js';
import { createWindowCounter } from './window-counter.js';

export interface AuthLimiterConfig {
  /** Checks one address may ask for within the window (LoginRateLimit), right or wrong. */
  readonly perAddress: number;
  /**
   * Failed checks (and checks under way) one account may have from one address within the window
   * (AccountFailureLimit); from every address together, ACCOUNT_SPREAD times as many. Counted per address first so
   * that one address guessing cannot lock the account's owner out (a lockout on the account alone could be kept
   * up forever by one guess a second).
   */
  readonly perAccount: number;
  readonly windowMs: number;
  /** Checks running at once (MaxConcurrentAuth): scrypt takes a libuv thread and 16 MiB each. */
  readonly concurrency: number;
  /** Checks waiting for a turn (MaxQueuedAuth); more are refused at once. */
  readonly queue: number;
  readonly now: () => number;
  /** Most addresses and most accounts remembered (each); the longest untouched are forgotten first. */
  readonly maxKeys?: number;
}

/** Who asks for a check: the address of the socket, and the account it names (null for the VPS's service key). */
export interface Claimant {
  readonly address: string;
  readonly account: string | null;
}

export interface AuthLimiter {
  /**
   * Runs `verify` (the password or key check) when the address and the account are within their budgets and a
   * turn is free or can be waited for; otherwise answers ERR_RATE_LIMITED at once, without running it. A Left
   * ERR_AUTH_FAILED from `verify` counts as a failure of the account; any other answer (a right password, even
   * for an account that lacks a role) does not. A `verify` that rejects frees its turn and rejects the same.
   */
  readonly check: <T>(
    claimant: Claimant,
    verify: () => Promise<either.Either<P2PError, T>>,
  ) => Promise<either.Either<P2PError, T>>;
  /** Addresses and accounts remembered now: bounded, and emptied once the window has passed. */
  readonly remembered: () => number;
}

const DEFAULT_MAX_KEYS = 65_536;
/** How many addresses' worth of failures lock an account for every address: guessing spread over many. */
const ACCOUNT_SPREAD = 10;

const limited = (message: string) => either.left(p2pError('ERR_RATE_LIMITED', message));

/**
 * The one gate in front of every password and key check on the coordinator (login, host registration, VPS
 * registration): per address, per account, and in total at once. Each refusal comes before any hashing, so a
 * flood of guesses costs the coordinator a map lookup, not a scrypt, and a legitimate login from elsewhere still
 * finds a free turn. Every answer of a refused check is the same ERR_RATE_LIMITED whether the name exists or not.
 */
export const createAuthLimiter = (config: AuthLimiterConfig): AuthLimiter => {
  const maxKeys = config.maxKeys ?? DEFAULT_MAX_KEYS;
  const window = { windowMs: config.windowMs, maxKeys };
  const attempts = createWindowCounter({ ...window, cap: config.perAddress });
  const failures = createWindowCounter({ ...window, cap: config.perAccount });
  const accountFailures = createWindowCounter({ ...window, cap: config.perAccount * ACCOUNT_SPREAD });
  const pending = new Map<string, number>();
  const waiting: Array<() => void> = [];
  let running = 0;

  const turn = (): Promise<void> => {
    if (running < config.concurrency) {
      running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const endTurn = () => {
    const next = waiting.shift();
    if (next === undefined) running--;
    else next();
  };
  const setPending = (account: string, delta: number) => {
    const count = (pending.get(account) ?? 0) + delta;
    if (count > 0) pending.set(account, count);
    else pending.delete(account);
  };

  return {
    check: async (claimant, verify) => {
      const now = config.now();
      failures.sweep(now);
      accountFailures.sweep(now);
      const address = addressKey(claimant.address);
      if (attempts.count(address, now) >= config.perAddress)
        return limited(
          `more than ${config.perAddress} password or key checks from one address in ${config.windowMs} ms`,
        );
      attempts.add(address, now);
      const { account } = claimant;
      const fromHere = account === null ? null : `${account}\u0000${address}`;
      // Checks under way count as failures until they succeed: a burst of guesses all in flight at once is bounded.
      if (
        account !== null &&
        fromHere !== null &&
        (failures.count(fromHere, now) + (pending.get(fromHere) ?? 0) >= config.perAccount ||
          accountFailures.count(account, now) + (pending.get(account) ?? 0) >=
            config.perAccount * ACCOUNT_SPREAD)
      )
        return limited(`too many failed checks for this account in ${config.windowMs} ms`);
      if (running >= config.concurrency && waiting.length >= config.queue)
        return limited('too many password checks under way: try again');
      if (account !== null && fromHere !== null) {
        setPending(account, 1);
        setPending(fromHere, 1);
      }
      await turn();
      try {
        const verdict = await verify();
        if (
          fromHere !== null &&
          account !== null &&
          either.isLeft(verdict) &&
          verdict.left.code === 'ERR_AUTH_FAILED'
        ) {
          failures.add(fromHere, config.now());
          accountFailures.add(account, config.now());
        }
        return verdict;
      } finally {
        endTurn();
        if (account !== null && fromHere !== null) {
          setPending(account, -1);
          setPending(fromHere, -1);
        }
      }
    },
    remembered: () => attempts.size() + failures.size() + accountFailures.size(),
  };
};
