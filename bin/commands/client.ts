import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Subscription } from 'rxjs';
import { MAP_ID_PATTERN } from '../../lib/map-id.js';
import { type P2PClient, createP2PClient } from '../../streams/client/client.js';
import type { ConnectionStatus } from '../../streams/client/connection-state.js';
import type { MetricsSnapshot } from '../../streams/client/metrics.js';
import { createLogger } from '../../streams/log/logger.js';
import { formatEntry } from '../../streams/replay/recording.js';
import { loadConfigFile, requireFlag, usageError } from '../cli.js';

const options = {
  coordinator: { type: 'string' },
  player: { type: 'string' },
  password: { type: 'string' },
  map: { type: 'string' },
  json: { type: 'boolean', default: false },
  config: { type: 'string' },
  'log-level': { type: 'string', default: 'warn' },
  'log-file': { type: 'string' },
  record: { type: 'string' },
} as const;

const LINE_USAGE = 'lines: /p2p status | metrics | debug on|off | reconnect | failover, or move DX DY';

/** One input line (stdin in --json mode, or typed after `/` interactively): a command or a move. */
const runLine = (client: P2PClient, line: string): Record<string, unknown> | null => {
  const text = line.trim();
  if (text === '') return null;
  const move = /^move\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)$/.exec(text);
  if (move !== null) {
    client.move(Number(move[1]), Number(move[2]));
    return null;
  }
  if (text.startsWith('/p2p')) return { type: 'command', line: text, output: client.command(text) };
  return { type: 'error', code: 'ERR_USAGE', message: LINE_USAGE };
};

const statusLine = (status: ConnectionStatus, metrics: MetricsSnapshot | null, self: string): string => {
  const server = status.server === null ? '-' : `${status.server.kind}:${status.server.id}`;
  const latency = metrics?.latency.smoothedMs;
  const figures =
    metrics === null
      ? ''
      : ` | ${latency == null ? '-' : `${latency.toFixed(0)} ms`} | loss ${(metrics.packetLoss * 100).toFixed(1)}% | ${metrics.stateUpdates.perSec.toFixed(0)} upd/s`;
  return `[P2P] ${status.state} ${server} map ${status.map ?? '-'} | you ${self}${figures}`;
};

/** Interactive: WASD or arrow keys move, `/` starts a command line, Ctrl-C leaves. */
const interactive = (client: P2PClient): Subscription => {
  let status: ConnectionStatus | null = null;
  let metrics: MetricsSnapshot | null = null;
  let self = '-';
  let typing: string | null = null;
  const redraw = () => {
    const line =
      typing === null
        ? statusLine(status ?? { state: 'DISCONNECTED', server: null, map: null }, metrics, self)
        : `> ${typing}`;
    process.stdout.write(`\r\x1b[2K${line}`);
  };
  const say = (text: string) => process.stdout.write(`\r\x1b[2K${text}\n`);
  const subscription = client.state$.subscribe((s) => {
    status = s;
    redraw();
  });
  subscription.add(
    client.metrics$.subscribe((m) => {
      metrics = m;
      redraw();
    }),
  );
  subscription.add(
    client.self$.subscribe((s) => {
      self = s === null ? '-' : `#${s.id} (${s.x.toFixed(1)}, ${s.y.toFixed(1)})`;
      redraw();
    }),
  );
  subscription.add(
    client.events$.subscribe((event) => {
      if (event.type !== 'state') say(`[P2P] ${event.type} ${JSON.stringify({ ...event, type: undefined })}`);
    }),
  );
  const STEP = 5;
  const MOVES: Readonly<Record<string, readonly [number, number]>> = {
    w: [0, -STEP],
    a: [-STEP, 0],
    s: [0, STEP],
    d: [STEP, 0],
    '\x1b[A': [0, -STEP],
    '\x1b[D': [-STEP, 0],
    '\x1b[B': [0, STEP],
    '\x1b[C': [STEP, 0],
  };
  process.stdin.setRawMode(true);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (key: string) => {
    if (key === '\x03') process.kill(process.pid, 'SIGINT');
    else if (typing !== null) {
      if (key === '\r' || key === '\n') {
        const answer = runLine(client, typing);
        typing = null;
        if (answer !== null) say(String(answer['output'] ?? answer['message']));
      } else if (key === '\x7f') typing = typing.slice(0, -1);
      else if (key === '\x1b') typing = null;
      else typing += key;
    } else if (key === '/') typing = '/';
    else {
      const move = MOVES[key];
      if (move !== undefined) client.move(move[0], move[1]);
    }
    redraw();
  });
  subscription.add(() => {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  });
  return subscription;
};

/** --json: one JSON line per event and a metrics line each second; stdin lines are commands and moves. */
const jsonLines = (client: P2PClient): Subscription => {
  const print = (value: unknown) => console.log(JSON.stringify(value));
  const subscription = client.events$.subscribe(print);
  subscription.add(client.metrics$.subscribe((metrics) => print({ type: 'metrics', ...metrics })));
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const answer = runLine(client, line);
    if (answer !== null) print(answer);
  });
  subscription.add(() => lines.close());
  return subscription;
};

/** --record: one JSON line per recording entry; resolves the returned close once the file is flushed. */
const record = (client: P2PClient, path: string): (() => Promise<void>) => {
  const file = createWriteStream(path, { flags: 'w' });
  const subscription = client.recording$.subscribe((entry) => file.write(`${formatEntry(entry)}\n`));
  return () => {
    subscription.unsubscribe();
    return new Promise((resolve) => file.end(resolve));
  };
};

/** `warp-p2p client --coordinator URL --player NAME [--password P] --map MAP [--json]` */
export const clientCommand = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({ args, options });
  const config = loadConfigFile(values.config);
  const map = requireFlag(values.map, '--map');
  if (!MAP_ID_PATTERN.test(map)) throw usageError(`--map must be a map id, got "${map}"`);
  const json = values.json || !process.stdin.isTTY;
  // With --json, logs go to stderr beside the JSON on stdout; the interactive view prints events itself.
  const logger = createLogger({
    level: values['log-level'],
    console: json,
    ...(values['log-file'] === undefined ? {} : { file: values['log-file'] }),
  });
  const client = createP2PClient(
    {
      coordinatorUrl: requireFlag(values.coordinator, '--coordinator'),
      player: requireFlag(values.player, '--player'),
      ...(values.password === undefined ? {} : { password: values.password }),
      config,
    },
    { logger },
  );
  const recorder = values.record === undefined ? null : record(client, values.record);
  const view = json ? jsonLines(client) : interactive(client);
  client.loadMap(map);
  await new Promise<void>((resolve) => {
    const leave = () => {
      client.disconnect();
      resolve();
    };
    process.once('SIGINT', leave);
    process.once('SIGTERM', leave);
  });
  view.unsubscribe();
  await recorder?.();
  if (!json) process.stdout.write('\n');
};
