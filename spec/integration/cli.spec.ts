import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { expectFailure, runCli } from '../support/run-cli.js';

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe('warp-p2p CLI', function () {
  this.timeout(60_000);

  it('should run the demo, with its failover, to the end and exit 0 by itself', async () => {
    const { code, stdout } = await runCli(['demo', '--duration', '8', '--bots', '4'], { ms: 50_000 });
    expect(stdout).to.contain('[P2P] killed host-1 (SIGKILL)');
    expect(stdout).to.contain('[P2P] map forest → vps-1 (epoch 2, moved from host-1)');
    // RECONNECTING shows too, unless the coordinator's map.moved push beats the closed socket.
    for (const state of ['FAILING_OVER vps vps-1', 'CONNECTED vps vps-1'])
      expect(stdout).to.contain(`[P2P] bot-1 ${state}`);
    expect(stdout).to.match(/bot-3: failover \d+ ms/);
    expect(stdout).to.contain('inputs lost: 0 of');
    expect(code).to.equal(0);
  });

  it('should print the package version for --version, -V and version', async () => {
    for (const args of [['--version'], ['-V'], ['version']]) {
      const { code, stdout } = await runCli(args);
      expect(stdout).to.equal(`${packageVersion}\n`);
      expect(code).to.equal(0);
    }
  });

  describe('with a usage error: one "[P2P] ERR_USAGE" line naming what is wrong, exit code 2', () => {
    it('should name an unknown flag', async () => {
      const line = expectFailure(
        await runCli(['coordinator', '--port', '0', '--data-dir', 'd', '--bogus']),
        'ERR_USAGE',
        2,
      );
      expect(line).to.contain("'--bogus'").and.contain('warp-p2p coordinator --help');
    });

    it('should name an unknown flag before the required ones missing', async () => {
      expect(expectFailure(await runCli(['host', '--bogus']), 'ERR_USAGE', 2)).to.contain("'--bogus'");
    });

    it('should name a missing required flag', async () => {
      const line = expectFailure(await runCli(['coordinator', '--port', '0']), 'ERR_USAGE', 2);
      expect(line).to.contain('--data-dir');
    });

    it('should name a flag with a bad value', async () => {
      const line = expectFailure(await runCli(['demo', '--bots', 'many']), 'ERR_USAGE', 2);
      expect(line).to.contain('--bots').and.contain('many');
      const port = expectFailure(
        await runCli(['coordinator', '--port', '70000', '--data-dir', 'd']),
        'ERR_USAGE',
        2,
      );
      expect(port).to.contain('--port');
    });

    it('should name an unknown command', async () => {
      const line = expectFailure(await runCli(['nonsense']), 'ERR_USAGE', 2);
      expect(line).to.contain("'nonsense'").and.contain('warp-p2p --help');
    });

    it('should refuse a VPS with no service key, or with two', async () => {
      const vps = ['vps', '--coordinator', 'ws://127.0.0.1:1', '--port', '0'];
      expect(expectFailure(await runCli(vps), 'ERR_USAGE', 2)).to.contain('--service-key');
      const both = await runCli([...vps, '--service-key', 'k', '--service-key-file', 'f']);
      expect(expectFailure(both, 'ERR_USAGE', 2)).to.contain('--service-key-file');
    });

    it('should refuse an account name that is not one', async () => {
      expect(expectFailure(await runCli(['account', 'add', 'no spaces']), 'ERR_USAGE', 2)).to.contain(
        'no spaces',
      );
    });
  });
});
