import { type SystemCluster, type SystemClusterOptions, startSystemCluster } from './cluster.js';

/** The two-host layout every fault spec starts from: forest on host-1, desert on host-2, three clients each. */
export const TWO_HOSTS: SystemClusterOptions = {
  hosts: { 'host-1': ['forest'], 'host-2': ['desert'] },
  clients: { forest: 3, desert: 3 },
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const LINES = 60;

/** What a failed spec leaves to read: each process's event lines (PEMs cut) and stderr tail, the clients' states. */
const diagnose = async (cluster: SystemCluster): Promise<string> => {
  const cut = (line: string) =>
    line.replace(/-----BEGIN[^"]*END [A-Z ]+-----(\\r)?(\\n)?/g, '…').slice(0, 300);
  const parts = [
    ['coordinator', cluster.coordinator] as const,
    ...[...cluster.servers].map(([id, p]) => [id, p] as const),
  ].map(
    ([name, p]) =>
      `--- ${name} (pid ${p.pid}${p.running ? '' : ', exited'}), last ${LINES} lines\n` +
      `${p.lines.slice(-LINES).map(cut).join('\n')}\n${p.stderr.slice(-2000)}`,
  );
  const clients = await cluster.fleet.report().catch(() => []);
  for (const c of clients)
    parts.push(`--- ${c.player} (${c.map}): ${c.states.join(' → ')}; sync errors ${c.syncErrors.length}`);
  return parts.join('\n');
};

/**
 * Mocha hooks for a spec file: a fresh lab and cluster before each spec, torn down after it whatever happened
 * (processes killed by pid, namespaces deleted); a failed spec prints what every process said. Returns a getter.
 */
export const useCluster = (options: SystemClusterOptions = TWO_HOSTS): (() => SystemCluster) => {
  let cluster: SystemCluster | undefined;
  beforeEach(async function () {
    this.timeout(60_000);
    cluster = await startSystemCluster(options);
  });
  afterEach(async function () {
    this.timeout(30_000);
    const current = cluster;
    cluster = undefined;
    if (current === undefined) return;
    try {
      if (this.currentTest?.state === 'failed') console.log(await diagnose(current));
    } finally {
      await current.teardown();
    }
  });
  return () => {
    if (cluster === undefined) throw new Error('no cluster: useCluster() starts one before each spec');
    return cluster;
  };
};

/** Lets every client play `ticks` more ticks (20 make a signed checkpoint with the system config). */
export const playFor = async (cluster: SystemCluster, ticks: number): Promise<void> => {
  const from = new Map((await cluster.fleet.report()).map((c) => [c.player, c.tick ?? 0]));
  await cluster.fleet.until(
    (clients) => clients.every((c) => (c.tick ?? 0) >= (from.get(c.player) ?? 0) + ticks),
    (ticks / 20) * 1000 + 10_000,
    `${ticks} ticks of play`,
  );
};
