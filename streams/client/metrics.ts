import type { SyncErrorType } from '../../lib/protocol/control-codecs.js';
import type { LinkEvent } from './connection-state.js';

/**
 * Client metrics (the seed's NetworkMetrics), derived from what the client's streams carry: pongs give the
 * latency, tick and ping-id gaps the loss, wire events the bandwidth, sync steps the updates and errors.
 * Pure: `reduceMetrics` folds events in, `metricsSnapshot` reads them at a time.
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
  /** Missed ticks and unanswered pings, as a share of all expected, over the window. */
  readonly packetLoss: number;
  readonly bandwidthUsage: { readonly inBytesPerSec: number; readonly outBytesPerSec: number };
  readonly stateUpdates: { readonly total: number; readonly perSec: number };
  readonly syncErrors: Readonly<Record<SyncErrorType, number>>;
  readonly reconnects: number;
  readonly failovers: number;
  readonly lastFailoverMs: number | null;
}

interface Bucket {
  readonly second: number;
  readonly inBytes: number;
  readonly outBytes: number;
  readonly ticks: number;
  readonly missedTicks: number;
  readonly pongs: number;
  readonly lostPings: number;
}

export interface MetricsState {
  readonly windowMs: number;
  readonly buckets: readonly Bucket[];
  readonly rtts: readonly number[];
  readonly smoothedMs: number | null;
  /** The newest tick seen on this connection, and the newest pong id: the gaps after them are losses. */
  readonly lastTick: number | null;
  readonly lastPongId: number | null;
  readonly updates: number;
  readonly syncErrors: Readonly<Record<SyncErrorType, number>>;
  readonly reconnects: number;
  readonly failovers: number;
  readonly lastFailoverMs: number | null;
}

/** Latency percentiles are over this many newest samples (the seed's latency test uses 100 pings). */
const RTT_SAMPLES = 100;

export const emptyMetrics = (windowMs: number): MetricsState => ({
  windowMs,
  buckets: [],
  rtts: [],
  smoothedMs: null,
  lastTick: null,
  lastPongId: null,
  updates: 0,
  syncErrors: { DESYNC: 0, TIMEOUT: 0, CONFLICT: 0 },
  reconnects: 0,
  failovers: 0,
  lastFailoverMs: null,
});

const addToBucket = (
  state: MetricsState,
  now: number,
  add: Partial<Omit<Bucket, 'second'>>,
): MetricsState => {
  const second = Math.floor(now / 1000);
  const oldest = second - Math.ceil(state.windowMs / 1000);
  const kept = state.buckets.filter((b) => b.second > oldest);
  const last = kept.at(-1);
  const current: Bucket =
    last?.second === second
      ? last
      : { second, inBytes: 0, outBytes: 0, ticks: 0, missedTicks: 0, pongs: 0, lostPings: 0 };
  const updated: Bucket = {
    ...current,
    inBytes: current.inBytes + (add.inBytes ?? 0),
    outBytes: current.outBytes + (add.outBytes ?? 0),
    ticks: current.ticks + (add.ticks ?? 0),
    missedTicks: current.missedTicks + (add.missedTicks ?? 0),
    pongs: current.pongs + (add.pongs ?? 0),
    lostPings: current.lostPings + (add.lostPings ?? 0),
  };
  return {
    ...state,
    buckets: last?.second === second ? [...kept.slice(0, -1), updated] : [...kept, updated],
  };
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

const onTick = (state: MetricsState, tick: number, now: number): MetricsState => {
  const missed = state.lastTick === null || tick <= state.lastTick ? 0 : tick - state.lastTick - 1;
  return {
    ...addToBucket(state, now, { ticks: 1, missedTicks: missed }),
    lastTick: Math.max(tick, state.lastTick ?? tick),
    updates: state.updates + 1,
  };
};

export const reduceMetrics = (state: MetricsState, event: MetricEvent, now: number): MetricsState => {
  switch (event.type) {
    case 'wire':
      return addToBucket(
        state,
        now,
        event.direction === 'in' ? { inBytes: event.bytes } : { outBytes: event.bytes },
      );
    case 'established':
      // A new connection numbers its pings from 0 and may start at any tick.
      return { ...state, lastTick: null, lastPongId: null };
    case 'message': {
      const message = event.message;
      if (message.kind === 'pong') return onPong(state, message.id, message.time, now);
      if (message.kind === 'delta') return onTick(state, message.tick, now);
      if (message.kind === 'full_state') return onTick({ ...state, lastTick: null }, message.tick, now);
      return state;
    }
    case 'retrying':
    case 'back-to-host':
      return { ...state, reconnects: state.reconnects + 1 };
    case 'failing-over':
      return { ...state, failovers: state.failovers + 1 };
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

/** The metrics as of `now`: rates over the buckets inside the window. */
export const metricsSnapshot = (state: MetricsState, now: number): MetricsSnapshot => {
  const oldest = Math.floor(now / 1000) - Math.ceil(state.windowMs / 1000);
  const inWindow = state.buckets.filter((b) => b.second > oldest);
  const sum = (field: keyof Omit<Bucket, 'second'>) => inWindow.reduce((total, b) => total + b[field], 0);
  // Rates are over the time covered so far, up to the window (a client 3 s old has 3 s of traffic, not 10).
  const covered = inWindow.length === 0 ? 1 : now / 1000 - (inWindow[0]?.second ?? 0);
  const seconds = Math.min(state.windowMs / 1000, Math.max(1, covered));
  const expected = sum('ticks') + sum('missedTicks') + sum('pongs') + sum('lostPings');
  const sorted = [...state.rtts].sort((a, b) => a - b);
  return {
    latency: {
      smoothedMs: state.smoothedMs,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      samples: sorted.length,
    },
    packetLoss: expected === 0 ? 0 : (sum('missedTicks') + sum('lostPings')) / expected,
    bandwidthUsage: { inBytesPerSec: sum('inBytes') / seconds, outBytesPerSec: sum('outBytes') / seconds },
    stateUpdates: { total: state.updates, perSec: sum('ticks') / seconds },
    syncErrors: state.syncErrors,
    reconnects: state.reconnects,
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
