import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { deflateRawSync } from 'node:zlib';
import { firstValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import { defaultConfig } from '../config/load-config.js';
import { generateKeyShare } from '../lib/crypto/key-schedule.js';
import { issueTicket } from '../lib/crypto/tickets.js';
import { encodeBatch } from '../lib/protocol/batch.js';
import { FLAG_COMPRESSED } from '../lib/protocol/frame.js';
import { DEFAULT_LIMITS } from '../lib/protocol/limits.js';
import type { Message } from '../lib/protocol/messages.js';
import type { Duplex } from '../streams/session/duplex.js';
import { clientHandshake } from '../streams/session/handshake.js';
import { sessionSettings } from '../streams/session/settings.js';
import { connectWebSocket } from '../streams/session/ws-duplex.js';
import { type LeanClient, leanClient } from './lean-client.js';

/**
 * The attacker of `npm run bench -- abuse`: its own process, a peer of the bots. `attack NAME MS` on stdin runs
 * one attack against the host for MS and prints what the host answered: the codes it sent or closed with, how
 * many of the attacker's connections it cut, and how many messages or connections the attack made. Every loop is
 * bounded by time and by count.
 */
const [url = '', secretsPath = '/tmp/warp-bench-secrets.json'] = process.argv.slice(2);
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const secrets = JSON.parse(readFileSync(secretsPath, 'utf8')) as { ca: string; ticketKey: string };
const ca = new X509Certificate(secrets.ca);
const ticketKey = createPrivateKey(secrets.ticketKey);
const settings = sessionSettings(defaultConfig);

/** What one attack saw. */
class Outcome {
  readonly codes = new Map<string, number>();
  sent = 0;
  cut = 0;
  code(code: string): void {
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }
}

// One player's ticket, as the coordinator would issue it: an attacker holds the tickets of its own account, not
// the coordinator's key, so every attack runs under this one player.
const ticket = issueTicket(ticketKey, {
  player: 'mallory',
  map: 'bench',
  host: 'host-1',
  mapEpoch: 1,
  validitySeconds: 3600,
  now: Date.now(),
});
const duplex = () =>
  new Promise<Duplex>((resolve, reject) => connectWebSocket(url).subscribe({ next: resolve, error: reject }));
const handshake = async (d: Duplex) =>
  clientHandshake(d, {
    ticket: await ticket,
    hostId: 'host-1',
    ca,
    encrypted: true,
    limits: settings.limits,
  });

/** An established session (handshake and finished) whose host-sent codes and cut go to `outcome`. */
const session = async (outcome: Outcome): Promise<{ client: LeanClient; alive: () => boolean }> => {
  const d = await duplex();
  let alive = true;
  const client = await leanClient(d, await handshake(d), 60_000, {
    delta: () => undefined,
    fullState: () => undefined,
    failed: (code) => {
      if (!alive) return;
      alive = false;
      outcome.cut += 1;
      outcome.code(code);
    },
    other: (message) => {
      if (message.kind === 'error') outcome.code(message.code);
    },
  });
  return { client, alive: () => alive };
};

/** Runs `step` until `ms` passed, `more` says stop or `maxSteps` ran, yielding to I/O between steps. */
const loop = async (ms: number, maxSteps: number, step: () => Promise<void> | void, more = () => true) => {
  const end = Date.now() + ms;
  for (let n = 0; n < maxSteps && Date.now() < end && more(); n += 1) {
    await step();
    await nextTurn();
  }
  const left = end - Date.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
};

/** Sends a batch of messages per step on one session for as long as the host keeps it (bounded backlog). */
const flood =
  (batch: (n: number) => readonly Message[]) =>
  async (ms: number, outcome: Outcome): Promise<void> => {
    const { client, alive } = await session(outcome);
    let n = 0;
    await loop(
      ms,
      200_000,
      () => {
        if (client.buffered() > 1 << 20) return; // the host reads no faster: wait, as TCP would make us
        const messages = batch(n++);
        client.send(messages);
        outcome.sent += messages.length;
      },
      alive,
    );
  };

const many = <T>(count: number, make: (n: number) => T): T[] =>
  Array.from({ length: count }, (_, n) => make(n));

/** Connections opened and left as they are: the host must close them (counted as cut). */
const held = async (
  ms: number,
  outcome: Outcome,
  max: number,
  open: () => Promise<{ closed: Promise<void>; close: () => void }>,
) => {
  const open$: Array<{ close: () => void }> = [];
  await loop(ms, max, async () => {
    try {
      const c = await open();
      outcome.sent += 1;
      open$.push(c);
      void c.closed.then(() => (outcome.cut += 1));
    } catch (error) {
      outcome.code((error as { code?: string }).code ?? 'ERR_CONNECTION_FAILED');
    }
  });
  open$.forEach((c) => c.close());
};

const ATTACKS: Readonly<Record<string, (ms: number, outcome: Outcome) => Promise<void>>> = {
  pingFlood: flood((n) => many(256, (i) => ({ kind: 'ping', id: n * 256 + i, time: 0 }))),
  inputFlood: flood((n) =>
    many(256, (i) => ({ kind: 'input', seq: n * 256 + i + 1, tick: 0, dx: 1, dy: 1 })),
  ),
  resyncFlood: flood(() => many(64, () => ({ kind: 'resync_request', reason: 'DESYNC', tick: 0 }))),
  rekeyFlood: flood((n) => [
    { kind: 'rekey', epoch: n + 1, publicKey: generateKeyShare().publicKey.toString('base64') },
  ]),
  deflateBomb: async (ms, outcome) => {
    const inner = encodeBatch([{ kind: 'app', payload: Buffer.alloc(1 << 20) }], DEFAULT_LIMITS);
    const body = deflateRawSync(
      inner._tag === 'Right' ? Buffer.concat(many(64, () => inner.right)) : Buffer.of(),
    );
    const { client, alive } = await session(outcome);
    await loop(ms, 10_000, () => void (client.sendBody(FLAG_COMPRESSED, body), (outcome.sent += 1)), alive);
  },
  garbage: (ms, outcome) =>
    held(ms, outcome, 2000, async () => {
      const d = await duplex();
      for (let n = 0; n < 20; n += 1) d.send(Buffer.from(many(64, () => Math.floor(Math.random() * 256))));
      const closed = new Promise<void>((resolve) => d.in$.subscribe({ error: () => resolve() }));
      return { closed, close: () => d.close() };
    }),
  handshakeFlood: (ms, outcome) =>
    loop(ms, 5000, async () => {
      try {
        const d = await duplex();
        await leanClient(d, await handshake(d), 60_000, {
          delta: () => undefined,
          fullState: () => undefined,
          failed: () => undefined,
        });
        outcome.sent += 1;
        d.close();
      } catch (error) {
        outcome.code((error as { code?: string }).code ?? 'ERR_CONNECTION_FAILED');
      }
    }),
  abandonedHellos: (ms, outcome) =>
    held(ms, outcome, 2000, async () => {
      const d = await duplex();
      await firstValueFrom(await handshake(d)); // welcomed, never finished
      const closed = new Promise<void>((resolve) => d.in$.subscribe({ error: () => resolve() }));
      return { closed, close: () => d.close() };
    }),
  idleSockets: (ms, outcome) =>
    held(ms, outcome, 3000, async () => {
      const socket = new WebSocket(url);
      socket.on('error', () => undefined);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      return { closed, close: () => socket.terminate() };
    }),
  stalledUpgrades: (ms, outcome) =>
    held(ms, outcome, 1000, async () => {
      const { hostname, port } = new URL(url);
      const socket = connectTcp(Number(port), hostname);
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.on('error', () => undefined);
      socket.write('GET / HTTP/1.1\r\nHost: host-1\r\nUpgrade: websocket\r\n');
      // A byte a second of a header that never ends, so no idle timer alone would see it stalled.
      const drip = setInterval(() => socket.write('X'), 1000);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      void closed.then(() => clearInterval(drip));
      return {
        closed,
        close: () => {
          clearInterval(drip);
          socket.destroy();
        },
      };
    }),
};

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  for (const line of chunk.split('\n')) {
    const [command, name = '', ms = '0'] = line.trim().split(' ');
    if (command === 'exit') process.exit(0);
    if (command !== 'attack') continue;
    const attack = ATTACKS[name];
    const outcome = new Outcome();
    void (
      attack === undefined ? Promise.reject(new Error(`unknown attack ${name}`)) : attack(Number(ms), outcome)
    )
      .catch((error: unknown) => outcome.code((error as { code?: string }).code ?? String(error)))
      .then(() =>
        print({
          event: 'attacked',
          name,
          sent: outcome.sent,
          cut: outcome.cut,
          codes: Object.fromEntries(outcome.codes),
        }),
      );
  }
});
print({ event: 'ready', attacks: Object.keys(ATTACKS) });
