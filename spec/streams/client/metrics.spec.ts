import { expect } from 'chai';
import type { LinkEvent } from '../../../streams/client/connection-state.js';
import {
  type MetricEvent,
  emptyMetrics,
  metricsSnapshot,
  reduceMetrics,
  updateLatencyAlarm,
} from '../../../streams/client/metrics.js';

const pong = (id: number, time: number): LinkEvent => ({
  type: 'message',
  message: { kind: 'pong', id, time },
});
const delta = (tick: number): LinkEvent => ({
  type: 'message',
  message: { kind: 'delta', tick, baseTick: tick - 1, lastInput: 0, hash: null, entities: [], removed: [] },
});
const fold = (events: readonly (readonly [number, MetricEvent])[]) =>
  events.reduce((state, [now, event]) => reduceMetrics(state, event, now), emptyMetrics(10_000));

describe('client metrics (pure)', () => {
  it('should take latency from pong round trips: smoothed, p50 and p99', () => {
    const state = fold([
      [1010, pong(0, 1000)],
      [2030, pong(1, 2000)],
      [3020, pong(2, 3000)],
    ]);
    const { latency } = metricsSnapshot(state, 3020);
    expect(latency).to.deep.equal({
      smoothedMs: 10 + (30 - 10) / 8 + (20 - 12.5) / 8,
      p50Ms: 20,
      p99Ms: 30,
      samples: 3,
    });
  });

  it('should count missed ticks and unanswered pings as loss over the window', () => {
    const state = fold([
      [100, delta(1)],
      [150, delta(2)],
      [300, delta(5)], // ticks 3 and 4 missed
      [400, pong(0, 390)],
      [500, pong(2, 490)], // ping 1 unanswered
    ]);
    const snapshot = metricsSnapshot(state, 500);
    expect(snapshot.packetLoss).to.equal(3 / (3 + 2 + 2 + 1));
    expect(snapshot.stateUpdates.total).to.equal(3);
    // Eleven seconds later the window has moved past them.
    expect(metricsSnapshot(state, 11_500).packetLoss).to.equal(0);
  });

  it('should measure wire bytes per second in and out over the time covered', () => {
    const state = fold([
      [0, { type: 'wire', direction: 'in', bytes: 1000 }],
      [1500, { type: 'wire', direction: 'in', bytes: 1000 }],
      [1600, { type: 'wire', direction: 'out', bytes: 300 }],
    ]);
    expect(metricsSnapshot(state, 2000).bandwidthUsage).to.deep.equal({
      inBytesPerSec: 1000,
      outBytesPerSec: 150,
    });
  });

  it('should count sync errors by type, reconnects, failovers and the last failover time', () => {
    const server = { kind: 'p2p', id: 'h', url: 'ws://h' } as const;
    const error = { code: 'ERR_CONNECTION_CLOSED' } as never;
    const state = fold([
      [0, { type: 'sync_error', error: { type: 'DESYNC' } }],
      [0, { type: 'sync_error', error: { type: 'CONFLICT' } }],
      [0, { type: 'sync_error', error: { type: 'DESYNC' } }],
      [0, { type: 'retrying', server, attempt: 1, error }],
      [0, { type: 'failing-over', reason: 'moved', error: null, from: server, to: null }],
      [0, { type: 'restored', ms: 240 }],
    ]);
    expect(metricsSnapshot(state, 0)).to.deep.include({
      syncErrors: { DESYNC: 2, TIMEOUT: 0, CONFLICT: 1 },
      reconnects: 1,
      failovers: 1,
      lastFailoverMs: 240,
    });
  });

  it('should raise the latency alarm only after MaxLatencyMS is exceeded for the sustained window', () => {
    const limit = { maxLatencyMs: 200, sustainMs: 5000 };
    const over = updateLatencyAlarm({ overSince: null, raised: false }, 250, 1000, limit);
    expect(over).to.deep.equal({ overSince: 1000, raised: false });
    expect(updateLatencyAlarm(over, 260, 6000, limit).raised).to.equal(true);
    expect(updateLatencyAlarm(over, 120, 6000, limit)).to.deep.equal({ overSince: null, raised: false });
  });
});
