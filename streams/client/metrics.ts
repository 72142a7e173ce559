import type { SyncErrorType } from '../../lib/protocol/control-codecs.js';
import type { LinkEvent } from './connection-state.js';

/**
 * Client metrics (the seed's NetworkMetrics), derived from what the client's streams carry: pongs give the
 * latency, tick and ping-id gaps and late updates the loss, update arrival times the jitter and stalls, wire
 * events the bandwidth, sync steps the updates and errors. Pure: `reduceMetrics` folds events in at the
 * scheduler's time, `metricsSnapshot` reads them at a time.
 *
 * The channel is TCP (WebSocket): a lost segment is retransmitted, so loss never shows as a missing tick but as
 * a gap followed by a burst of held-back updates. That is why loss also counts late updates, and why jitter and
 * stalls are measured from arrival times.
 */
export type MetricEvent =
  | LinkEvent
  | { readonly type: 'sync_error'; readonly error: { readonly type: SyncErrorType } }
  | { readonly type: 'restored'; readonly ms: number | null };

export interface MetricsSnapshot {
  readonly latency: {
    /** Smoothed round trip (exponentially weighted, α = 1/8 as TCP's SRTT). */
    readonly smoothedMs: number | null;
    readonly p50Ms: number | null;
    readonly p99Ms: number | null;
    readonly samples: number;
  };
  /** Missed ticks, late updates and unanswered pings, as a share of all expected, over the window. */
  readonly packetLoss: number;
  /** RFC 3550 interarrival jitter of state updates: |arrival gap − tick gap × tick interval|, smoothed by 1/16. */
  readonly updateJitterMs: number;
  /** Time beyond two tick intervals without an update while connected, over the window (at most the window). */
  readonly stallMs: number;
  /** The longest such stall that ended in the window or is under way, whole. */
  readonly longestStallMs: number;
  readonly bandwidthUsage: { readonly inBytesPerSec: number; readonly outBytesPerSec: number };
  readonly stateUpdates: { readonly total: number; readonly perSec: number };
  readonly syncErrors: Readonly<Record<SyncErrorType, number>>;
  readonly reconnects: number;
  /** Each reconnect and failover by its error's code (a failover without one by its reason, `moved`/`forced`). */
  readonly reconnectCauses: Readonly<Record<string, number>>;
  readonly failovers: number;
  readonly lastFailoverMs: number | null;
}

interface Bucket {
  readonly second: number;
  readonly inBytes: number;
  readonly outBytes: number;
  readonly ticks: number;
  readonly missedTicks: number;
  readonly lateTicks: number;
  readonly pongs: number;
  readonly lostPings: number;
  readonly stallMs: number;
  /** The longest stall that ended in this second (a maximum, not a sum). */
  readonly longestStallMs: number;
}
type Counts = Omit<Bucket, 'second'>;

export interface MetricsState {
  readonly windowMs: number;
  /** The nominal interval between state updates (`UpdateIntervalMS`): slots, lateness and stalls are in it. */
  readonly tickMs: number;
  readonly buckets: readonly Bucket[];
  readonly rtts: readonly number[];
  readonly smoothedMs: number | null;
  /** The newest tick seen on this connection, and the newest pong id: the gaps after them are losses. */
  readonly lastTick: number | null;
  readonly lastPongId: number | null;
  /** When the newest update on this connection arrived; null before the first one and once the link drops. */
  readonly lastArrival: number | null;
  /** Updates up to this tick are late when they arrive: their slots passed during the last long gap. */
  readonly lateThrough: number | null;
  readonly jitterMs: number;
  readonly updates: number;
  readonly syncErrors: Readonly<Record<SyncErrorType, number>>;
  readonly reconnects: number;
  readonly reconnectCauses: Readonly<Record<string, number>>;
  readonly failovers: number;
  readonly lastFailoverMs: number | null;
}

/** Latency percentiles are over this many newest samples (the seed's latency test uses 100 pings). */
const RTT_SAMPLES = 100;
/** The seed's UpdateIntervalMS, for callers that do not pass theirs. */
const DEFAULT_TICK_MS = 50;

export const emptyMetrics = (windowMs: number, tickMs: number = DEFAULT_TICK_MS): MetricsState => ({
  windowMs,
  tickMs,
  buckets: [],
  rtts: [],
  smoothedMs: null,
  lastTick: null,
  lastPongId: null,
  lastArrival: null,
  lateThrough: null,
  jitterMs: 0,
  updates: 0,
  syncErrors: { DESYNC: 0, TIMEOUT: 0, CONFLICT: 0 },
  reconnects: 0,
  reconnectCauses: {},
  failovers: 0,
  lastFailoverMs: null,
});

const emptyBucket = (second: number): Bucket => ({
  second,
  inBytes: 0,
  outBytes: 0,
  ticks: 0,
  missedTicks: 0,
  lateTicks: 0,
  pongs: 0,
  lostPings: 0,
  stallMs: 0,
  longestStallMs: 0,
});

const addToBucket = (state: MetricsState, now: number, add: Partial<Counts>): MetricsState => {
  const second = Math.floor(now / 1000);
  const oldest = second - Math.ceil(state.windowMs / 1000);
  const kept = state.buckets.filter((b) => b.second > oldest);
  const last = kept.at(-1);
  const current = last?.second === second ? last : emptyBucket(second);
  const updated: { -readonly [K in keyof Bucket]: Bucket[K] } = { ...current };
  for (const [key, value] of Object.entries(add) as [keyof Counts, number][]) {
    updated[key] = key === 'longestStallMs' ? Math.max(updated[key], value) : updated[key] + value;
  }
  return {
    ...state,
    buckets: last?.second === second ? [...kept.slice(0, -1), updated] : [...kept, updated],
  };
};

/** The part of the gap since the last update beyond two tick intervals: shorter gaps are ordinary timer jitter. */
const stallAt = (state: MetricsState, now: number): number =>
  state.lastArrival === null ? 0 : Math.max(0, now - state.lastArrival - 2 * state.tickMs);

/** The link dropped: a gap still open ends here, since the client showed CONNECTED until now. */
const endConnection = (state: MetricsState, now: number): MetricsState => {
  const stall = stallAt(state, now);
  const ended = { ...state, lastArrival: null, lateThrough: null };
  return stall === 0 ? ended : addToBucket(ended, now, { stallMs: stall, longestStallMs: stall });
};

const onPong = (state: MetricsState, id: number, sentAt: number, now: number): MetricsState => {
  const rtt = Math.max(0, now - sentAt);
  const lost = state.lastPongId === null || id <= state.lastPongId ? 0 : id - state.lastPongId - 1;
  return {
    ...addToBucket(state, now, { pongs: 1, lostPings: lost }),
    rtts: [...state.rtts, rtt].slice(-RTT_SAMPLES),
    smoothedMs: state.smoothedMs === null ? rtt : state.smoothedMs + (rtt - state.smoothedMs) / 8,
    lastPongId: Math.max(id, state.lastPongId ?? id),
  };
};

/**
 * A state update for `tick` arrived. Its slot is the previous update's arrival plus the tick difference times
 * the interval, and it is late when it comes more than one interval after that. After a gap of g ms, the slots
 * 1 … ⌈g / tickMs⌉ − 2 past the previous tick have all passed by more than an interval: ticks in them that never
 * come are missed (counted by the tick gap), those that come (now or in the burst behind) are late. The
 * reference stays the update before the gap, so a lasting rise in latency makes at most one gap's worth late.
 */
const onUpdate = (state: MetricsState, tick: number, now: number): MetricsState => {
  const { lastTick, lastArrival, tickMs } = state;
  const missed = lastTick === null || tick <= lastTick ? 0 : tick - lastTick - 1;
  const gap = lastArrival === null ? 0 : now - lastArrival;
  const overdueSlots = Math.max(0, Math.ceil(gap / tickMs) - 2);
  // A full state starts a new tick sequence: count its own slot as the first one after the previous update.
  const lateThrough =
    overdueSlots === 0
      ? state.lateThrough
      : Math.max((lastTick ?? tick - 1) + overdueSlots, state.lateThrough ?? -Infinity);
  const late = lateThrough !== null && tick <= lateThrough ? 1 : 0;
  const stall = stallAt(state, now);
  // RFC 3550 §6.4.1 with the tick as the sender's timestamp: D is how far the arrival gap strays from the ticks'.
  const jitterMs =
    lastArrival === null || lastTick === null || tick <= lastTick
      ? state.jitterMs
      : state.jitterMs + (Math.abs(gap - (tick - lastTick) * tickMs) - state.jitterMs) / 16;
  return {
    ...addToBucket(state, now, {
      ticks: 1,
      missedTicks: missed,
      lateTicks: late,
      stallMs: stall,
      longestStallMs: stall,
    }),
    lastTick: Math.max(tick, lastTick ?? tick),
    lastArrival: now,
    lateThrough,
    jitterMs,
    updates: state.updates + 1,
  };
};

const countCause = (state: MetricsState, cause: string): MetricsState => ({
  ...state,
  reconnectCauses: { ...state.reconnectCauses, [cause]: (state.reconnectCauses[cause] ?? 0) + 1 },
});

export const reduceMetrics = (state: MetricsState, event: MetricEvent, now: number): MetricsState => {
  switch (event.type) {
    case 'wire':
      return addToBucket(
        state,
        now,
        event.direction === 'in' ? { inBytes: event.bytes } : { outBytes: event.bytes },
      );
    case 'established':
      // A new connection numbers its pings from 0, may start at any tick, and its timing starts afresh.
      return { ...state, lastTick: null, lastPongId: null, lastArrival: null, lateThrough: null };
    case 'message': {
      const message = event.message;
      if (message.kind === 'pong') return onPong(state, message.id, message.time, now);
      if (message.kind === 'delta') return onUpdate(state, message.tick, now);
      if (message.kind === 'full_state') return onUpdate({ ...state, lastTick: null }, message.tick, now);
      return state;
    }
    case 'connecting':
      return endConnection(state, now);
    case 'retrying':
    case 'back-to-host': {
      const ended = countCause(endConnection(state, now), event.error.code);
      return { ...ended, reconnects: ended.reconnects + 1 };
    }
    case 'failing-over': {
      const ended = countCause(endConnection(state, now), event.error?.code ?? event.reason);
      return { ...ended, failovers: ended.failovers + 1 };
    }
    case 'restored':
      return { ...state, lastFailoverMs: event.ms };
    case 'sync_error':
      return {
        ...state,
        syncErrors: { ...state.syncErrors, [event.error.type]: state.syncErrors[event.error.type] + 1 },
      };
    default:
      return state;
  }
};

const percentile = (sorted: readonly number[], p: number): number | null =>
  sorted.length === 0
    ? null
    : (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? null);

/** The metrics as of `now`: rates over the buckets inside the window, plus a stall still under way. */
export const metricsSnapshot = (state: MetricsState, now: number): MetricsSnapshot => {
  const oldest = Math.floor(now / 1000) - Math.ceil(state.windowMs / 1000);
  const inWindow = state.buckets.filter((b) => b.second > oldest);
  const sum = (field: keyof Counts) => inWindow.reduce((total, b) => total + b[field], 0);
  // Rates are over the time covered so far, up to the window (a client 3 s old has 3 s of traffic, not 10).
  const covered = inWindow.length === 0 ? 1 : now / 1000 - (inWindow[0]?.second ?? 0);
  const seconds = Math.min(state.windowMs / 1000, Math.max(1, covered));
  const expected = sum('ticks') + sum('missedTicks') + sum('pongs') + sum('lostPings');
  const lost = sum('missedTicks') + sum('lateTicks') + sum('lostPings');
  const ongoingStall = stallAt(state, now);
  const sorted = [...state.rtts].sort((a, b) => a - b);
  return {
    latency: {
      smoothedMs: state.smoothedMs,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      samples: sorted.length,
    },
    packetLoss: expected === 0 ? 0 : lost / expected,
    updateJitterMs: state.jitterMs,
    stallMs: Math.min(state.windowMs, sum('stallMs') + ongoingStall),
    longestStallMs: inWindow.reduce((longest, b) => Math.max(longest, b.longestStallMs), ongoingStall),
    bandwidthUsage: { inBytesPerSec: sum('inBytes') / seconds, outBytesPerSec: sum('outBytes') / seconds },
    stateUpdates: { total: state.updates, perSec: sum('ticks') / seconds },
    syncErrors: state.syncErrors,
    reconnects: state.reconnects,
    reconnectCauses: state.reconnectCauses,
    failovers: state.failovers,
    lastFailoverMs: state.lastFailoverMs,
  };
};

/** Whether latency is over its limit: raised once it has been over for `sustainMs`, cleared once under. */
export interface LatencyAlarm {
  readonly overSince: number | null;
  readonly raised: boolean;
}

export const updateLatencyAlarm = (
  alarm: LatencyAlarm,
  smoothedMs: number | null,
  now: number,
  limit: { readonly maxLatencyMs: number; readonly sustainMs: number },
): LatencyAlarm => {
  if (smoothedMs === null || smoothedMs <= limit.maxLatencyMs) return { overSince: null, raised: false };
  const overSince = alarm.overSince ?? now;
  return { overSince, raised: now - overSince >= limit.sustainMs };
};
