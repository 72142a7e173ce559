import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type RunningCli, runCli, startCli } from '../support/run-cli.js';

/** The `npx warp-p2p …` lines of the README's "Running each role" block, continuations joined. */
const walkThrough = (): string[] => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split('\n## Running each role\n')[1] ?? '';
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.startsWith('npx warp-p2p '));
};

/** A command line split as sh would split these: words, '…' and "…" quoting, nothing else allowed. */
const words = (line: string): string[] => {
  if (/[$`|;&<>()]/.test(line.replace(/'[^']*'/g, ''))) throw new Error(`not a plain command: ${line}`);
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
};

describe('the README walk-through "Running each role", pasted line by line', function () {
  this.timeout(90_000);
  let dir: string;
  const running: RunningCli[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warp-readme-'));
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should run every role and connect the player, each server stopping cleanly', async () => {
    const lines = walkThrough().map(words);
    const roles = lines.map((argv) => argv[2]);
    expect(roles).to.deep.equal(['account', 'account', 'coordinator', 'host', 'vps', 'client']);
    // The terminal's fixed ports become free ones; the coordinator's URL is whatever it listens on.
    let coordinatorUrl = '';
    const asRun = (argv: string[]) =>
      argv
        .slice(2)
        .map((word, i, all) => (all[i - 1] === '--port' ? '0' : word))
        .map((word) => (word === 'ws://127.0.0.1:7000' ? coordinatorUrl : word));
    const [addAlice, addBob, coordinator, host, vps, client] = lines.map((argv) => () => asRun(argv));
    for (const add of [addAlice, addBob])
      expect((await runCli(add?.() ?? [], { cwd: dir })).code).to.equal(0);

    const start = (args: string[]) => {
      const child = startCli(args, dir);
      running.push(child);
      return child;
    };
    const coordinatorProcess = start(coordinator?.() ?? []);
    const keyLine = await coordinatorProcess.line((l) => l.startsWith('[P2P] service key'));
    const keyFile = join(dir, 'coordinator-data', 'service-key');
    expect(keyLine).to.contain(keyFile);
    expect(statSync(keyFile).mode & 0o777).to.equal(0o600);
    coordinatorUrl = (await coordinatorProcess.line((l) => l.startsWith('listening '))).slice(10);

    const servers = [start(host?.() ?? []), start(vps?.() ?? [])];
    for (const server of servers) await server.line((l) => l.includes('"type":"registered"'));
    // stdin is not a terminal here: the client prints JSON lines.
    const player = start(client?.() ?? []);
    await player.line((l) => l.includes('"state":"CONNECTED","server":{"kind":"p2p","id":"alice-pc"}'));

    for (const child of [player, ...servers, coordinatorProcess])
      expect(await child.stop('SIGTERM')).to.equal(0);
  });
});
