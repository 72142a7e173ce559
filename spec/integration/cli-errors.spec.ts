import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { addAccount } from '../../streams/coordinator/accounts.js';
import { CliProcess } from '../../streams/demo/cli-process.js';
import { type CliResult, closedPort, expectFailure, runCli } from '../support/run-cli.js';

/** Every stdout line of a --json process is JSON: the failure went to stderr, not into the event stream. */
const expectJsonStdout = (result: CliResult) => {
  for (const line of result.stdout.split('\n').filter((l) => l !== ''))
    expect(() => JSON.parse(line) as unknown, line).not.to.throw();
};

describe('warp-p2p failures a user can cause: one "[P2P] CODE: message" line and exit 1', function () {
  this.timeout(60_000);
  let dir: string;
  let accounts: string;
  let coordinator: CliProcess;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warp-cli-errors-'));
    accounts = join(dir, 'accounts.json');
    await addAccount(accounts, 'hoster', 'host-pw', ['player', 'host']);
    await addAccount(accounts, 'bob', 'bob-pw', ['player']);
    coordinator = new CliProcess([
      'coordinator',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'data'),
      '--accounts',
      accounts,
      '--service-key',
      'right-key',
      '--json',
    ]);
    url = (await coordinator.json((e) => e['event'] === 'listening'))['url'] as string;
  });
  after(async () => {
    await coordinator.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const host = (account: string, password: string, ...extra: string[]) =>
    runCli([
      'host',
      '--coordinator',
      url,
      '--id',
      `${account}-pc`,
      '--port',
      '0',
      '--maps',
      'forest',
      '--account',
      account,
      '--password',
      password,
      ...extra,
    ]);
  const client = (player: string, password: string, map: string, coordinatorUrl = url) =>
    runCli([
      'client',
      '--coordinator',
      coordinatorUrl,
      '--player',
      player,
      '--password',
      password,
      '--map',
      map,
      '--json',
    ]);

  describe('with a wrong password', () => {
    it('should refuse a host with ERR_AUTH_FAILED', async () => {
      expectFailure(await host('hoster', 'wrong'), 'ERR_AUTH_FAILED', 1);
    });

    it('should refuse a host with --json the same way, its stdout still JSON lines', async () => {
      const result = await host('hoster', 'wrong', '--json');
      expectFailure(result, 'ERR_AUTH_FAILED', 1);
      expectJsonStdout(result);
    });

    it('should end a client with ERR_AUTH_FAILED', async () => {
      const result = await client('bob', 'wrong', 'forest');
      expectFailure(result, 'ERR_AUTH_FAILED', 1);
      expectJsonStdout(result);
    });
  });

  it('should refuse a VPS with a wrong service key with ERR_AUTH_FAILED', async () => {
    const line = expectFailure(
      await runCli(['vps', '--coordinator', url, '--port', '0', '--service-key', 'wrong-key']),
      'ERR_AUTH_FAILED',
      1,
    );
    expect(line).to.contain('service key');
  });

  it('should refuse an account that may not host with ERR_AUTH_ROLE', async () => {
    expectFailure(await host('bob', 'bob-pw'), 'ERR_AUTH_ROLE', 1);
  });

  it('should end a client asking for a map nobody offers with ERR_MAP_UNKNOWN', async () => {
    const line = expectFailure(await client('bob', 'bob-pw', 'atlantis'), 'ERR_MAP_UNKNOWN', 1);
    expect(line).to.contain('atlantis');
  });

  describe('with the port already in use', () => {
    let taken: Server;
    let port: number;
    before(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      port = (taken.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => taken.close(() => resolve())));

    it('should stop a coordinator with ERR_PORT_IN_USE naming the address', async () => {
      const result = await runCli([
        'coordinator',
        '--port',
        String(port),
        '--data-dir',
        join(dir, 'busy'),
        '--service-key',
        'k',
      ]);
      expect(expectFailure(result, 'ERR_PORT_IN_USE', 1)).to.contain(`127.0.0.1:${port}`);
    });

    it('should stop a host with ERR_PORT_IN_USE', async () => {
      expectFailure(await host('hoster', 'host-pw', '--port', String(port), '--json'), 'ERR_PORT_IN_USE', 1);
    });
  });

  describe('with the coordinator unreachable', () => {
    it('should end a client with ERR_CONNECTION_FAILED', async () => {
      const nowhere = `ws://127.0.0.1:${await closedPort()}`;
      const line = expectFailure(
        await client('bob', 'bob-pw', 'forest', nowhere),
        'ERR_CONNECTION_FAILED',
        1,
      );
      expect(line).to.contain(nowhere);
    });

    it('should stop a host that never registered with ERR_CONNECTION_FAILED', async () => {
      const nowhere = `ws://127.0.0.1:${await closedPort()}`;
      const result = await runCli([
        'host',
        '--coordinator',
        nowhere,
        '--id',
        'h',
        '--port',
        '0',
        '--maps',
        'forest',
        '--account',
        'hoster',
        '--password',
        'host-pw',
      ]);
      expect(expectFailure(result, 'ERR_CONNECTION_FAILED', 1)).to.contain(nowhere);
    });
  });

  describe('with an accounts file the coordinator cannot use', () => {
    const coordinatorWith = (file: string, ...extra: string[]) =>
      runCli(['coordinator', '--port', '0', '--data-dir', join(dir, 'other'), '--accounts', file, ...extra]);

    it('should stop on a file that is not JSON with ERR_ACCOUNTS_FILE', async () => {
      const file = join(dir, 'broken.json');
      writeFileSync(file, '{"version": 1, "accounts": {');
      expect(expectFailure(await coordinatorWith(file), 'ERR_ACCOUNTS_FILE', 1)).to.contain(file);
    });

    it('should stop on JSON that is not an accounts file with ERR_ACCOUNTS_FILE, in --json mode too', async () => {
      const file = join(dir, 'wrong-shape.json');
      writeFileSync(file, '{"version": 1, "accounts": {"eve": 1}}');
      const result = await coordinatorWith(file, '--json');
      expectFailure(result, 'ERR_ACCOUNTS_FILE', 1);
      expectJsonStdout(result);
    });

    it('should stop on a file that cannot be read with ERR_ACCOUNTS_FILE', async () => {
      const folder = join(dir, 'a-folder.json');
      mkdirSync(folder);
      expectFailure(await coordinatorWith(folder), 'ERR_ACCOUNTS_FILE', 1);
    });

    it('should stop on a file that does not exist with ERR_ACCOUNTS_FILE', async () => {
      expectFailure(await coordinatorWith(join(dir, 'typo.json')), 'ERR_ACCOUNTS_FILE', 1);
    });

    it('should refuse to add an account to a broken file with ERR_ACCOUNTS_FILE', async () => {
      const file = join(dir, 'broken-too.json');
      writeFileSync(file, 'not json');
      expectFailure(await runCli(['account', 'add', 'ann', '--accounts', file]), 'ERR_ACCOUNTS_FILE', 1);
    });
  });

  it('should refuse to replay a recording it cannot read with ERR_RECORDING_UNREADABLE', async () => {
    const missing = join(dir, 'no-such.jsonl');
    expect(expectFailure(await runCli(['replay', missing]), 'ERR_RECORDING_UNREADABLE', 1)).to.contain(
      missing,
    );
  });

  it('should print every problem of a bad --config on its one line', async () => {
    const config = join(dir, 'bad.ini');
    writeFileSync(config, '[P2P_NETWORK]\nMaxRetries=abc\nTimeoutMS=-1\n');
    const line = expectFailure(
      await runCli([
        'client',
        '--coordinator',
        url,
        '--player',
        'bob',
        '--map',
        'forest',
        '--config',
        config,
      ]),
      'ERR_CONFIG_INVALID',
      1,
    );
    expect(line).to.contain('P2P_NETWORK.MaxRetries').and.contain('P2P_NETWORK.TimeoutMS');
  });
});
