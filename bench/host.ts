import { aeadImplementation } from '../lib/crypto/native-aes-gcm.js';
import { type Proc, start } from './bench-process.js';

/**
 * `npm run bench -- host` (issue 4): one host process pinned to core 0, bots in another process pinned to core
 * 1; a 200-entity map with 10% of entities moving per tick, 20 Hz; N clients. Per N: host CPU per client
 * update, tick lateness p99, delivery latency p99, bytes per client per second, RSS per client, bot CPU; and
 * the same N over raw ws (same bytes, no crypto, no delta) as the CPU reference.
 */
const SIZES = (process.env['WARP_BENCH_CLIENTS'] ?? '250,500,1000,2000').split(',').map(Number);
// 200 ticks: a p99 over fewer is just the slowest tick.
const WINDOW_MS = 10_000;
interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly youngGeneration: number;
}
// A host in play holds its RSS steady within about 2 MB from some 20 s after its last connection (a 5-minute run
// at 1000 clients); an idle one gives native memory back some 5-20 s after it starts.
const IDLE_SETTLE_MS = 15_000;
const PLAY_SETTLE_MS = 20_000;
const AFTER_FORCED_GC_MS = 3000;
const settledMemory = async (host: Proc, settleMs: number): Promise<Memory> => {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  host.send('rss');
  return (await host.next('rss')) as unknown as Memory;
};

const run = async (
  mode: 'warp' | 'raw',
  clients: number,
  rawBytes: number,
): Promise<Record<string, number> | null> => {
  const host = start(0, './host-process.ts', [
    mode,
    '/tmp/warp-bench-secrets.json',
    String(Math.max(1, Math.round(rawBytes))),
  ]);
  let bots: Proc | null = null;
  try {
    const { url } = (await host.next('listening')) as { url: string };
    // Memory per client is what N clients in play add to the same host before its first connection, over N:
    // one-time costs (code compiled for the first connections, memory a burst of handshakes leaves) included,
    // so an upper bound. RSS still moves by about 10 MB with when Node hands native memory back to the system
    // (the idle host's, some 5-20 s after it starts): about 40 KiB per client at N = 250, 10 KiB at N = 1000.
    // A slope from half the clients to all of them was worse (-43 to +88 KiB per client between runs). The JS
    // heap figure is the steady one.
    const before = await settledMemory(host, IDLE_SETTLE_MS);
    bots = start(1, './bot-process.ts', [mode, url, String(clients)]);
    await bots.next('ready', 120_000);
    const full = await settledMemory(host, PLAY_SETTLE_MS);
    // The forced GC behind that figure stalls the host and moves V8's next full collection: one run had another
    // a second later. The window starts once that has passed; a host in service never forces one.
    await new Promise((resolve) => setTimeout(resolve, AFTER_FORCED_GC_MS));
    host.send(`measure ${WINDOW_MS}`);
    if (mode === 'warp') {
      const { tick, at } = (await host.next('tick-ref')) as { tick: number; at: number };
      bots.send(`tick-ref ${tick}:${at}`);
    }
    bots.send(`measure ${WINDOW_MS}`);
    const [hostFigures, botFigures] = await Promise.all([host.next('measured'), bots.next('measured')]);
    return {
      ...hostFigures,
      ...botFigures,
      ...full,
      beforeRss: before.rss,
      beforeHeapUsed: before.heapUsed,
      beforeExternal: before.external,
      beforeYoungGeneration: before.youngGeneration,
    };
  } catch (error) {
    // A host too saturated to admit every bot in time: that N is past what it can serve.
    console.log(`  N=${clients} ${mode}: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  } finally {
    await Promise.all([host.stop(), bots?.stop()]);
  }
};

const BEFORE_CLIENTS = {
  rss: 'beforeRss',
  heapUsed: 'beforeHeapUsed',
  external: 'beforeExternal',
  youngGeneration: 'beforeYoungGeneration',
} as const;

/** What the clients add to a memory figure (after a forced GC) over the host before them. */
const added = (figures: Record<string, number>, key: keyof typeof BEFORE_CLIENTS) =>
  (figures[key] ?? 0) - (figures[BEFORE_CLIENTS[key]] ?? 0);

const perClient = (figures: Record<string, number>, key: keyof typeof BEFORE_CLIENTS) =>
  added(figures, key) / (figures['clients'] ?? 1);

/**
 * RSS per client without the young generation's growth: V8 grows it under load up to its cap (32 MiB) at any N
 * (at N = 250 that alone is 128 KiB per client). The growth is printed beside the figure.
 */
const rssPerClientOf = (figures: Record<string, number>) =>
  perClient(figures, 'rss') - perClient(figures, 'youngGeneration');

export const runHostBench = async (): Promise<Record<string, number | string>> => {
  // The host process loads the same module under the same environment.
  const result: Record<string, number | string> = { bench: 'host', aead: aeadImplementation };
  let maxClients20Hz = 0;
  console.log(`frames sealed and opened with: ${aeadImplementation}`);
  console.log(
    'N      cpu/update  raw cpu/update  ratio  tick p50  tick p99  delivery p99  bytes/client/s  rss/client  bot cpu',
  );
  for (const n of SIZES) {
    const warp = await run('warp', n, 0);
    if (warp === null) break;
    const raw = (await run('raw', n, (warp['bytesPerClientPerSecond'] ?? 0) / 20)) ?? {};
    const ratio = (warp['cpuPerUpdateMicros'] ?? 0) / (raw['cpuPerUpdateMicros'] ?? 1);
    const expected = n * (WINDOW_MS / 50);
    const delivered = (warp['received'] ?? 0) >= expected * 0.97;
    const rssPerClient = rssPerClientOf(warp);
    if ((warp['tickLatenessP99'] ?? Infinity) < 10 && delivered) maxClients20Hz = n;
    console.log(
      [
        String(n).padEnd(6),
        `${(warp['cpuPerUpdateMicros'] ?? 0).toFixed(1)} µs`.padStart(10),
        `${(raw['cpuPerUpdateMicros'] ?? 0).toFixed(1)} µs`.padStart(14),
        ratio.toFixed(2).padStart(6),
        `${(warp['tickLatenessP50'] ?? 0).toFixed(1)} ms`.padStart(9),
        `${(warp['tickLatenessP99'] ?? 0).toFixed(1)} ms`.padStart(9),
        `${(warp['deliveryP99'] ?? 0).toFixed(1)} ms`.padStart(13),
        Math.round(warp['bytesPerClientPerSecond'] ?? 0)
          .toString()
          .padStart(15),
        `${(rssPerClient / 1024).toFixed(1)} KiB`.padStart(11),
        `${((warp['botCpuShare'] ?? 0) * 100).toFixed(0)}%`.padStart(8),
        delivered ? '' : `  (delivered ${warp['received']} of ${expected})`,
      ].join(' '),
    );
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    const youngGrowth = (figures: Record<string, number>) =>
      `${(added(figures, 'youngGeneration') / 2 ** 20).toFixed(1)} MiB`;
    console.log(
      `       memory/client: rss ${kib(rssPerClient)} (raw ws ${kib(rssPerClientOf(raw))}; young generation grew ` +
        `${youngGrowth(warp)}, raw ${youngGrowth(raw)}, not counted), ` +
        `JS heap ${kib(perClient(warp, 'heapUsed'))} (raw ${kib(perClient(raw, 'heapUsed'))}), ` +
        `external ${kib(perClient(warp, 'external'))} (raw ${kib(perClient(raw, 'external'))})`,
    );
    result[`cpuPerUpdate${n}`] = Number((warp['cpuPerUpdateMicros'] ?? 0).toFixed(2));
    result[`tickP99_${n}`] = Number((warp['tickLatenessP99'] ?? 0).toFixed(2));
    result[`gcPauseMaxMs${n}`] = Number((warp['gcPauseMaxMs'] ?? 0).toFixed(1));
    result[`deliveryP99_${n}`] = Number((warp['deliveryP99'] ?? 0).toFixed(2));
    result[`rssPerClientKiB${n}`] = Number((rssPerClient / 1024).toFixed(1));
    if (n === 1000) {
      result['cpuRatio1000'] = Number(ratio.toFixed(2));
      result['bytesPerClient1000'] = Math.round(warp['bytesPerClientPerSecond'] ?? 0);
    }
  }
  result['maxClients20Hz'] = maxClients20Hz;
  return result;
};
