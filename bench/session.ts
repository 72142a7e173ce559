import { either } from 'fp-ts';
import { filter, firstValueFrom } from 'rxjs';
import { loadConfig } from '../config/load-config.js';
import { createP2PClient } from '../streams/client/client.js';
import { startCluster } from '../streams/demo/local-cluster.js';

/**
 * `npm run bench -- session`: the seed's performance tests. One client plays a busy map (200 entities, a tenth
 * of them moving each tick, 20 Hz) on a P2P host for 60 s, moving every 100 ms. Coordinator, host and VPS are
 * real processes; the client runs here. Reports latency over the newest 100 pings (one every 600 ms) and the
 * average wire bandwidth (in + out). Targets from the seed: latency < MaxLatencyMS (200), bandwidth < 1 MiB/s; a
 * clean session has no sync error (the JSON line's `syncErrors`, all types summed).
 */
const DURATION_MS = 60_000;
const PING_MS = 600;
const CONFIG_TEXT = `[P2P_WORLD]
NpcCount=200
NpcStride=10
`;

export const runSessionBench = async (): Promise<Record<string, number | string>> => {
  const loaded = loadConfig({ text: CONFIG_TEXT });
  if (either.isLeft(loaded)) throw loaded.left;
  const cluster = await startCluster({
    hosts: { 'host-1': ['arena'] },
    players: [],
    allowGuests: true,
    configText: CONFIG_TEXT,
  });
  const client = createP2PClient(
    { coordinatorUrl: cluster.url, player: 'bench', config: loaded.right, pingIntervalMs: PING_MS },
    {},
  );
  let bytes = 0;
  const counting = client.metrics$.subscribe(); // keeps the metrics clock running
  try {
    client.loadMap('arena');
    await firstValueFrom(client.state$.pipe(filter((s) => s.state === 'CONNECTED')));
    const entities = (await firstValueFrom(client.world$)).entities.size;
    const mover = setInterval(() => client.move(1, 0), 100);
    const before = JSON.parse(client.command('/p2p metrics')) as { stateUpdates: { total: number } };
    const t0 = performance.now();
    const bandwidth = client.metrics$.subscribe((m) => {
      bytes += m.bandwidthUsage.inBytesPerSec + m.bandwidthUsage.outBytesPerSec;
    });
    await new Promise((resolve) => setTimeout(resolve, DURATION_MS));
    clearInterval(mover);
    bandwidth.unsubscribe();
    const seconds = (performance.now() - t0) / 1000;
    const metrics = JSON.parse(client.command('/p2p metrics')) as {
      latency: { p50Ms: number; p99Ms: number; samples: number; smoothedMs: number };
      stateUpdates: { total: number };
      packetLoss: number;
      syncErrors: Record<string, number>;
    };
    // Each metrics sample is the rate over the last 10 s; their mean over the run is the average rate.
    const bandwidthBytesPerSec = Math.round(bytes / Math.round(seconds));
    const updates = metrics.stateUpdates.total - before.stateUpdates.total;
    console.log(
      `session: ${entities} entities, ${seconds.toFixed(1)} s, ${updates} state updates (${(updates / seconds).toFixed(1)}/s)`,
    );
    console.log(
      `  latency over ${metrics.latency.samples} pings: p50 ${metrics.latency.p50Ms} ms, p99 ${metrics.latency.p99Ms} ms, smoothed ${metrics.latency.smoothedMs.toFixed(2)} ms (target < 200)`,
    );
    console.log(`  bandwidth: ${bandwidthBytesPerSec} bytes/s in + out (target < 1048576)`);
    console.log(
      `  packet loss ${(metrics.packetLoss * 100).toFixed(2)}%, sync errors ${JSON.stringify(metrics.syncErrors)}`,
    );
    return {
      bench: 'session',
      latencyP99Ms: metrics.latency.p99Ms,
      latencyP50Ms: metrics.latency.p50Ms,
      pings: metrics.latency.samples,
      bandwidthBytesPerSec,
      updatesPerSec: Number((updates / seconds).toFixed(1)),
      syncErrors: Object.values(metrics.syncErrors).reduce((sum, n) => sum + n, 0),
    };
  } finally {
    counting.unsubscribe();
    client.disconnect();
    await cluster.stop();
  }
};
