import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Subject, of } from 'rxjs';
import { WebSocketServer } from 'ws';
import { exportPKCS8 } from 'jose';
import { defaultConfig } from '../config/load-config.js';
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, issueLocalHostIdentity } from '../lib/crypto/pki.js';
import { generateTicketKeys } from '../lib/crypto/tickets.js';
import { DEFAULT_RULES } from '../lib/world/world.js';
import type { MapHostEvent } from '../streams/host/map-host.js';
import { type RestoreEvent, playerGraceMs } from '../streams/host/map-router.js';
import { type SessionServerEvent, sessionServer$ } from '../streams/host/session-server.js';
import { sessionSettings } from '../streams/session/settings.js';

/**
 * The host side of `npm run bench -- host`, run as its own process (pinned to one core by the orchestrator).
 * Mode `warp`: the real session server with a 200-entity map, 10% of entities moving per tick, 20 Hz.
 * Mode `raw`: a bare ws server sending `rawBytes` to every client every tick (no crypto, no delta), the reference.
 * Reads commands on stdin (`measure MS`), prints one JSON line per result on stdout.
 */
const [mode = 'warp', secretsPath = '/tmp/warp-bench-secrets.json', rawBytesText = '250'] =
  process.argv.slice(2);
const TICK_MS = 50;
// The system clock, as the host's scheduler uses (performance.timeOrigin + now() drifts from it by ms a minute).
const wall = () => Date.now();
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

// Tick lateness: when each tick ran (its world stepped, before its sends) against its own slot, tick N at
// start + N · 50 ms (the map's tick clock aims every tick at its slot, so a late tick is late on its own account
// and the next one is back on time). A tick whose sends overrun the slot makes the next one late.
const ticks: number[] = [];
let scheduleStart = 0;
let measuring = false;
const recordTick = (tick: number) => {
  if (measuring) ticks.push(wall() - (scheduleStart + tick * TICK_MS));
};

/**
 * Memory once garbage is collected (the process runs with --expose-gc), so the figures are live memory; with
 * the young generation's resident size, which V8 grows under load to its cap (2 × 16 MiB) whatever the N.
 */
const memoryAfterGc = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  const youngGeneration =
    getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
  return { rss, heapUsed, external, youngGeneration };
};

// GC pauses in the measurement window: what makes a tick late without the host being busy.
const gcPauses: number[] = [];
new PerformanceObserver((list) => {
  if (measuring) for (const entry of list.getEntries()) gcPauses.push(entry.duration);
}).observe({ entryTypes: ['gc'] });

let bytesSent = 0;
let updatesSent = 0;

/** WARP_BENCH_PROFILE=DIR: a V8 CPU profile of each measurement window (open it in Chrome DevTools). */
const profileDir = process.env['WARP_BENCH_PROFILE'];
const profiler = profileDir === undefined ? null : new inspector.Session();
profiler?.connect();
const startProfile = () => {
  profiler?.post('Profiler.enable', () => profiler.post('Profiler.start'));
};
const stopProfile = (clients: number) => {
  profiler?.post('Profiler.stop', (error, result) => {
    if (error === null)
      writeFileSync(`${profileDir}/host-${mode}-${clients}.cpuprofile`, JSON.stringify(result.profile));
  });
};

const measure = (ms: number, clients: () => number) => {
  startProfile();
  ticks.length = 0;
  gcPauses.length = 0;
  measuring = true;
  // Bots time delivery against the same schedule: the map's world tick N is due at start + N · 50 ms.
  print({ event: 'tick-ref', tick: 0, at: scheduleStart });
  const cpu0 = process.cpuUsage();
  const bytes0 = bytesSent;
  const updates0 = updatesSent;
  const t0 = wall();
  setTimeout(() => {
    const cpu = process.cpuUsage(cpu0);
    measuring = false;
    stopProfile(clients());
    const seconds = (wall() - t0) / 1000;
    const sorted = [...ticks].sort((a, b) => a - b);
    const updates = updatesSent - updates0;
    print({
      event: 'measured',
      clients: clients(),
      seconds,
      cpuMicros: cpu.user + cpu.system,
      updates,
      cpuPerUpdateMicros: updates === 0 ? null : (cpu.user + cpu.system) / updates,
      gcPauseMaxMs: Math.max(0, ...gcPauses),
      tickLatenessP50: sorted[Math.floor(sorted.length * 0.5)] ?? 0,
      tickLatenessP99: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
      rawBytesPerClientPerSecond: clients() === 0 ? 0 : (bytesSent - bytes0) / clients() / seconds,
    });
  }, ms);
};

const listenForCommands = (clients: () => number) => {
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      const [command, arg] = line.trim().split(' ');
      if (command === 'measure') measure(Number(arg), clients);
      if (command === 'rss') print({ event: 'rss', ...memoryAfterGc() });
      if (command === 'exit') process.exit(0);
    }
  });
};

if (mode === 'raw') {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const payload = Buffer.alloc(Number(rawBytesText), 7);
  server.on('listening', () => {
    print({ event: 'listening', url: `ws://127.0.0.1:${(server.address() as { port: number }).port}` });
    scheduleStart = wall();
    let tick = 0;
    setInterval(() => {
      recordTick((tick += 1));
      for (const client of server.clients) {
        client.send(payload);
        bytesSent += payload.length;
        updatesSent += 1;
      }
    }, TICK_MS);
  });
  listenForCommands(() => server.clients.size);
} else {
  const now = Date.now();
  const ca = createCertificateAuthority('bench CA', 3600, now);
  const host = issueLocalHostIdentity(ca, 'host-1', 3600, now);
  const ticketKeys = await generateTicketKeys();
  writeFileSync(
    secretsPath,
    JSON.stringify({ ca: ca.certificatePem, ticketKey: await exportPKCS8(ticketKeys.privateKey) }),
  );
  let clients = 0;
  const events$ = new Subject<SessionServerEvent>();
  const mapEvents = new Subject<{ map: string; event: MapHostEvent | RestoreEvent }>();
  mapEvents.subscribe(({ event }) => {
    if (event.type === 'started') scheduleStart = wall();
    if (event.type !== 'ticked') return;
    recordTick(event.world.tick);
    for (const { message } of event.out) if (message.kind === 'delta') updatesSent += 1;
  });
  events$.subscribe((event) => {
    if (event.event === 'listening') print(event);
    if (event.event === 'session.established') clients += 1;
    if (event.event === 'session.closed' && event.established) clients -= 1;
  });
  const settings = sessionSettings(defaultConfig);
  sessionServer$({
    hostId: 'host-1',
    listen: { host: '127.0.0.1', port: 0 },
    settings,
    credentials: () => ({
      certificatePem: host.certificatePem,
      privateKeyPem: host.keys.privateKeyPem,
      ticketPublicKey: ticketKeys.publicKey,
      ca: new X509Certificate(ca.certificatePem),
    }),
    leases$: of(new Map([['bench', 1]])),
    world: {
      rules: { ...DEFAULT_RULES, npcCount: 200, npcStride: 10 },
      updateIntervalMs: TICK_MS,
      hashEvery: defaultConfig.P2P_SYNC.HashIntervalTicks,
      checkpointEvery: defaultConfig.P2P_SYNC.CheckpointIntervalTicks,
      historyTicks: defaultConfig.P2P_SYNC.SnapshotRingSize,
      congestedBytes: defaultConfig.P2P_LIMITS.CongestedBytes,
      maxBacklogBytes: defaultConfig.P2P_LIMITS.MaxBacklogBytes,
      maxUnackedTicks: defaultConfig.P2P_LIMITS.MaxUnackedTicks,
      playerGraceMs: playerGraceMs(defaultConfig),
    },
    // The host bench connects a thousand bots from one address at once; the abuse bench keeps the shipped cap.
    maxPendingHandshakes:
      process.env['WARP_BENCH_SHIPPED_LIMITS'] === '1'
        ? defaultConfig.P2P_LIMITS.MaxPendingHandshakes
        : 100_000,
    mapEvents,
  }).subscribe(events$);
  listenForCommands(() => clients);
}
