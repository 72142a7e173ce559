/**
 * The game clients of a system spec, as one process inside the lab's clients namespace (the mocha process stays
 * in the root namespace, which has no route into the lab). Library clients (`createP2PClient`) are driven by JSON
 * commands on stdin and reported as JSON lines on stdout (`fleet-protocol.ts`).
 *
 * `node --import ./bin/load-typescript.js spec/system/support/client-runner.ts --coordinator URL [--config FILE]`
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { either } from 'fp-ts';
import { filter, firstValueFrom, map, of, timeout } from 'rxjs';
import { defaultConfig, loadConfig } from '../../../config/load-config.js';
import type { Config } from '../../../config/schema.js';
import { type World, hashWorld } from '../../../lib/world/world.js';
import { type ConnectionStatus, type P2PClient, createP2PClient } from '../../../streams/client/index.js';
import {
  type ChurnResult,
  type ClientReport,
  type FleetCommand,
  type FleetOutput,
  OUTAGES_KEPT,
  STALL_MS,
} from './fleet-protocol.js';

const HASHES_KEPT = 200;
/** One step per axis, toward the map's middle: a walk of a minute stays far from every edge (no clamping). */
const STEP = 0.5;
const MIDDLE = 500;

const print = (output: FleetOutput) => process.stdout.write(`${JSON.stringify(output)}\n`);

class Walker {
  readonly client: P2PClient;
  status: ConnectionStatus | null = null;
  world: World | null = null;
  readonly hashes: [number, string][] = [];
  start: { id: number; x: number; y: number } | null = null;
  step = { dx: 0, dy: 0 };
  moved = { dx: 0, dy: 0, count: 0 };
  readonly states: string[] = [];
  readonly stateTimes: number[] = [];
  lastUpdateAt: number | null = null;
  readonly outages: [number, number | null][] = [];
  readonly syncErrors: { type: string; tick: number; detail: string }[] = [];
  readonly errors: string[] = [];
  failovers = 0;
  restored = 0;

  constructor(
    readonly player: string,
    password: string,
    readonly map: string,
    url: string,
    config: Config,
  ) {
    this.client = createP2PClient({ coordinatorUrl: url, player, password, config });
    this.client.state$.subscribe((status) => {
      this.status = status;
      this.states.push(`${status.state} ${status.server?.id ?? '-'}`);
      this.stateTimes.push(Date.now());
      if (status.state !== 'CONNECTED') this.outageFrom(this.lastUpdateAt ?? Date.now());
    });
    this.client.world$.subscribe((world) => {
      const now = Date.now();
      if (this.lastUpdateAt !== null && now - this.lastUpdateAt > STALL_MS)
        this.outageFrom(this.lastUpdateAt);
      const open = this.outages.at(-1);
      if (open?.[1] === null && this.status?.state === 'CONNECTED') open[1] = now;
      this.lastUpdateAt = now;
      this.world = world;
      this.hashes.push([world.tick, hashWorld(world)]);
      if (this.hashes.length > HASHES_KEPT) this.hashes.shift();
    });
    this.client.events$.subscribe((event) => {
      if (event.type === 'sync_error') this.syncErrors.push({ ...event.error });
      if (event.type === 'failover') this.failovers += 1;
      if (event.type === 'restored') this.restored += 1;
      if (event.type === 'error') this.errors.push(event.code);
      print({ type: 'event', player, at: Date.now(), event });
    });
    this.client.loadMap(map);
  }

  /** Opens an outage from `from` unless one is open already. */
  private outageFrom(from: number): void {
    if (this.outages.at(-1)?.[1] === null) return;
    this.outages.push([from, null]);
    if (this.outages.length > OUTAGES_KEPT) this.outages.shift();
  }

  entity(): { id: number; x: number; y: number } | null {
    const id = this.world?.players[this.player];
    const entity = id === undefined ? undefined : this.world?.entities.get(id);
    return id === undefined || entity === undefined ? null : { id, x: entity.x, y: entity.y };
  }

  mark(): void {
    this.start = this.entity();
    this.moved = { dx: 0, dy: 0, count: 0 };
    this.step =
      this.start === null
        ? { dx: 0, dy: 0 }
        : { dx: this.start.x < MIDDLE ? STEP : -STEP, dy: this.start.y < MIDDLE ? STEP : -STEP };
  }

  move(): void {
    if (this.start === null) return;
    this.moved = {
      dx: this.moved.dx + this.step.dx,
      dy: this.moved.dy + this.step.dy,
      count: this.moved.count + 1,
    };
    this.client.move(this.step.dx, this.step.dy);
  }

  report(): ClientReport {
    return {
      player: this.player,
      map: this.map,
      state: this.status?.state ?? null,
      server:
        this.status?.server == null ? null : { kind: this.status.server.kind, id: this.status.server.id },
      statusMap: this.status?.map ?? null,
      entity: this.entity(),
      tick: this.world?.tick ?? null,
      hashes: [...this.hashes],
      start: this.start,
      moved: this.moved,
      states: [...this.states],
      stateTimes: [...this.stateTimes],
      lastUpdateAt: this.lastUpdateAt,
      outages: this.outages.map(([from, to]) => [from, to] as const),
      syncErrors: [...this.syncErrors],
      failovers: this.failovers,
      restored: this.restored,
      errors: [...this.errors],
    };
  }
}

/** Each join may take this long to get CONNECTED before it is given up (and the next begins). */
const CHURN_JOIN_MS = 5000;

/** The `churn` command: join, leave once CONNECTED, again, for `ms` or `maxJoins` joins. */
const churn = async (
  command: Extract<FleetCommand, { cmd: 'churn' }>,
  url: string,
  config: Config,
): Promise<ChurnResult> => {
  const end = Date.now() + command.ms;
  let joins = 0;
  let connected = 0;
  const errors: string[] = [];
  while (Date.now() < end && joins < command.maxJoins) {
    joins += 1;
    const client = createP2PClient({ coordinatorUrl: url, player: command.player, config });
    const events = client.events$.subscribe((event) => {
      if (event.type === 'error') errors.push(event.code);
    });
    const connecting = firstValueFrom(
      client.state$.pipe(
        filter((status) => status.state === 'CONNECTED'),
        map(() => true),
        timeout({ first: CHURN_JOIN_MS, with: () => of(false) }),
      ),
      { defaultValue: false },
    );
    client.loadMap(command.map);
    if (await connecting) connected += 1;
    client.disconnect();
    events.unsubscribe();
  }
  return { player: command.player, joins, connected, errors };
};

const main = () => {
  const { values } = parseArgs({
    options: { coordinator: { type: 'string' }, config: { type: 'string' } },
  });
  const url = values.coordinator;
  if (url === undefined) throw new Error('--coordinator is required');
  const loaded =
    values.config === undefined ? either.right(defaultConfig) : loadConfig({ path: values.config });
  if (either.isLeft(loaded)) throw loaded.left;
  const config = loaded.right;

  const walkers: Walker[] = [];
  let walking: NodeJS.Timeout | undefined;
  const halt = () => {
    clearInterval(walking);
    walking = undefined;
  };

  const handle = (command: FleetCommand) => {
    switch (command.cmd) {
      case 'join':
        walkers.push(new Walker(command.player, command.password, command.map, url, config));
        return;
      case 'walk':
        halt();
        walkers.forEach((w) => w.mark());
        walking = setInterval(() => walkers.forEach((w) => w.move()), command.everyMs);
        return;
      case 'halt':
        halt();
        return;
      case 'report':
        print({ type: 'report', id: command.id, clients: walkers.map((w) => w.report()) });
        return;
      case 'quit':
        input.close();
        return;
      case 'churn':
        void churn(command, url, config)
          .catch((error: unknown) => ({
            player: command.player,
            joins: 0,
            connected: 0,
            errors: [String(error)],
          }))
          .then((result) => print({ type: 'churned', ...result }));
        return;
    }
  };

  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => handle(JSON.parse(line) as FleetCommand));
  // `quit`, or the spec's end of the pipe closing (mocha gone), ends every client; then the process ends by itself.
  input.on('close', () => {
    halt();
    walkers.forEach((w) => w.client.disconnect());
    print({ type: 'bye' });
    process.stdin.destroy();
    // Every client closed its sockets and timers: the process ends now. If not, say what is still open.
    setTimeout(() => {
      process.stderr.write(`still open after quit: ${JSON.stringify(process.getActiveResourcesInfo())}\n`);
    }, 1000).unref();
  });
  print({ type: 'ready' });
};

main();
