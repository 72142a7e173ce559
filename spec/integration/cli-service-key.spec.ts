import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { addAccount } from '../../streams/coordinator/accounts.js';
import { CliProcess } from '../../streams/demo/cli-process.js';

describe('warp-p2p coordinator without --service-key', function () {
  this.timeout(60_000);
  let dir: string;
  const processes: CliProcess[] = [];
  const start = (args: string[]) => {
    const child = new CliProcess(args);
    processes.push(child);
    return child;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warp-service-key-'));
    await addAccount(join(dir, 'accounts.json'), 'bob', 'pw', ['player']);
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  const coordinatorArgs = (...extra: string[]) => [
    'coordinator',
    '--port',
    '0',
    '--data-dir',
    join(dir, 'data'),
    '--accounts',
    join(dir, 'accounts.json'),
    ...extra,
  ];

  it('should make a key in its data dir (0600), say where, and admit a VPS holding that file', async () => {
    const coordinator = start(coordinatorArgs('--json'));
    const created = await coordinator.json((e) => e['event'] === 'service-key.created');
    const file = join(dir, 'data', 'service-key');
    expect(created['file']).to.equal(file);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(readFileSync(file, 'utf8').trim()).to.match(/^[A-Za-z0-9_-]{43}$/);
    const url = (await coordinator.json((e) => e['event'] === 'listening'))['url'] as string;

    const vps = start(['vps', '--coordinator', url, '--port', '0', '--service-key-file', file, '--json']);
    await vps.json((e) => e['type'] === 'registered');
    await Promise.all([vps.stop(), coordinator.stop()]);
  });

  it('should keep the key across restarts and tell where it is on the console', async () => {
    const file = join(dir, 'data', 'service-key');
    const key = readFileSync(file, 'utf8');
    const coordinator = start(coordinatorArgs());
    const line = await coordinator.line((l) => l.startsWith('[P2P] service key'));
    expect(line).to.contain(`read from ${file}`).and.contain(`--service-key-file ${file}`);
    const url = (await coordinator.line((l) => l.startsWith('listening '))).slice('listening '.length);
    expect(readFileSync(file, 'utf8')).to.equal(key);

    const vps = start(['vps', '--coordinator', url, '--port', '0', '--service-key', key.trim(), '--json']);
    await vps.json((e) => e['type'] === 'registered');
  });
});
