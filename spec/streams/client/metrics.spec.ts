import { expect } from 'chai';
import { p2pError } from '../../../lib/errors.js';
import type { LinkEvent, Server } from '../../../streams/client/connection-state.js';
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
const fold = (events: readonly (readonly [number, MetricEvent])[], tickMs?: number) =>
  events.reduce(
    (state, [now, event]) => reduceMetrics(state, event, now),
    tickMs === undefined ? emptyMetrics(10_000) : emptyMetrics(10_000, tickMs),
  );
/** Deltas for ticks `from` … `to`, tick t arriving at `at(t)`. */
const deltas = (from: number, to: number, at: (tick: number) => number) =>
  Array.from({ length: to - from + 1 }, (_, i): readonly [number, MetricEvent] => [
    at(from + i),
    delta(from + i),
  ]);
const host: Server = { kind: 'p2p', id: 'h', url: 'ws://h' };
const vps: Server = { kind: 'vps', id: 'v', url: 'ws://v' };

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

  describe('with updates over TCP, where loss shows as delay', () => {
    it('should show no loss, no stall and no jitter when updates arrive one tick apart', () => {
      const snapshot = metricsSnapshot(fold(deltas(1, 100, (t) => t * 50)), 5000);
      expect(snapshot).to.deep.include({ packetLoss: 0, updateJitterMs: 0, stallMs: 0, longestStallMs: 0 });
    });

    it('should count updates held back by a 600 ms retransmission gap as late, as stall and as jitter', () => {
      const state = fold([
        ...deltas(1, 10, (t) => t * 50),
        // A lost segment: nothing for 600 ms, then ticks 11-22 at once, then on schedule again.
        ...deltas(11, 22, () => 1100),
        ...deltas(23, 40, (t) => t * 50),
      ]);
      const snapshot = metricsSnapshot(state, 2000);
      // Ticks 11-20 came more than a tick after their slots (550 … 1000 ms); 21 and 22 within one.
      expect(snapshot.packetLoss).to.equal(10 / 40);
      // The 600 ms gap less the two tick intervals that are ordinary.
      expect(snapshot).to.deep.include({ stallMs: 500, longestStallMs: 500 });
      expect(snapshot.updateJitterMs).to.be.greaterThan(10);
      expect(snapshot.stateUpdates.total).to.equal(40);
      // After eleven more seconds on schedule the window has moved past the gap, and the jitter has decayed.
      const later = metricsSnapshot(
        deltas(41, 260, (t) => t * 50).reduce((s, [now, event]) => reduceMetrics(s, event, now), state),
        13_000,
      );
      expect(later).to.deep.include({ packetLoss: 0, stallMs: 0, longestStallMs: 0 });
      expect(later.updateJitterMs).to.be.lessThan(0.01);
    });

    it('should count a tick the host skipped as missed, not also as late', () => {
      // Ticks 3-6 never sent (a congested client): 7 arrives in its own slot.
      const state = fold([...deltas(1, 2, (t) => t * 50), [350, delta(7)]]);
      expect(metricsSnapshot(state, 350).packetLoss).to.equal(4 / (3 + 4));
    });

    it('should count at most one gap of late updates when latency rises for good', () => {
      // From tick 11 every update comes 200 ms later than before: that is latency, not loss.
      const state = fold([...deltas(1, 10, (t) => t * 50), ...deltas(11, 40, (t) => t * 50 + 200)]);
      // ⌈250 / 50⌉ − 2 = 3 slots passed by more than a tick during the 250 ms gap: ticks 11-13.
      expect(metricsSnapshot(state, 2200).packetLoss).to.equal(3 / 40);
    });

    it('should show a stall under way, and end it when the link drops', () => {
      const state = fold(deltas(1, 10, (t) => t * 50));
      expect(metricsSnapshot(state, 1000)).to.deep.include({ stallMs: 400, longestStallMs: 400 });
      const dropped = reduceMetrics(
        state,
        { type: 'retrying', server: host, attempt: 1, error: p2pError('ERR_HEARTBEAT_TIMEOUT', 'timeout') },
        1500,
      );
      // Not connected after the drop, so the stall stops growing; a new connection starts its timing afresh.
      expect(metricsSnapshot(dropped, 3000)).to.deep.include({ stallMs: 900, longestStallMs: 900 });
      const events: [number, MetricEvent][] = [
        [3000, { type: 'established', hostId: 'h', player: null, certificate: null }],
        [3400, delta(70)],
        [3450, delta(71)],
      ];
      const reconnected = events.reduce((s, [now, event]) => reduceMetrics(s, event, now), dropped);
      expect(metricsSnapshot(reconnected, 3450)).to.deep.include({ stallMs: 900, packetLoss: 0 });
    });

    it('should measure slots and stalls in the tick interval it is given', () => {
      const every100 = deltas(1, 20, (t) => t * 100);
      expect(metricsSnapshot(fold(every100, 100), 2000)).to.deep.include({ updateJitterMs: 0, stallMs: 0 });
      const gap = [...deltas(1, 5, (t) => t * 100), [800, delta(6)] as const];
      expect(metricsSnapshot(fold(gap, 100), 800)).to.deep.include({ stallMs: 100, packetLoss: 1 / 6 });
      expect(metricsSnapshot(fold(gap), 800)).to.deep.include({ stallMs: 200 });
    });
  });

  it('should count reconnect and failover causes by error code, or by reason without one', () => {
    const timeout = p2pError('ERR_HEARTBEAT_TIMEOUT', 'timeout');
    const state = fold([
      [0, { type: 'retrying', server: host, attempt: 1, error: timeout }],
      [0, { type: 'retrying', server: host, attempt: 2, error: timeout }],
      [0, { type: 'failing-over', reason: 'error', error: timeout, from: host, to: vps }],
      [
        0,
        {
          type: 'back-to-host',
          server: host,
          attempt: 1,
          error: p2pError('ERR_CONNECTION_CLOSED', 'closed'),
        },
      ],
      [0, { type: 'failing-over', reason: 'moved', error: null, from: host, to: vps }],
    ]);
    expect(metricsSnapshot(state, 0)).to.deep.include({
      reconnects: 3,
      failovers: 2,
      reconnectCauses: { ERR_HEARTBEAT_TIMEOUT: 3, ERR_CONNECTION_CLOSED: 1, moved: 1 },
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
