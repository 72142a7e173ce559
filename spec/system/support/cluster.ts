import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ChurnResult, ClientReport, FleetCommand } from './fleet-protocol.js';
import { heapSnapshotFlags } from './heap.js';
import { type LabProcess, NetLab, removeDir, removeDirOnExit } from './netns.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/warp-p2p.js');
const loader = join(root, 'bin/load-typescript.js');
const runnerScript = join(root, 'spec/system/support/client-runner.ts');

/**
 * The shipped configuration but for what makes a spec take seconds rather than minutes: a signed checkpoint
 * every second (so a failover restores recent play), and logins from the one clients namespace not rate-limited.
 * Timeouts (TimeoutMS 5000, HeartbeatTimeoutMS 3000, retries) are the shipped ones: they are what is under test.
 */
export const SYSTEM_CONFIG = `[P2P_SYNC]
CheckpointIntervalTicks=20
[P2P_COORDINATOR]
LoginRateLimit=1000
[P2P_LIMITS]
MaxPendingHandshakes=1000
`;

const HOST_ACCOUNT = { name: 'hoster', password: 'hoster-pw' };
const SERVICE_KEY = 'system-spec-service-key';
const MAX_PLAYERS = 8;
const playerName = (n: number) => `p${String(n + 1).padStart(2, '0')}`;
const passwordOf = (player: string) => `${player}-pw`;

let accountsOnce: Promise<string> | undefined;
/**
 * One accounts file for the whole run, copied into every cluster: `warp-p2p account add` takes seconds (Node
 * startup, scrypt), so each account is added to a file of its own, all at once, and the files are merged.
 */
const accountsFile = (): Promise<string> => {
  accountsOnce ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warp-system-accounts-'));
    removeDirOnExit(dir);
    const add = async (name: string, password: string, host: boolean) => {
      const file = join(dir, `${name}.json`);
      await promisify(execFile)(process.execPath, [
        bin,
        'account',
        'add',
        name,
        ...(host ? ['--host'] : []),
        '--password',
        password,
        '--accounts',
        file,
      ]);
      return (JSON.parse(readFileSync(file, 'utf8')) as { accounts: Record<string, unknown> }).accounts;
    };
    const added = await Promise.all([
      add(HOST_ACCOUNT.name, HOST_ACCOUNT.password, true),
      ...Array.from({ length: MAX_PLAYERS }, (_, n) => add(playerName(n), passwordOf(playerName(n)), false)),
    ]);
    const file = join(dir, 'accounts.json');
    writeFileSync(file, JSON.stringify({ version: 1, accounts: Object.assign({}, ...added) as object }));
    return file;
  })();
  return accountsOnce;
};

/** The library clients of a cluster: one runner process in the lab's `clients` namespace. */
export class ClientFleet {
  private reports = 0;
  constructor(readonly runner: LabProcess) {}

  private send(command: FleetCommand) {
    this.runner.send(JSON.stringify(command));
  }

  join(player: string, password: string, map: string): void {
    this.send({ cmd: 'join', player, password, map });
  }

  /** Every client marks its position, then moves one step every `everyMs` until `halt`. */
  walk(everyMs = 100): void {
    this.send({ cmd: 'walk', everyMs });
  }

  halt(): void {
    this.send({ cmd: 'halt' });
  }

  /**
   * One more player, a guest outside the reports, joins `map` and leaves again as soon as it is CONNECTED, for
   * `ms` (at most `maxJoins` joins). Resolves with what it did once the last join has left.
   */
  async churn(player: string, map: string, ms: number, maxJoins: number): Promise<ChurnResult> {
    this.send({ cmd: 'churn', player, map, ms, maxJoins });
    const line = await this.runner.json(
      (e) => e['type'] === 'churned' && e['player'] === player,
      ms + 15_000,
    );
    return {
      player,
      joins: Number(line['joins']),
      connected: Number(line['connected']),
      errors: line['errors'] as string[],
    };
  }

  async report(): Promise<ClientReport[]> {
    this.reports += 1;
    const id = this.reports;
    this.send({ cmd: 'report', id });
    const line = await this.runner.json((e) => e['type'] === 'report' && e['id'] === id, 10_000);
    return line['clients'] as ClientReport[];
  }

  /** Polls reports until `check` holds for them; rejects after `ms` with `what` and the last reports. */
  async until(
    check: (clients: ClientReport[]) => boolean,
    ms: number,
    what: string,
  ): Promise<ClientReport[]> {
    const end = Date.now() + ms;
    for (;;) {
      const clients = await this.report();
      if (check(clients)) return clients;
      if (Date.now() > end) {
        const summary = clients.map((c) => `${c.player} ${c.state} ${c.server?.id ?? '-'} tick ${c.tick}`);
        throw new Error(`${what}: not within ${ms} ms (${summary.join('; ')})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Disconnects every client and waits for the runner to end (bounded: teardown kills it anyway). */
  async quit(): Promise<void> {
    if (!this.runner.running) return;
    this.send({ cmd: 'quit' });
    await Promise.race([this.runner.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
}

export interface SystemClusterOptions {
  /** P2P hosts by id, with the maps each offers. */
  readonly hosts: Readonly<Record<string, readonly string[]>>;
  /** How many library clients play each map. */
  readonly clients: Readonly<Record<string, number>>;
  /** INI text every process loads (default `SYSTEM_CONFIG`). */
  readonly configText?: string;
  /**
   * The coordinator lets guests in (`--allow-guests`): players past the accounts file's eight log in by name
   * alone, so more than eight clients may play (the chaos bench). Default false: every player has an account.
   */
  readonly guests?: boolean;
}

/** A coordinator, P2P hosts, a VPS and library clients, each role in a namespace of its own. */
export interface SystemCluster {
  readonly lab: NetLab;
  /** The cluster's temp dir; the roles write their heap snapshots here (`liveHeapMiB`). */
  readonly dir: string;
  readonly url: string;
  readonly coordinator: LabProcess;
  readonly hosts: ReadonlyMap<string, LabProcess>;
  readonly vps: LabProcess;
  /** Every server (hosts and the VPS) by id. */
  readonly servers: ReadonlyMap<string, LabProcess>;
  /** One server by id (a host's id or `VPS_ID`); throws for an unknown id. */
  readonly server: (id: string) => LabProcess;
  readonly fleet: ClientFleet;
  /** Player → map. */
  readonly players: ReadonlyMap<string, string>;
  /** The `--record` file of a server: its world hash at every tick of every map. */
  readonly recordOf: (serverId: string) => string;
  /** Disconnects the clients, kills every process by pid, deletes the namespaces and the temp dir. */
  readonly teardown: () => Promise<void>;
}

export const VPS_ID = 'vps-1';

/**
 * Starts the cluster in a fresh lab: nodes `coordinator`, one per host id, `vps`, `clients`. Resolves once every
 * client is CONNECTED with its entity in the world. On failure it tears down whatever it started and rethrows.
 */
export const startSystemCluster = async (options: SystemClusterOptions): Promise<SystemCluster> => {
  const hostIds = Object.keys(options.hosts);
  const lab = await NetLab.create(['coordinator', ...hostIds, 'vps', 'clients']);
  const dir = mkdtempSync(join(tmpdir(), 'warp-system-'));
  removeDirOnExit(dir);
  let fleet: ClientFleet | undefined;
  const teardown = async () => {
    try {
      await fleet?.quit();
    } finally {
      await lab.teardown();
      removeDir(dir);
    }
  };
  try {
    const configPath = join(dir, 'p2p.ini');
    writeFileSync(configPath, options.configText ?? SYSTEM_CONFIG);
    const accounts = join(dir, 'accounts.json');
    copyFileSync(await accountsFile(), accounts);
    const recordOf = (serverId: string) => join(dir, `${serverId}.record.jsonl`);
    const cli = (node: string, args: readonly string[]) =>
      lab.spawn(node, process.execPath, [
        ...heapSnapshotFlags(dir),
        bin,
        ...args,
        '--config',
        configPath,
        '--json',
      ]);

    const coordinator = cli('coordinator', [
      'coordinator',
      '--host',
      lab.ip('coordinator'),
      '--port',
      '0',
      '--data-dir',
      join(dir, 'coordinator-data'),
      '--accounts',
      accounts,
      '--service-key',
      SERVICE_KEY,
      ...(options.guests === true ? ['--allow-guests'] : []),
    ]);
    const url = (await coordinator.json((e) => e['event'] === 'listening'))['url'] as string;
    const server = (node: string, args: readonly string[]) =>
      cli(node, [...args, '--coordinator', url, '--host', lab.ip(node), '--port', '0']);
    const hosts = new Map(
      Object.entries(options.hosts).map(([id, maps]) => [
        id,
        server(id, [
          'host',
          '--id',
          id,
          '--maps',
          maps.join(','),
          '--account',
          HOST_ACCOUNT.name,
          '--password',
          HOST_ACCOUNT.password,
          '--record',
          recordOf(id),
        ]),
      ]),
    );
    const vps = server('vps', [
      'vps',
      '--id',
      VPS_ID,
      '--service-key',
      SERVICE_KEY,
      '--record',
      recordOf(VPS_ID),
    ]);
    const servers = new Map([...hosts, [VPS_ID, vps]]);
    await Promise.all([...servers.values()].map((p) => p.json((e) => e['type'] === 'registered')));

    const runnerProcess = lab.spawn(
      'clients',
      process.execPath,
      ['--import', loader, runnerScript, '--coordinator', url, '--config', configPath],
      'clients',
    );
    fleet = new ClientFleet(runnerProcess);
    await runnerProcess.json((e) => e['type'] === 'ready');
    const players = new Map<string, string>();
    for (const [map, count] of Object.entries(options.clients)) {
      for (let n = 0; n < count; n += 1) players.set(playerName(players.size), map);
    }
    if (players.size > MAX_PLAYERS && options.guests !== true)
      throw new Error(`at most ${MAX_PLAYERS} clients (more with guests)`);
    for (const [player, map] of players) fleet.join(player, passwordOf(player), map);
    await fleet.until(
      (clients) =>
        clients.length === players.size &&
        clients.every((c) => c.state === 'CONNECTED' && c.entity !== null && c.hashes.length > 0),
      20_000,
      'every client CONNECTED with its entity',
    );
    return {
      lab,
      dir,
      url,
      coordinator,
      hosts,
      vps,
      servers,
      server: (id) => {
        const found = servers.get(id);
        if (found === undefined) throw new Error(`no server ${id} in this cluster`);
        return found;
      },
      fleet,
      players,
      recordOf,
      teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
};
