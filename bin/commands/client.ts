import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Subscription, firstValueFrom, take } from 'rxjs';
import { type P2PClient, createP2PClient } from '../../streams/client/client.js';
import type { ConnectionStatus } from '../../streams/client/connection-state.js';
import type { MetricsSnapshot } from '../../streams/client/metrics.js';
import { createLogger } from '../../streams/log/logger.js';
import { connectRpc } from '../../streams/coordinator/rpc.js';
import { formatEntry } from '../../streams/replay/recording.js';
import { loadConfigFile } from '../cli.js';
import { CliError } from '../failure.js';

/** `warp-p2p client` flags, parsed (bin/program.ts). */
export interface ClientOptions {
  readonly coordinator: string;
  readonly player: string;
  readonly password?: string;
  readonly map: string;
  readonly json?: true;
  readonly config?: string;
  readonly logLevel: string;
  readonly logFile?: string;
  readonly record?: string;
}

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
      // An error ends the client: main.ts prints it, once.
      if (event.type !== 'state' && event.type !== 'error')
        say(`[P2P] ${event.type} ${JSON.stringify({ ...event, type: undefined })}`);
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

/** Ends when a signal asks the client to leave (null), or with the error that ended the map (an `error` event). */
const outcome = (client: P2PClient): Promise<CliError | null> =>
  new Promise((resolve) => {
    const done = (result: CliError | null) => {
      process.off('SIGINT', leave);
      process.off('SIGTERM', leave);
      errors.unsubscribe();
      resolve(result);
    };
    const leave = () => done(null);
    process.once('SIGINT', leave);
    process.once('SIGTERM', leave);
    const errors = client.events$.subscribe((event) => {
      if (event.type === 'error') done(new CliError(event.code, event.message));
    });
  });

/**
 * `warp-p2p client --coordinator URL --player NAME [--password P] --map MAP [--json]`: plays until a signal.
 * Rejects when the coordinator cannot be reached at start (ERR_CONNECTION_FAILED; later it reconnects), and with
 * the error that ended the map: ERR_AUTH_FAILED for a wrong password, ERR_MAP_UNKNOWN, ERR_NO_HOST, …
 */
export const clientCommand = async (options: ClientOptions): Promise<void> => {
  const config = loadConfigFile(options.config);
  // One connection first, so that a coordinator nobody can reach is a failure rather than a client that keeps
  // trying for ever: the client itself reconnects without end, which is right once it has played.
  await firstValueFrom(connectRpc(options.coordinator).pipe(take(1)));
  const json = options.json === true || !process.stdin.isTTY;
  // With --json, logs go to stderr beside the JSON on stdout; the interactive view prints events itself.
  const logger = createLogger({
    level: options.logLevel,
    console: json,
    ...(options.logFile === undefined ? {} : { file: options.logFile }),
  });
  const client = createP2PClient(
    {
      coordinatorUrl: options.coordinator,
      player: options.player,
      ...(options.password === undefined ? {} : { password: options.password }),
      config,
    },
    { logger },
  );
  const recorder = options.record === undefined ? null : record(client, options.record);
  const view = json ? jsonLines(client) : interactive(client);
  const ended = outcome(client);
  client.loadMap(options.map);
  const failure = await ended;
  client.disconnect();
  view.unsubscribe();
  await recorder?.();
  if (!json) process.stdout.write('\n');
  if (failure !== null) throw failure;
};
