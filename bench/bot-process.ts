import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tap } from 'rxjs';
import { WebSocket } from 'ws';
import { defaultConfig } from '../config/load-config.js';
import { issueTicket } from '../lib/crypto/tickets.js';
import { isAckTick } from '../lib/sync/sync-state.js';
import type { Duplex } from '../streams/session/duplex.js';
import { clientHandshake } from '../streams/session/handshake.js';
import { sessionSettings } from '../streams/session/settings.js';
import { connectWebSocket } from '../streams/session/ws-duplex.js';
import { leanClient } from './lean-client.js';

/**
 * The bot side of `npm run bench -- host`, its own process on the other core. Mode `warp`: N clients with the
 * real handshake and channel crypto that read only each delta's tick (lean-client.ts) and ack as a client does.
 * Mode `raw`: N bare ws clients that only count bytes.
 * Commands on stdin: `tick-ref TICK:AT`, `measure MS`. Prints JSON lines.
 */
const [mode = 'warp', url = '', countText = '10', secretsPath = '/tmp/warp-bench-secrets.json'] =
  process.argv.slice(2);
const count = Number(countText);
const TICK_MS = 50;
// The system clock, as the host's scheduler uses (performance.timeOrigin + now() drifts from it by ms a minute).
const wall = () => Date.now();
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

let reference: { tick: number; at: number } | null = null;
let latencies: number[] = [];
let received = 0;
let bytes = 0;
let connected = 0;

/** Delivery latency: how long after its slot (the host's tick N is due at reference.at + N · 50 ms) it arrived. */
const onTick = (tick: number) => {
  if (reference !== null && tick > reference.tick) {
    latencies.push(wall() - (reference.at + (tick - reference.tick) * TICK_MS));
  }
};

const connectWarp = () => {
  const secrets = JSON.parse(readFileSync(secretsPath, 'utf8')) as { ca: string; ticketKey: string };
  const ca = new X509Certificate(secrets.ca);
  const ticketKey = createPrivateKey(secrets.ticketKey);
  const settings = sessionSettings(defaultConfig);
  // The channel's default keepalive: a client pings on this clock.
  const keepaliveMs = Math.max(1, Math.floor(settings.timeoutMs / 4));
  const connect = async (player: string, ticket: string) => {
    // Subscribed for good: unsubscribing from connectWebSocket closes the socket.
    const duplex = await new Promise<Duplex>((resolve, reject) => {
      connectWebSocket(url).subscribe({ next: resolve, error: reject });
    });
    const counting = { ...duplex, in$: duplex.in$.pipe(tap((frame) => (bytes += frame.length))) };
    let ackedTick = 0;
    // Acks as the real client does (lib/sync): every full state, and the ticks `isAckTick` names.
    const ack = (tick: number) => {
      ackedTick = tick;
      client.ack(tick);
    };
    const client = await leanClient(
      counting,
      clientHandshake(counting, { ticket, hostId: 'host-1', ca, encrypted: true, limits: settings.limits }),
      keepaliveMs,
      {
        delta: (tick) => {
          received += 1;
          onTick(tick);
          if (isAckTick(player, tick, ackedTick)) ack(tick);
        },
        fullState: ack,
        failed: (code) => print({ event: 'bot-error', code }),
      },
    );
    connected += 1;
  };
  return async (n: number) => {
    const player = `bot-${n}`;
    const ticket = await issueTicket(ticketKey, {
      player,
      map: 'bench',
      host: 'host-1',
      mapEpoch: 1,
      validitySeconds: 3600,
      now: Date.now(),
    });
    // Not awaited: handshakes overlap, as players' would. A refused connection (a host's accept backlog full)
    // is tried again a second later, as a client's retry would.
    const attempt = (left: number) =>
      connect(player, ticket).catch((error: unknown) => {
        print({ event: 'bot-error', code: (error as { code?: string }).code });
        if (left > 0) setTimeout(() => void attempt(left - 1), 1000);
      });
    void attempt(5);
  };
};

const connectRaw = () => () => {
  const socket = new WebSocket(url);
  socket.on('open', () => (connected += 1));
  socket.on('message', (data: Buffer) => {
    bytes += data.length;
    received += 1;
  });
};

const allConnected = (n: number) =>
  new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (connected < n) return;
      clearInterval(poll);
      resolve();
    }, 50);
  });
/** Every bot, a few at a time, then `ready`. */
const connectAll = async (connect: (n: number) => void | Promise<void>) => {
  for (let n = 0; n < count; n++) {
    await connect(n);
    // A few handshakes at a time: the host signs each one.
    if (n % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await allConnected(count);
  print({ event: 'ready', connected });
};

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  for (const line of chunk.split('\n')) {
    const [command, arg] = line.trim().split(' ');
    if (command === 'tick-ref') {
      const [tick, at] = (arg ?? '').split(':').map(Number);
      reference = { tick: tick ?? 0, at: at ?? 0 };
    }
    if (command === 'measure') {
      latencies = [];
      const received0 = received;
      const bytes0 = bytes;
      const cpu0 = process.cpuUsage();
      const t0 = wall();
      setTimeout(() => {
        const cpu = process.cpuUsage(cpu0);
        const seconds = (wall() - t0) / 1000;
        const sorted = [...latencies].sort((a, b) => a - b);
        print({
          event: 'measured',
          received: received - received0,
          bytesPerClientPerSecond: (bytes - bytes0) / count / seconds,
          deliveryP99: sorted[Math.floor(sorted.length * 0.99)] ?? null,
          botCpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
        });
      }, Number(arg));
    }
    if (command === 'exit') process.exit(0);
  }
});

await connectAll(mode === 'raw' ? connectRaw() : connectWarp());
