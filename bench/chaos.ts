import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { either } from 'fp-ts';
import { loadConfig } from '../config/load-config.js';
import {
  SYSTEM_CONFIG,
  type SystemCluster,
  type SystemClusterOptions,
  VPS_ID,
  startSystemCluster,
} from '../spec/system/support/cluster.js';
import { type ClientReport, STALL_MS } from '../spec/system/support/fleet-protocol.js';
import { liveHeapMiB } from '../spec/system/support/heap.js';
import { playFor, sleep } from '../spec/system/support/hooks.js';
import { type LabProcess, parseJsonLine } from '../spec/system/support/netns.js';
import {
  RecordTail,
  coordinatorGrants,
  coordinatorLeases,
  violations,
} from '../spec/system/support/invariants.js';

/**
 * `npm run bench -- chaos` (root only): the faults of a chaos run, each on a fresh cluster from
 * `spec/system/support` (coordinator, P2P hosts, VPS as real processes in network namespaces) against 20 library
 * clients split over two maps, walking one step every 100 ms before, during and after the fault. Per fault:
 * recovery p50 / p95 / max over the affected clients, the inputs lost, and whether the invariants held (one owner
 * per map at the coordinator's epoch, no epoch granted twice, every client CONNECTED on its owner's world hash,
 * every move in effect); a fault that does not hold is printed with its violations on one line, and the run goes
 * on.
 *
 * Recovery, one definition for every fault: from the moment the fault is over — a kill's signal; the SIGCONT of
 * a SIGSTOP; the heal of a partition; the restart of a killed coordinator — until the client's last outage ends,
 * i.e. the first world update it got while CONNECTED after which it stayed CONNECTED with no gap between updates
 * longer than STALL_MS (500 ms) up to the invariant check. A client back before the fault was over (a frozen
 * host's clients fail over while it is still frozen) counts 0, and one never disturbed counts 0 too. The outage
 * column beside it is what players saw: each affected client's longest time without a world update since the
 * injection, from its last update before the outage to its first while CONNECTED again.
 *
 * Two faults are not failures of a process: `churn` (a guest joins forest and leaves again, as fast as it gets
 * CONNECTED, for 8 s; its walkers are undisturbed, recovery 0, and the coordinator and hosts must give back the
 * fds and memory the joins took) and `ticketExpiry` (a host SIGKILL after 8 s of tickets valid 3 s).
 *
 * Affected clients: those of the maps the fault hits (every client for a coordinator fault). Inputs lost: per
 * client, the moves its entity does not show (the invariant checker's "every move in effect", counted in steps;
 * every move when it is no longer on the entity it walked). Targets: every fault held, 0 lost, recovery p95
 * ≤ 1000 ms for crashes and ≤ TimeoutMS + 1000 for silences.
 */
const CLIENTS = 20;
const TWO_HOSTS = { 'host-1': ['forest'], 'host-2': ['desert'] };
/** How long after the fault's end the clients may take to be back, then how long the invariants may take. */
const RECOVER_WITHIN_MS = 15_000;
const SETTLE_WITHIN_MS = 10_000;
/**
 * The walk goes on at least this long after the fault's end (a client may not have noticed a kill yet, and a
 * restarted coordinator's hosts come back within RestartGraceMS), until every client is back, then a second more:
 * moves made after the recovery must be in effect too.
 */
const WALK_ON_MS = 5000;
const WALK_AFTER_MS = 1000;

const loaded = loadConfig({ text: SYSTEM_CONFIG });
if (either.isLeft(loaded)) throw loaded.left;
const TIMEOUT_MS = loaded.right.P2P_NETWORK.TimeoutMS;

interface Injected {
  /** When the fault began (outages ending before it are not the fault's). */
  readonly injectedAt: number;
  /** When it was over: recovery counts from here. */
  readonly endedAt: number;
  /** Maps whose clients the fault hits. */
  readonly maps: readonly string[];
  /** The cluster as the invariants see it (a restarted coordinator replaces the killed one). */
  readonly view?: SystemCluster;
  /** Violations of the fault's own, checked with the invariants. */
  readonly check?: (clients: readonly ClientReport[]) => string[];
  /**
   * Measures what the fault left behind once the clients' figures are taken (a heap snapshot pauses the process
   * it is taken of: taken earlier, that pause would count as the clients' outage).
   */
  readonly measure?: () => Promise<Measured>;
}

interface Measured {
  readonly violations: readonly string[];
  /** Figures of the fault's own for the JSON line (keys get the fault's key as prefix). */
  readonly figures: Readonly<Record<string, number>>;
  /** Lines printed under the fault's row. */
  readonly notes: readonly string[];
}

interface Fault {
  readonly key: string;
  readonly label: string;
  readonly kind: 'crash' | 'silence' | 'load';
  readonly hosts?: SystemClusterOptions['hosts'];
  readonly configText?: string;
  /** Injects the fault; a process it starts is watched on `timeline`. */
  readonly inject: (c: SystemCluster, timeline: Timeline) => Promise<Injected>;
}

const allMaps = (c: SystemCluster) => [...new Set(c.players.values())];

const kill = (ids: readonly string[], maps: readonly string[]) => (c: SystemCluster) => {
  const at = Date.now();
  for (const id of ids) c.server(id).signal('SIGKILL');
  return Promise.resolve({ injectedAt: at, endedAt: at, maps });
};

const partition = (ms: number) => async (c: SystemCluster) => {
  // Four rules go in one at a time (and come out so): the partition begins with the first.
  const injectedAt = Date.now();
  await c.lab.partition('host-1', 'clients');
  await sleep(ms);
  await c.lab.heal();
  return { injectedAt, endedAt: Date.now(), maps: ['forest'] };
};

/** Waits (bounded) until every client of `map` is CONNECTED on `server` with updates flowing. */
const onServer = (c: SystemCluster, map: string, server: string) =>
  c.fleet.until(
    (clients) =>
      clients.filter((x) => x.map === map).every((x) => x.state === 'CONNECTED' && x.server?.id === server),
    RECOVER_WITHIN_MS,
    `every ${map} client on ${server}`,
  );

/** A process's open file descriptors and resident memory, from /proc. */
const usageOf = (p: LabProcess) => {
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1];
  return { fds: readdirSync(`/proc/${p.pid}/fd`).length, rssMiB: Number(rss ?? NaN) / 1024 };
};

const CHURN_MS = 8000;
/** Bounds the churn's joins: 8 s ends it first (a join takes a few round trips: 20 to 60 a second here). */
const CHURN_MAX_JOINS = 1000;
/** What the coordinator and each host may still hold more after the churn than before it. */
const CHURN_FD_TOLERANCE = 5;
/**
 * Live heap (a snapshot, after a full collection) may grow by what V8 compiles for code paths the churn runs
 * first (about 0.6 MiB over 400 joins on a host); a session leaking even 8 KiB would exceed it.
 */
const CHURN_HEAP_TOLERANCE_MIB = 3;

interface Usage {
  readonly fds: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
}

/**
 * One more player (a guest) joins forest and leaves again for CHURN_MS while the walkers walk: no map may move
 * (the host is not declared dead) and the coordinator and hosts must give back the fds and memory the joins took
 * (measured after the walkers are back and have walked on: WALK_ON_MS at least). Memory is judged by live heap,
 * not RSS: RSS grew 16 to 25 MiB on hosts with and without churn alike (pages kept after collections), while
 * the live heap moved by about a megabyte.
 */
const churn = async (c: SystemCluster, timeline: Timeline): Promise<Injected> => {
  const watched = [['coordinator', c.coordinator] as const, ...c.hosts];
  const sampled = async () => {
    const usage = new Map<string, Usage>();
    for (const [id, p] of watched) usage.set(id, { heapMiB: await liveHeapMiB(p.pid, c.dir), ...usageOf(p) });
    return usage;
  };
  const before = await sampled();
  const injectedAt = Date.now();
  const result = await c.fleet.churn('churner', 'forest', CHURN_MS, CHURN_MAX_JOINS);
  const endedAt = Date.now();
  const check = () => [
    ...(result.connected === 0 ? [`the churning player never got CONNECTED (${result.joins} joins)`] : []),
    ...timeline.entries
      .filter((e) => e.at >= injectedAt && e.line.startsWith('coordinator map.moved'))
      .map((e) => `a map moved during the churn: ${e.line}`),
  ];
  const measure = async (): Promise<Measured> => {
    const after = await sampled();
    const none: Usage = { fds: 0, rssMiB: 0, heapMiB: 0 };
    const growth = watched.map(([id]) => {
      const b = before.get(id) ?? none;
      const a = after.get(id) ?? none;
      return { id, b, a, fds: a.fds - b.fds, heapMiB: a.heapMiB - b.heapMiB };
    });
    const largest = (of: (g: (typeof growth)[number]) => number) => Math.max(...growth.map(of));
    const mib = (n: number) => Math.round(n * 10) / 10;
    return {
      violations: growth.flatMap((g) => [
        ...(g.fds > CHURN_FD_TOLERANCE ? [`${g.id}: ${g.b.fds} fds before the churn, ${g.a.fds} after`] : []),
        ...(g.heapMiB > CHURN_HEAP_TOLERANCE_MIB
          ? [
              `${g.id}: live heap ${g.b.heapMiB.toFixed(1)} MiB before the churn, ${g.a.heapMiB.toFixed(1)} after`,
            ]
          : []),
      ]),
      figures: {
        FdGrowth: largest((g) => g.fds),
        HeapGrowthMiB: mib(largest((g) => g.heapMiB)),
        RssGrowthMiB: mib(largest((g) => g.a.rssMiB - g.b.rssMiB)),
        Joins: result.connected,
      },
      notes: [
        `churn: ${result.joins} joins, ${result.connected} CONNECTED, errors ${result.errors.join(',') || 'none'}; ` +
          `fds, live heap and RSS before → after (tolerance +${CHURN_FD_TOLERANCE} fds, ` +
          `+${CHURN_HEAP_TOLERANCE_MIB} MiB heap; RSS for information): ` +
          growth
            .map(
              (g) =>
                `${g.id} ${g.b.fds}→${g.a.fds} fds, heap ${g.b.heapMiB.toFixed(1)}→${g.a.heapMiB.toFixed(1)} MiB, ` +
                `RSS ${g.b.rssMiB.toFixed(1)}→${g.a.rssMiB.toFixed(1)} MiB`,
            )
            .join('; '),
      ],
    };
  };
  return { injectedAt, endedAt, maps: ['forest'], check, measure };
};

const TICKET_VALIDITY_S = 3;
const TICKET_WALK_MS = 8000;

const FAULTS: readonly Fault[] = [
  { key: 'hostKill', label: 'host SIGKILL', kind: 'crash', inject: kill(['host-1'], ['forest']) },
  {
    key: 'hostStop',
    label: `host SIGSTOP ${(TIMEOUT_MS + 2000) / 1000} s, SIGCONT`,
    kind: 'silence',
    inject: async (c) => {
      const host = c.server('host-1');
      host.signal('SIGSTOP');
      const injectedAt = Date.now();
      await sleep(TIMEOUT_MS + 2000);
      host.signal('SIGCONT');
      return { injectedAt, endedAt: Date.now(), maps: ['forest'] };
    },
  },
  {
    key: 'twoHostsKill',
    label: 'two hosts SIGKILL',
    kind: 'crash',
    inject: kill(['host-1', 'host-2'], ['forest', 'desert']),
  },
  { key: 'partition2s', label: '2 s partition host-clients', kind: 'silence', inject: partition(2000) },
  { key: 'partition7s', label: '7 s partition host-clients', kind: 'silence', inject: partition(7000) },
  {
    key: 'vpsKill',
    label: 'VPS SIGKILL after a failover',
    kind: 'crash',
    // A second host offers forest, so the map has somewhere to go when the VPS it failed over to dies.
    hosts: { ...TWO_HOSTS, 'host-3': ['forest'] },
    inject: async (c) => {
      const owner = coordinatorLeases(coordinatorGrants(c.coordinator)).get('forest')?.owner ?? 'host-1';
      c.server(owner).signal('SIGKILL');
      await onServer(c, 'forest', VPS_ID);
      await playFor(c, 30); // a checkpoint on the VPS
      return kill([VPS_ID], ['forest'])(c);
    },
  },
  {
    key: 'coordinatorRestart',
    label: 'coordinator SIGKILL + restart',
    kind: 'crash',
    inject: async (c, timeline) => {
      const old = c.coordinator;
      // The same command on the same port (the hosts, VPS and clients know its URL), with the same data dir.
      const [command, ...args] = old.child.spawnargs.slice(4);
      const port = args.indexOf('--port') + 1;
      if (command === undefined || port === 0) throw new Error('no coordinator command line to restart');
      args[port] = new URL(c.url).port;
      const injectedAt = Date.now();
      old.signal('SIGKILL');
      await old.exited;
      const fresh = c.lab.spawn('coordinator', command, args, 'coordinator');
      timeline.watch('coordinator', fresh);
      const endedAt = Date.now();
      await fresh.json((e) => e['event'] === 'listening');
      // The invariants read the coordinator's event lines: the grants before the kill count as well.
      fresh.lines.unshift(...old.lines);
      const registrations = (lines: Record<string, unknown>[]) =>
        lines.filter((e) => e['event'] === 'host.registered').map((e) => String(e['hostId']));
      const before = registrations(old.jsonLines());
      // The grants before the kill would satisfy the invariants on their own: every server must be back with the
      // restarted coordinator too.
      const check = () => {
        const after = registrations(fresh.jsonLines());
        return [...c.servers.keys()]
          .filter((id) => after.filter((x) => x === id).length <= before.filter((x) => x === id).length)
          .map((id) => `${id} did not register with the restarted coordinator`);
      };
      return { injectedAt, endedAt, maps: allMaps(c), view: { ...c, coordinator: fresh }, check };
    },
  },
  {
    key: 'coordinatorStop',
    label: 'coordinator SIGSTOP 5 s, SIGCONT',
    kind: 'silence',
    inject: async (c) => {
      c.coordinator.signal('SIGSTOP');
      const injectedAt = Date.now();
      await sleep(5000);
      c.coordinator.signal('SIGCONT');
      return { injectedAt, endedAt: Date.now(), maps: allMaps(c) };
    },
  },
  { key: 'churn', label: `guest join/leave loop ${CHURN_MS / 1000} s`, kind: 'load', inject: churn },
  {
    key: 'ticketExpiry',
    label: `host SIGKILL, tickets of ${TICKET_VALIDITY_S} s`,
    kind: 'crash',
    configText: `${SYSTEM_CONFIG}[P2P_SECURITY]\nTokenValiditySeconds=${TICKET_VALIDITY_S}\n`,
    inject: async (c) => {
      // Long after the first tickets expired: the clients fail over on renewed ones.
      await sleep(TICKET_WALK_MS);
      const killed = await kill(['host-1'], ['forest'])(c);
      const check = (clients: readonly ClientReport[]) =>
        clients
          .filter((x) => x.errors.includes('ERR_TICKET_EXPIRED'))
          .map((x) => `${x.player} (${x.map}): ERR_TICKET_EXPIRED reported, now ${x.state}`);
      return { ...killed, check };
    },
  },
];

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;

/** Back: CONNECTED, no outage open, an update within the last two stall lengths. */
const isBack = (c: ClientReport, now: number) =>
  c.state === 'CONNECTED' &&
  c.outages.at(-1)?.[1] !== null &&
  c.lastUpdateAt !== null &&
  now - c.lastUpdateAt < 2 * STALL_MS;

/** One client's recovery (see the definition above) and longest outage since the injection. */
const recoveryOf = (c: ClientReport, fault: Injected, now: number) => {
  const outages = c.outages.filter(([, to]) => to === null || to > fault.injectedAt);
  const longest = Math.max(0, ...outages.map(([from, to]) => (to ?? now) - from));
  const back = isBack(c, now);
  // Not back yet: the time so far, a lower bound.
  const until = back ? (outages.at(-1)?.[1] ?? fault.endedAt) : now;
  return { ms: Math.max(0, until - fault.endedAt), back, longest };
};

/** The moves a client made that its entity does not show, in steps. */
const lostMoves = (c: ClientReport) => {
  if (c.start === null || c.moved.count === 0) return 0;
  if (c.entity?.id !== c.start.id) return c.moved.count;
  const step = Math.max(Math.abs(c.moved.dx), Math.abs(c.moved.dy)) / c.moved.count;
  const off = Math.max(
    Math.abs(c.start.x + c.moved.dx - c.entity.x),
    Math.abs(c.start.y + c.moved.dy - c.entity.y),
  );
  return Math.min(c.moved.count, Math.round(off / step));
};

/** Violations on one line: alike ones (player names and numbers aside) counted once, with their first example. */
const oneLine = (found: readonly string[]) => {
  const groups = new Map<string, { example: string; count: number }>();
  for (const v of found) {
    const key = v.replace(/\bp\d\d\b/g, 'p').replace(/-?\d+(\.\d+)?/g, '#');
    const group = groups.get(key) ?? { example: v, count: 0 };
    groups.set(key, { ...group, count: group.count + 1 });
  }
  const line = [...groups.values()]
    .map((g) => `${g.count > 1 ? `${g.count}× ` : ''}${g.example}`)
    .join(' | ');
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
};

interface Outcome {
  readonly fault: Fault;
  readonly held: boolean;
  readonly summary: string;
  readonly affected: number;
  readonly unrecovered: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly outageP95: number;
  /** Maps the coordinator moved since the injection. */
  readonly mapMoves: number;
  /** How long the fault lasted, from injection to its end. */
  readonly windowMs: number;
  readonly lost: number;
  readonly moves: number;
  readonly ms: number;
  /** What the affected clients and the coordinator did around the fault (printed when it did not hold). */
  readonly trace: readonly string[];
  readonly figures: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
}

/**
 * The event lines of the coordinator and the servers with the time each arrived (the lines carry none): a second
 * reader on each process's stdout, next to the LabProcess's own.
 */
class Timeline {
  readonly entries: { readonly at: number; readonly line: string }[] = [];

  watch(who: string, process: LabProcess): void {
    createInterface({ input: process.child.stdout }).on('line', (line) => {
      const e = parseJsonLine(line);
      if (e === null) return;
      const fields = ['type', 'hostId', 'player', 'map', 'from', 'to', 'epoch', 'reason', 'code'];
      const what = fields.flatMap((f) => {
        const value = e[f];
        return typeof value === 'string' || typeof value === 'number'
          ? [`${f === 'type' ? '' : `${f}=`}${value}`]
          : [];
      });
      this.entries.push({ at: Date.now(), line: `${who} ${String(e['event'])} ${what.join(' ')}`.trim() });
    });
  }
}

const TRACED_LINES = 30;

/**
 * Times in ms from the fault's end: what the coordinator and servers said since the injection (repeats folded,
 * players aside), then the states and outages of the first two affected clients and of any that is not back.
 */
const traceOf = (timeline: Timeline, clients: readonly ClientReport[], fault: Injected, now: number) => {
  const at = (t: number) => `${t >= fault.endedAt ? '+' : ''}${t - fault.endedAt}`;
  // One line per kind of event (players aside), at its first time.
  const kinds = new Map<string, { at: number; line: string; count: number }>();
  for (const entry of timeline.entries.filter((e) => e.at >= fault.injectedAt)) {
    const line = entry.line.replace(/ player=\S+/, '');
    const kind = kinds.get(line);
    if (kind === undefined) kinds.set(line, { at: entry.at, line, count: 1 });
    else kind.count += 1;
  }
  const said = [...kinds.values()];
  const events = said
    .slice(0, TRACED_LINES)
    .map((e) => `${at(e.at)} ${e.line}${e.count > 1 ? ` ×${e.count}` : ''}`);
  const more = events.length < said.length ? ['…'] : [];
  const affected = clients.filter((c) => fault.maps.includes(c.map));
  const shown = affected.filter((c, n) => n < 2 || !isBack(c, now));
  return [
    `servers (ms from the fault's end): ${[...events, ...more].join(', ') || 'nothing'}`,
    ...shown.map((c) => {
      const since = c.states.flatMap((state, n) => {
        const t = c.stateTimes[n] ?? 0;
        return t >= fault.injectedAt ? [`${at(t)} ${state}`] : [];
      });
      const outages = c.outages
        .filter(([, to]) => to === null || to > fault.injectedAt)
        .map(([from, to]) => `${at(from)}..${to === null ? 'open' : at(to)}`);
      const changes = since.join(', ') || 'no state change';
      return `${c.player} (${c.map}): ${changes}; outages ${outages.join(', ') || 'none'}`;
    }),
  ];
};

const firstLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';

const runFault = async (fault: Fault): Promise<Outcome> => {
  const began = Date.now();
  const failed = (error: unknown): Outcome => ({
    fault,
    held: false,
    summary: `did not run to the end: ${firstLine(error)}`,
    affected: 0,
    unrecovered: 0,
    p50: 0,
    p95: 0,
    max: 0,
    outageP95: 0,
    mapMoves: 0,
    windowMs: 0,
    lost: 0,
    moves: 0,
    ms: Date.now() - began,
    trace: [],
    figures: {},
    notes: [],
  });
  let cluster: SystemCluster;
  try {
    cluster = await startSystemCluster({
      hosts: fault.hosts ?? TWO_HOSTS,
      clients: { forest: CLIENTS / 2, desert: CLIENTS / 2 },
      guests: true,
      ...(fault.configText === undefined ? {} : { configText: fault.configText }),
    });
  } catch (error) {
    return failed(error);
  }
  try {
    const timeline = new Timeline();
    timeline.watch('coordinator', cluster.coordinator);
    for (const [id, server] of cluster.servers) timeline.watch(id, server);
    cluster.fleet.walk();
    await playFor(cluster, 30); // a signed checkpoint before the fault
    const injected = await fault.inject(cluster, timeline);
    const view = injected.view ?? cluster;

    // Walking on until every client is back (bounded), and a second more.
    await sleep(Math.max(0, injected.endedAt + WALK_ON_MS - Date.now()));
    await cluster.fleet
      .until(
        (clients) => clients.every((c) => isBack(c, Date.now())),
        injected.endedAt + RECOVER_WITHIN_MS - Date.now(),
        'every client back',
      )
      .catch(() => undefined);
    await sleep(WALK_AFTER_MS);

    cluster.fleet.halt();
    const tails = new Map([...view.servers.keys()].map((id) => [id, new RecordTail(view.recordOf(id))]));
    const settleEnd = Date.now() + SETTLE_WITHIN_MS;
    let clients: ClientReport[];
    let found: string[];
    for (;;) {
      clients = await view.fleet.report();
      tails.forEach((t) => t.poll());
      found = [...violations(view, clients, tails), ...(injected.check?.(clients) ?? [])];
      if (found.length === 0 || Date.now() > settleEnd) break;
      await sleep(300);
    }
    const now = Date.now();
    const affected = clients
      .filter((c) => injected.maps.includes(c.map))
      .map((c) => recoveryOf(c, injected, now));
    const times = affected.map((r) => r.ms).sort((a, b) => a - b);
    const outages = affected.map((r) => r.longest).sort((a, b) => a - b);
    const trace = traceOf(timeline, clients, injected, now);
    const measured = (await injected.measure?.()) ?? { violations: [], figures: {}, notes: [] };
    found = [...found, ...measured.violations];
    return {
      fault,
      held: found.length === 0,
      summary: oneLine(found),
      affected: affected.length,
      unrecovered: affected.filter((r) => !r.back).length,
      p50: Math.round(percentile(times, 0.5)),
      p95: Math.round(percentile(times, 0.95)),
      max: Math.round(times.at(-1) ?? 0),
      outageP95: Math.round(percentile(outages, 0.95)),
      mapMoves: timeline.entries.filter(
        (e) => e.at >= injected.injectedAt && e.line.startsWith('coordinator map.moved'),
      ).length,
      windowMs: injected.endedAt - injected.injectedAt,
      lost: clients.reduce((sum, c) => sum + lostMoves(c), 0),
      moves: clients.reduce((sum, c) => sum + c.moved.count, 0),
      ms: Date.now() - began,
      trace,
      figures: measured.figures,
      notes: measured.notes,
    };
  } catch (error) {
    return failed(error);
  } finally {
    await cluster.teardown().catch((error: unknown) => console.error(`chaos: teardown: ${String(error)}`));
  }
};

const row = (cells: readonly string[], widths: readonly number[]) =>
  cells.map((cell, n) => cell.padEnd(widths[n] ?? 0)).join('  ');

export const runChaosBench = async (): Promise<Record<string, number | string>> => {
  if (process.getuid?.() !== 0) {
    console.log('chaos: skipped, it makes network namespaces and iptables rules: run it as root');
    return { bench: 'chaos', skipped: 'needs root' };
  }
  const chosen = process.env['WARP_CHAOS_FAULTS']?.split(',');
  const faults = chosen === undefined ? FAULTS : FAULTS.filter((f) => chosen.includes(f.key));
  const began = Date.now();
  const outcomes: Outcome[] = [];
  for (const fault of faults) {
    const outcome = await runFault(fault);
    outcomes.push(outcome);
    console.log(
      `chaos: ${fault.label}: ${outcome.held ? 'held' : 'NOT HELD'} in ${(outcome.ms / 1000).toFixed(1)} s`,
    );
  }

  const widths = [32, 7, 8, 16, 26, 10, 9, 11, 4];
  console.log(
    `\nchaos: ${CLIENTS} walking clients (${CLIENTS / 2} forest, ${CLIENTS / 2} desert), ` +
      `TimeoutMS ${TIMEOUT_MS}; recovery from the end of the fault to CONNECTED with updates flowing, ` +
      'over the affected clients',
  );
  console.log(
    row(
      [
        'fault',
        'kind',
        'window',
        'affected',
        'recovery p50/p95/max',
        'outage p95',
        'map moves',
        'lost/moves',
        'held',
      ],
      widths,
    ),
  );
  for (const o of outcomes) {
    const lower = o.unrecovered > 0 ? '≥' : '';
    console.log(
      row(
        [
          o.fault.label,
          o.fault.kind,
          `${o.windowMs} ms`,
          `${o.affected}${o.unrecovered > 0 ? `, ${o.unrecovered} not back` : ''}`,
          `${lower}${o.p50}/${lower}${o.p95}/${lower}${o.max} ms`,
          `${o.outageP95} ms`,
          String(o.mapMoves),
          `${o.lost}/${o.moves}`,
          o.held ? 'yes' : 'NO',
        ],
        widths,
      ),
    );
    for (const note of o.notes) console.log(`  ${note}`);
    if (!o.held) console.log(`  violations: ${o.summary}`);
    if (!o.held || process.env['WARP_CHAOS_TRACE'] !== undefined)
      for (const line of o.trace) console.log(`  ${line}`);
  }
  const worst = (kind: Fault['kind']) =>
    Math.max(0, ...outcomes.filter((o) => o.fault.kind === kind).map((o) => o.p95));
  const held = outcomes.filter((o) => o.held).length;
  const lostInputs = outcomes.reduce((sum, o) => sum + o.lost, 0);
  console.log(
    `targets: every fault held (held ${held}/${outcomes.length}), 0 inputs lost (lost ${lostInputs}), ` +
      `recovery p95 ≤ 1000 ms for crashes (worst ${worst('crash')} ms), ` +
      `≤ ${TIMEOUT_MS + 1000} ms (TimeoutMS + 1000) for silences ` +
      `(worst ${worst('silence')} ms); ${((Date.now() - began) / 1000).toFixed(0)} s in all`,
  );
  return {
    bench: 'chaos',
    faults: outcomes.length,
    held,
    lostInputs,
    recoveryP95Ms: worst('crash'),
    silenceRecoveryP95Ms: worst('silence'),
    ...Object.fromEntries(
      outcomes.flatMap((o): [string, number][] => [
        [`${o.fault.key}Held`, o.held ? 1 : 0],
        [`${o.fault.key}P95Ms`, o.p95],
        [`${o.fault.key}Lost`, o.lost],
        ...Object.entries(o.figures).map(([name, value]): [string, number] => [
          `${o.fault.key}${name}`,
          value,
        ]),
      ]),
    ),
  };
};
