import { type SchedulerLike, asyncScheduler } from 'rxjs';
import { createRateBudget } from '../../operators/rate-budget.js';

export interface PlayerHandshakesConfig {
  /** Handshakes one player may complete at once, and per second sustained (`MaxHandshakesPerPlayerPerSecond`). */
  readonly perSecond: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * A handshake budget per player (the ticket's subject), checked once the ticket verified and before the host signs
 * the transcript: a valid ticket can be replayed into handshakes as fast as a socket opens, each one costing the
 * host a signature, and slots per address do not bound a player who owns many addresses. `take(player)` is true
 * and spends one handshake while within budget. A player idle for a second has a full bucket again and is
 * forgotten in a sweep that runs at most once a second, so the map holds only players seen within two seconds.
 */
export const createPlayerHandshakes = (config: PlayerHandshakesConfig): ((player: string) => boolean) => {
  const scheduler = config.scheduler ?? asyncScheduler;
  const WINDOW_MS = 1000;
  const budgets = new Map<string, { readonly take: () => boolean; last: number }>();
  let sweptAt = scheduler.now();
  return (player) => {
    const now = scheduler.now();
    if (now - sweptAt >= WINDOW_MS) {
      sweptAt = now;
      for (const [name, budget] of budgets) if (now - budget.last >= WINDOW_MS) budgets.delete(name);
    }
    const budget = budgets.get(player) ?? {
      take: createRateBudget({ max: config.perSecond, windowMs: WINDOW_MS, scheduler }),
      last: now,
    };
    budget.last = now;
    budgets.set(player, budget);
    return budget.take();
  };
};
