import type { SchedulerLike } from 'rxjs';
import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../../lib/errors.js';
import { addressKey } from './address-key.js';

export interface SocketBudgetConfig {
  /** Sockets one address may hold before they log in or register (MaxUnauthenticatedPerAddress). */
  readonly perAddress: number;
  /** The same, from all addresses together (MaxUnauthenticated). */
  readonly total: number;
  /** How long from accept a socket has to log in or register (AuthTimeoutMS). */
  readonly timeoutMs: number;
  readonly scheduler: SchedulerLike;
}

/** One admitted socket's place in the budget. Both calls are idempotent. */
export interface SocketPass {
  /** The socket logged in or registered: it stops counting, and its deadline is off. */
  readonly authenticated: () => void;
  /** The socket closed. */
  readonly release: () => void;
}

export interface SocketBudget {
  /**
   * Admits a socket from `address`, arming its deadline: `expire` runs once when it has neither authenticated nor
   * closed within `timeoutMs` (the caller closes it; it counts until it has closed). Left ERR_CONNECTION_LIMIT
   * when its address or all addresses together are at their bound: the caller refuses it at once.
   */
  readonly admit: (address: string, expire: () => void) => either.Either<P2PError, SocketPass>;
  /** Sockets counted now (admitted, not yet authenticated nor closed). */
  readonly unauthenticated: () => number;
}

/**
 * The coordinator's bound on sockets that have not proved who they are, in number (per address and in all) and
 * in time (from the TCP accept, so a stalled HTTP upgrade counts as much as an idle WebSocket). 3000 idle sockets
 * once stayed open for as long as their peer liked; now an address holds at most `perAddress` of them, each for at
 * most `timeoutMs`.
 */
export const createSocketBudget = (config: SocketBudgetConfig): SocketBudget => {
  const byAddress = new Map<string, number>();
  let total = 0;
  return {
    admit: (address, expire) => {
      const key = addressKey(address);
      const held = byAddress.get(key) ?? 0;
      if (held >= config.perAddress || total >= config.total)
        return either.left(
          p2pError(
            'ERR_CONNECTION_LIMIT',
            held >= config.perAddress
              ? `${config.perAddress} sockets from this address are not logged in yet`
              : `${config.total} sockets are not logged in yet`,
          ),
        );
      byAddress.set(key, held + 1);
      total++;
      let counted = true;
      const uncount = () => {
        if (!counted) return;
        counted = false;
        total--;
        const left = (byAddress.get(key) ?? 1) - 1;
        if (left > 0) byAddress.set(key, left);
        else byAddress.delete(key);
      };
      const deadline = config.scheduler.schedule(expire, config.timeoutMs);
      return either.right({
        authenticated: () => {
          deadline.unsubscribe();
          uncount();
        },
        release: () => {
          deadline.unsubscribe();
          uncount();
        },
      });
    },
    unauthenticated: () => total,
  };
};
