import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Subject, switchMap, tap } from 'rxjs';
import { WebSocket } from 'ws';
import { defaultConfig } from '../config/load-config.js';
import { issueTicket } from '../lib/crypto/tickets.js';
import { ACK_INTERVAL_TICKS } from '../lib/protocol/limits.js';
import type { Message } from '../lib/protocol/messages.js';
import { clientSession } from '../streams/session/session.js';
import { sessionSettings } from '../streams/session/settings.js';
import { connectWebSocket } from '../streams/session/ws-duplex.js';

/**
 * The bot side of `npm run bench -- host`, its own process on the other core. Mode `warp`: N real clients
 * (handshake, decrypt, decode, ack every delta). Mode `raw`: N bare ws clients that only count bytes.
 * Commands on stdin: `continue` (after `half`), `tick-ref TICK:AT`, `measure MS`. Prints JSON lines.
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

const connectWarp = () => {
  const secrets = JSON.parse(readFileSync(secretsPath, 'utf8')) as { ca: string; ticketKey: string };
  const ca = new X509Certificate(secrets.ca);
  const ticketKey = createPrivateKey(secrets.ticketKey);
  const settings = sessionSettings(defaultConfig);
  return async (n: number) => {
    const ticket = await issueTicket(ticketKey, {
      player: `bot-${n}`,
      map: 'bench',
      host: 'host-1',
      mapEpoch: 1,
      validitySeconds: 3600,
      now: Date.now(),
    });
    const outbox = new Subject<Message>();
    let ackedTick = 0;
    connectWebSocket(url)
      .pipe(
        switchMap((duplex) =>
          clientSession(
            // Wire bytes as received: frames with header and tag.
            { ...duplex, in$: duplex.in$.pipe(tap((frame) => (bytes += frame.length))) },
            { settings, ticket, hostId: 'host-1', ca, outbox$: outbox },
          ),
        ),
      )
      .subscribe({
        next: (event) => {
          if (event.type === 'established') connected += 1;
          if (event.type !== 'message') return;
          const message = event.message;
          // Acks as the real client does (lib/sync): every full state and every ACK_INTERVAL_TICKS ticks.
          if (message.kind === 'delta') {
            received += 1;
            if (reference !== null && message.tick > reference.tick) {
              latencies.push(wall() - (reference.at + (message.tick - reference.tick) * TICK_MS));
            }
            if (message.tick - ackedTick < ACK_INTERVAL_TICKS) return;
          } else if (message.kind !== 'full_state') return;
          ackedTick = message.tick;
          outbox.next({ kind: 'ack', tick: message.tick });
        },
        error: (error: unknown) => print({ event: 'bot-error', code: (error as { code?: string }).code }),
      });
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
let resume: () => void = () => undefined;
const resumed = new Promise<void>((resolve) => (resume = resolve));

/** Half the bots, a pause (`half`, then `continue`) while the host measures its RSS, then the rest (`ready`). */
const connectAll = async (connect: (n: number) => void | Promise<void>) => {
  const half = Math.floor(count / 2);
  for (let n = 0; n < count; n++) {
    if (n === half) {
      await allConnected(half);
      print({ event: 'half', connected });
      await resumed;
    }
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
    if (command === 'continue') resume();
    if (command === 'exit') process.exit(0);
  }
});

await connectAll(mode === 'raw' ? connectRaw() : connectWarp());
