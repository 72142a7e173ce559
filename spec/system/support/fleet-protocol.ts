/**
 * What the client runner (`client-runner.ts`, a child process in the lab's clients namespace) and the specs say to
 * each other: commands as JSON lines on its stdin, reports and events as JSON lines on its stdout.
 */

export type FleetCommand =
  /** A new library client for `player` that loads `map`. */
  | { readonly cmd: 'join'; readonly player: string; readonly password: string; readonly map: string }
  /** Every client marks where its entity is, then moves one step toward the map's middle every `everyMs`. */
  | { readonly cmd: 'walk'; readonly everyMs: number }
  | { readonly cmd: 'halt' }
  | { readonly cmd: 'report'; readonly id: number }
  /** Disconnects every client, prints `bye` and exits. */
  | { readonly cmd: 'quit' }
  /**
   * One more client, not a walker and not in reports: `player` (no password: a guest) loads `map` and disconnects as
   * soon as it is CONNECTED, again and again for `ms` (at most `maxJoins` times), then prints `churned`.
   */
  | {
      readonly cmd: 'churn';
      readonly player: string;
      readonly map: string;
      readonly ms: number;
      readonly maxJoins: number;
    };

/** What a `churn` did: joins begun, how many got CONNECTED, the error codes its clients reported. */
export interface ChurnResult {
  readonly player: string;
  readonly joins: number;
  readonly connected: number;
  readonly errors: readonly string[];
}

/** One client as the runner sees it (its streams' latest values and everything it did). */
export interface ClientReport {
  readonly player: string;
  readonly map: string;
  readonly state: string | null;
  readonly server: { readonly kind: string; readonly id: string } | null;
  readonly statusMap: string | null;
  /** The player's entity in the authoritative world, and that world's tick. */
  readonly entity: { readonly id: number; readonly x: number; readonly y: number } | null;
  readonly tick: number | null;
  /** The newest world hashes this client computed (`hashWorld`), oldest first: [tick, hash]. */
  readonly hashes: readonly (readonly [number, string])[];
  /** Where the entity was when walking began, and its id then. */
  readonly start: { readonly id: number; readonly x: number; readonly y: number } | null;
  /** The sum of every move made since `walk`. */
  readonly moved: { readonly dx: number; readonly dy: number; readonly count: number };
  /** Every state the client went through, as `STATE server-id`. */
  readonly states: readonly string[];
  /** When the client entered each of `states` (`Date.now()` in the runner; the lab shares the host's clock). */
  readonly stateTimes: readonly number[];
  /** When the newest world update arrived (`Date.now()`), or null before the first. */
  readonly lastUpdateAt: number | null;
  /**
   * Its newest outages (at most `OUTAGES_KEPT`), oldest first, as [from, to]: from the last world update before the
   * client left CONNECTED or went more than `STALL_MS` without one, to the first update it got while CONNECTED
   * again (null: not over yet). What a player sees as the world standing still.
   */
  readonly outages: readonly (readonly [number, number | null])[];
  readonly syncErrors: readonly { readonly type: string; readonly tick: number; readonly detail: string }[];
  readonly failovers: number;
  readonly restored: number;
  readonly errors: readonly string[];
}

/**
 * A gap between world updates longer than this counts as an outage: ten UpdateIntervalMS. Shorter gaps of a few
 * hundred ms happen without any fault when the lab's processes share two cores (a process starting up).
 */
export const STALL_MS = 500;
/** Outages a client report keeps. */
export const OUTAGES_KEPT = 50;

export type FleetOutput =
  | { readonly type: 'ready' }
  | { readonly type: 'event'; readonly player: string; readonly at: number; readonly event: unknown }
  | { readonly type: 'report'; readonly id: number; readonly clients: readonly ClientReport[] }
  | ({ readonly type: 'churned' } & ChurnResult)
  | { readonly type: 'bye' };
