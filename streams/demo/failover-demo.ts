import { either } from 'fp-ts';
import { loadConfig } from '../../config/load-config.js';
import type { P2PClientOptions } from '../client/client.js';
import { startCluster } from './local-cluster.js';
import { TrackedClient } from './tracked-client.js';

/** Checkpoints every second and a lost host noticed quickly, so the failover shows within a short demo. */
const DEMO_CONFIG = `[P2P_SYNC]
CheckpointIntervalTicks=20
[P2P_COORDINATOR]
HeartbeatIntervalMS=500
HeartbeatTimeoutMS=1500
; every bot is on 127.0.0.1
LoginRateLimit=10000
[P2P_LIMITS]
MaxPendingHandshakes=1000
`;
const MAPS = { 'host-1': 'forest', 'host-2': 'desert' } as const;
/** Bots walk a square, one unit per move: the moves they made are what must be in effect afterwards. */
const SQUARE: readonly (readonly [number, number])[] = [
  [1, 0],
  [0, 1],
  [-1, 0],
  [0, -1],
];

export interface DemoOptions {
  readonly bots: number;
  readonly durationMs: number;
  /** When the host of `forest` is killed (SIGKILL). */
  readonly killAfterMs: number;
  /** Redraw a table in place (a terminal), or print a line per change. */
  readonly tty: boolean;
  readonly write: (text: string) => void;
  /** Ends the demo early (Ctrl-C), still cleaning up every child process. */
  readonly signal?: AbortSignal;
}

export interface DemoSummary {
  /** Per bot on the killed host: kill → CONNECTED on the VPS with its restored world, in ms (null: not yet). */
  readonly failovers: readonly { readonly bot: string; readonly ms: number | null }[];
  readonly inputsLost: number;
  readonly moves: number;
}

class Bot extends TrackedClient {
  constructor(
    name: string,
    readonly map: string,
    options: Omit<P2PClientOptions, 'player'>,
    onChange: (bot: Bot) => void,
  ) {
    super({ ...options, player: name });
    this.client.state$.subscribe(() => onChange(this));
  }

  /** One move of the square walk; moves count from the first one made while connected. */
  step(): void {
    if (this.start === null) {
      if (this.status?.state !== 'CONNECTED' || this.position() === null) return;
      this.markStart();
    }
    const [dx, dy] = SQUARE[Math.floor(this.moved.count / 10) % SQUARE.length] ?? [0, 0];
    this.move(dx, dy);
  }
}

const pad = (text: string, width: number) => text.padEnd(width).slice(0, width);

const botLine = (bot: Bot): string => {
  const s = bot.status;
  const m = bot.metrics;
  const server = s?.server === null || s?.server === undefined ? '-' : `${s.server.kind} ${s.server.id}`;
  const latency = m?.latency.smoothedMs == null ? '-' : `${m.latency.smoothedMs.toFixed(1)} ms`;
  return `${pad(bot.name, 7)} ${pad(bot.map, 7)} ${pad(s?.state ?? 'DISCONNECTED', 15)} ${pad(server, 11)} ${pad(latency, 9)} ${pad(m === null ? '-' : `${(m.packetLoss * 100).toFixed(1)}%`, 6)} ${m === null ? '-' : m.stateUpdates.perSec.toFixed(1)}`;
};

/**
 * `warp-p2p demo`: on 127.0.0.1, a coordinator, two P2P hosts (forest, desert) and a VPS as real processes, and
 * bots playing both maps. After `killAfterMs` the forest host is killed: its bots go RECONNECTING, FAILING_OVER,
 * then CONNECTED on the VPS with their world restored. Ends with each failover's time and the inputs lost.
 */
export const runFailoverDemo = async (options: DemoOptions): Promise<DemoSummary> => {
  const { write } = options;
  const loaded = loadConfig({ text: DEMO_CONFIG });
  if (either.isLeft(loaded)) throw loaded.left;
  const config = loaded.right;
  write(`[P2P] starting a coordinator, host-1 (forest), host-2 (desert) and a VPS on 127.0.0.1…\n`);
  const cluster = await startCluster({
    hosts: { 'host-1': [MAPS['host-1']], 'host-2': [MAPS['host-2']] },
    players: [],
    allowGuests: true,
    configText: DEMO_CONFIG,
  });
  const started = Date.now();
  const owners = new Map<string, string>();
  const mapLines = () =>
    [...owners].sort(([a], [b]) => a.localeCompare(b)).map(([map, owner]) => `map ${pad(map, 7)} ${owner}`);
  const ownership = cluster.coordinator.lines$.subscribe((line) => {
    {
      const event = JSON.parse(line) as Record<string, unknown>;
      const map = String(event['map']);
      const change =
        event['event'] === 'map.assigned' && owners.get(map) === undefined
          ? `${String(event['owner'])} (epoch ${String(event['epoch'])})`
          : event['event'] === 'map.moved'
            ? `${String(event['to'])} (epoch ${String(event['epoch'])}, moved from ${String(event['from'])})`
            : null;
      if (change === null) return;
      owners.set(map, change);
      if (!options.tty) write(`[P2P] map ${map} → ${change}\n`);
    }
  });

  // The newest state changes, under the table: a failover passes through its states faster than a redraw.
  const recent: string[] = [];
  const onChange = (bot: Bot) => {
    // Every bot starts DISCONNECTED, which is not a change.
    if (bot.status === null || (bot.status.state === 'DISCONNECTED' && bot.status.map === null)) return;
    const server = bot.status.server === null ? '' : ` ${bot.status.server.kind} ${bot.status.server.id}`;
    const change = `${bot.name} ${bot.status.state}${server}`;
    recent.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${change}`);
    recent.splice(0, Math.max(0, recent.length - 8));
    if (!options.tty) write(`[P2P] ${change}\n`);
  };
  const bots = Array.from(
    { length: options.bots },
    (_, n) =>
      new Bot(
        `bot-${n + 1}`,
        n % 2 === 0 ? MAPS['host-1'] : MAPS['host-2'],
        { coordinatorUrl: cluster.url, config },
        onChange,
      ),
  );
  let drawn = 0;
  const draw = () => {
    if (!options.tty) return;
    const lines = [
      `${pad('client', 7)} ${pad('map', 7)} ${pad('state', 15)} ${pad('server', 11)} ${pad('latency', 9)} ${pad('loss', 6)} upd/s`,
      ...bots.map(botLine),
      '',
      ...mapLines(),
      '',
      ...recent,
    ];
    write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    drawn = lines.length;
  };

  let killedAt: number | null = null;
  const mover = setInterval(() => bots.forEach((b) => b.step()), 100);
  const view = setInterval(draw, 250);
  try {
    bots.forEach((b) => b.client.loadMap(b.map));
    const settleAt = options.durationMs - 1500;
    while (Date.now() - started < options.durationMs && options.signal?.aborted !== true) {
      const elapsed = Date.now() - started;
      if (killedAt === null && elapsed >= options.killAfterMs) {
        killedAt = Date.now();
        cluster.hosts.get('host-1')?.child.kill('SIGKILL');
        recent.push(`${((killedAt - started) / 1000).toFixed(1).padStart(5)} s  host-1 killed (SIGKILL)`);
        if (!options.tty) write(`[P2P] killed host-1 (SIGKILL): forest's bots fail over to the VPS\n`);
      }
      if (elapsed >= settleAt) clearInterval(mover);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    clearInterval(mover);
    draw();
    const killed = bots.filter((b) => b.map === MAPS['host-1']);
    return {
      failovers: killed.map((b) => ({
        bot: b.name,
        ms: killedAt === null || b.restoredAt === null ? null : b.restoredAt - killedAt,
      })),
      inputsLost: bots.reduce((sum, b) => sum + b.missing(), 0),
      moves: bots.reduce((sum, b) => sum + b.moved.count, 0),
    };
  } finally {
    clearInterval(mover);
    clearInterval(view);
    ownership.unsubscribe();
    bots.forEach((b) => b.client.disconnect());
    await cluster.stop();
  }
};
