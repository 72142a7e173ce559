import { type SchedulerLike, asyncScheduler } from 'rxjs';
import { type P2PError, p2pError } from '../../lib/errors.js';
import type { Message } from '../../lib/protocol/messages.js';
import { createRateBudget } from '../../operators/rate-budget.js';
import type { SessionSettings } from './settings.js';

/** What becomes of a message a peer sent: it goes on, it is dropped (telling the peer or not), or it ends the connection. */
export type BudgetVerdict =
  | { readonly kind: 'pass' }
  | { readonly kind: 'drop'; readonly error: P2PError; readonly tell: boolean }
  | { readonly kind: 'cut'; readonly error: P2PError };

const PASS: BudgetVerdict = { kind: 'pass' };

type Budgeted = 'ping' | 'rekey' | 'resync_request' | 'input' | 'other';

/** A game's own `app` messages are the game's to budget: warp-p2p never acts on them (null: no budget). */
const budgetOf = (kind: Message['kind']): Budgeted | null =>
  kind === 'ping' || kind === 'rekey' || kind === 'resync_request' || kind === 'input'
    ? kind
    : kind === 'app'
      ? null
      : 'other';

/** The config key each budget comes from, for the messages that say which one ran out. */
const KEYS: Readonly<Record<Budgeted, string>> = {
  ping: 'MaxPingsPerSecond',
  rekey: 'MaxRekeysPerMinute',
  resync_request: 'MaxResyncsPerSecond',
  input: 'MaxInputsPerSecond',
  other: 'MaxOtherMessagesPerSecond',
};

/**
 * Pings a connection may send a second: `MaxPingsPerSecond`, and at least twice the rate a client's keepalive pings
 * at with this `TimeoutMS` (every timeoutMs / 4), so no configuration's own pings are cut.
 */
export const pingsPerSecond = (settings: Pick<SessionSettings, 'budgets' | 'timeoutMs'>): number =>
  Math.max(settings.budgets.pingsPerSecond, Math.ceil(8000 / settings.timeoutMs));

/**
 * The per-connection budgets of what a peer sends a host (issue 17): one token bucket per kind (`createRateBudget`)
 * for pings, rekeys, resync requests and inputs, and one for every other kind together but the game's own `app`
 * messages. Returns the verdict on each
 * message, in arrival order:
 *
 * - within budget: `pass`;
 * - an input past its budget: `cut` with ERR_INPUT_FLOOD. A client takes every input up to the last one its host
 *   applied as done, so one skipped would count as applied once a later one is; ending the connection makes the
 *   client send again, on the next one, every input the host did not apply;
 * - anything else past its budget: `drop` with ERR_RATE_LIMITED (a data error: it counts against the rejection
 *   budget, so a peer that keeps going is cut), with `tell` on the first of a run of drops, so the peer hears of it
 *   once, not once per message it floods.
 *
 * No configuration's own traffic is cut: the ping budget is at least twice the rate a client pings at with this
 * `TimeoutMS`, the rekey budget twice the rotations `KeyRotationInterval` asks for.
 */
export const createBudgetGate = (
  settings: Pick<SessionSettings, 'budgets' | 'timeoutMs' | 'rotationIntervalMs'>,
  scheduler: SchedulerLike = asyncScheduler,
): ((message: Message) => BudgetVerdict) => {
  const { budgets } = settings;
  const bucket = (max: number, windowMs: number) => createRateBudget({ max, windowMs, scheduler });
  const buckets: Readonly<Record<Budgeted, () => boolean>> = {
    ping: bucket(pingsPerSecond(settings), 1000),
    rekey: bucket(
      Math.max(budgets.rekeysPerMinute, Math.ceil(120_000 / settings.rotationIntervalMs)),
      60_000,
    ),
    resync_request: bucket(budgets.resyncsPerSecond, 1000),
    // A burst as large as a map's queue, then the sustained rate: the bucket holds `queuedInputs` and refills
    // `inputsPerSecond` a second.
    input: bucket(
      budgets.queuedInputs,
      Math.max(1, Math.round((1000 * budgets.queuedInputs) / budgets.inputsPerSecond)),
    ),
    other: bucket(budgets.otherMessagesPerSecond, 1000),
  };
  const told = new Set<Budgeted>();
  return (message) => {
    const budget = budgetOf(message.kind);
    if (budget === null) return PASS;
    if (buckets[budget]()) {
      told.delete(budget);
      return PASS;
    }
    const past = `${message.kind} past ${KEYS[budget]}`;
    if (budget === 'input') return { kind: 'cut', error: p2pError('ERR_INPUT_FLOOD', past) };
    const tell = !told.has(budget);
    told.add(budget);
    return { kind: 'drop', error: p2pError('ERR_RATE_LIMITED', past), tell };
  };
};
