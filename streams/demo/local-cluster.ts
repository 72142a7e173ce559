import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addAccount } from '../../streams/coordinator/accounts.js';
import { CliProcess } from './cli-process.js';

export interface ClusterOptions {
  /** P2P hosts by id, with the maps each offers. */
  readonly hosts: Readonly<Record<string, readonly string[]>>;
  /** Player accounts to create (password: the name reversed). */
  readonly players: readonly string[];
  /** INI text every process (and the caller's clients) loads. */
  readonly configText: string;
  readonly hostCapacity?: number;
  /** Names not in the accounts file log in as players without a password (many clients, no scrypt each). */
  readonly allowGuests?: boolean;
  /** More flags for a host, by id (e.g. `--record FILE`). */
  readonly hostArgs?: Readonly<Record<string, readonly string[]>>;
}

/** A coordinator, P2P hosts and a VPS as real `warp-p2p` processes on 127.0.0.1. */
export interface Cluster {
  readonly url: string;
  readonly configPath: string;
  readonly hosts: ReadonlyMap<string, CliProcess>;
  readonly vps: CliProcess;
  readonly coordinator: CliProcess;
  /**
   * Kills the coordinator (SIGKILL) and starts it again on the same port and data dir; resolves once it listens.
   * The hosts and the VPS reconnect to it by themselves.
   */
  readonly restartCoordinator: () => Promise<CliProcess>;
  /** Starts another VPS process under the same id (after the first died, say); resolves once it registered. */
  readonly startVps: () => Promise<CliProcess>;
  readonly stop: () => Promise<void>;
}

export const passwordOf = (player: string): string => [...player].reverse().join('');

export const startCluster = async (options: ClusterOptions): Promise<Cluster> => {
  const dir = mkdtempSync(join(tmpdir(), 'warp-cluster-'));
  const processes: CliProcess[] = [];
  const start = (args: string[]) => {
    const child = new CliProcess(args);
    processes.push(child);
    return child;
  };
  const stop = async () => {
    await Promise.all(
      processes.map(async (p) => {
        if (p.child.signalCode === null && p.child.exitCode === null) p.child.kill('SIGCONT');
        return p.stop('SIGKILL');
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const configPath = join(dir, 'p2p.ini');
    writeFileSync(configPath, options.configText);
    const accounts = join(dir, 'accounts.json');
    writeFileSync(accounts, JSON.stringify({ version: 1, accounts: {} }));
    await addAccount(accounts, 'hoster', 'hoster-pw', ['host']);
    for (const player of options.players) await addAccount(accounts, player, passwordOf(player), ['player']);

    const common = ['--config', configPath, '--json'];
    const coordinatorArgs = (port: string) => [
      'coordinator',
      '--port',
      port,
      '--data-dir',
      join(dir, 'data'),
      '--accounts',
      accounts,
      '--service-key',
      'sk',
      ...(options.allowGuests === true ? ['--allow-guests'] : []),
      ...common,
    ];
    const coordinator = start(coordinatorArgs('0'));
    const url = (await coordinator.json((e) => e['event'] === 'listening'))['url'] as string;
    let current = coordinator;
    const restartCoordinator = async () => {
      await current.stop('SIGKILL');
      current = start(coordinatorArgs(new URL(url).port));
      await current.json((e) => e['event'] === 'listening');
      return current;
    };
    const hosts = new Map<string, CliProcess>();
    for (const [id, maps] of Object.entries(options.hosts)) {
      hosts.set(
        id,
        start([
          'host',
          '--coordinator',
          url,
          '--id',
          id,
          '--port',
          '0',
          '--maps',
          maps.join(','),
          '--account',
          'hoster',
          '--password',
          'hoster-pw',
          '--capacity',
          String(options.hostCapacity ?? 64),
          ...(options.hostArgs?.[id] ?? []),
          ...common,
        ]),
      );
    }
    const vpsArgs = [
      'vps',
      '--coordinator',
      url,
      '--port',
      '0',
      '--service-key',
      'sk',
      '--id',
      'vps-1',
      '--capacity',
      String(options.hostCapacity ?? 64),
      ...common,
    ];
    const vps = start(vpsArgs);
    await Promise.all([...hosts.values(), vps].map((p) => p.json((e) => e['type'] === 'registered')));
    const startVps = async () => {
      const another = start(vpsArgs);
      await another.json((e) => e['type'] === 'registered');
      return another;
    };
    return { url, configPath, hosts, vps, coordinator, restartCoordinator, startVps, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
