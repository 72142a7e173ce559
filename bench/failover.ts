import { either } from 'fp-ts';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { type Cluster, startCluster } from '../streams/demo/local-cluster.js';
import { TrackedClient } from '../streams/demo/tracked-client.js';

/**
 * `npm run bench -- failover`: 100 clients on one map of a P2P host, each moving every 100 ms; the host process
 * is killed (SIGKILL), then in a second round another host is frozen (SIGSTOP). Per round: from the signal to
 * each client CONNECTED on the VPS with its restored world (its `restored` event), p50 / p95 / max, and the
 * inputs lost: every move a client made, acknowledged or not, must be in effect on the VPS afterwards.
 * Coordinator, hosts and VPS are real processes with the shipped configuration; the clients run here.
 * Targets: p95KillMs ≤ 1000, p95StopMs ≤ TimeoutMS + 1000, lostInputs = 0.
 */
const CLIENTS = 100;
// Only the per-address limits are lifted (logins, handshakes in flight): every bench client is on 127.0.0.1.
const CONFIG_TEXT = `[P2P_COORDINATOR]
LoginRateLimit=100000
[P2P_LIMITS]
MaxPendingHandshakes=1000
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (check: () => boolean, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`failover bench: ${what} not reached within ${ms} ms`);
    await sleep(20);
  }
};

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;

const round = async (
  cluster: Cluster,
  config: Config,
  map: string,
  hostId: string,
  signal: NodeJS.Signals,
) => {
  const clients = Array.from(
    { length: CLIENTS },
    (_, n) => new TrackedClient({ coordinatorUrl: cluster.url, player: `${map}-${n}`, config }),
  );
  let mover: NodeJS.Timeout | undefined;
  try {
    clients.forEach((c) => c.client.loadMap(map));
    const onHost = () => clients.every((c) => c.status?.state === 'CONNECTED' && c.position() !== null);
    await until(onHost, 60_000, `${CLIENTS} clients on ${hostId}`);
    clients.forEach((c) => c.markStart());
    mover = setInterval(() => clients.forEach((c) => c.move(1, 0)), 100);
    // A signed checkpoint every CheckpointIntervalTicks: play past one before the host goes.
    const firstTick = Math.max(...clients.map((c) => c.world?.tick ?? 0));
    await until(
      () =>
        clients.every((c) => (c.world?.tick ?? 0) > firstTick + config.P2P_SYNC.CheckpointIntervalTicks + 10),
      60_000,
      'a checkpoint',
    );

    const signalledAt = Date.now();
    cluster.hosts.get(hostId)?.child.kill(signal);
    const restored = () => clients.every((c) => c.status?.server?.kind === 'vps' && c.restoredAt !== null);
    await until(restored, 60_000, `${CLIENTS} clients restored on the VPS`).catch((error: unknown) => {
      const states = new Map<string, number>();
      for (const c of clients) {
        const key = `${c.status?.state} ${c.status?.server?.id} restored=${c.restoredAt !== null}`;
        states.set(key, (states.get(key) ?? 0) + 1);
      }
      console.error(states);
      throw error;
    });
    clearInterval(mover);
    // Settle: every move made, before, during or after the failover, has reached the VPS and come back.
    const missing = () => clients.reduce((lost, c) => lost + c.missing(), 0);
    await until(() => missing() === 0, 5000, 'every input in effect').catch(() => undefined);
    const times = clients.map((c) => (c.restoredAt ?? Number.NaN) - signalledAt).sort((a, b) => a - b);
    const figures = {
      p50: Math.round(percentile(times, 0.5)),
      p95: Math.round(percentile(times, 0.95)),
      max: Math.round(times.at(-1) ?? Number.NaN),
      lostInputs: Math.round(missing()),
      moves: clients.reduce((sum, c) => sum + c.moved.count, 0),
    };
    console.log(
      `failover ${signal}: ${CLIENTS} clients, signal → CONNECTED on the VPS with the restored world: p50 ${figures.p50} ms, p95 ${figures.p95} ms, max ${figures.max} ms; inputs lost ${figures.lostInputs} of ${figures.moves}`,
    );
    return figures;
  } finally {
    clearInterval(mover);
    clients.forEach((c) => c.client.disconnect());
  }
};

export const runFailoverBench = async (): Promise<Record<string, number | string>> => {
  const loaded = loadConfig({ text: CONFIG_TEXT });
  if (either.isLeft(loaded)) throw loaded.left;
  const config = loaded.right;
  const cluster = await startCluster({
    hosts: { 'host-1': ['forest'], 'host-2': ['desert'] },
    players: [],
    allowGuests: true,
    configText: CONFIG_TEXT,
    hostCapacity: 2 * CLIENTS,
  });
  try {
    const kill = await round(cluster, config, 'forest', 'host-1', 'SIGKILL');
    const stop = await round(cluster, config, 'desert', 'host-2', 'SIGSTOP');
    console.log(
      `targets: p95KillMs ≤ 1000, p95StopMs ≤ ${config.P2P_NETWORK.TimeoutMS + 1000} (TimeoutMS + 1000), lostInputs = 0`,
    );
    return {
      bench: 'failover',
      p95KillMs: kill.p95,
      p95StopMs: stop.p95,
      lostInputs: kill.lostInputs + stop.lostInputs,
      p50KillMs: kill.p50,
      maxKillMs: kill.max,
      p50StopMs: stop.p50,
      maxStopMs: stop.max,
    };
  } finally {
    await cluster.stop();
  }
};
