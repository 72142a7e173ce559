import { expect } from 'chai';
import { barePath, cleanEnv, repoRoot, run } from './support/npm.js';
import { packed } from './support/packed.js';

describe('npm start (the demo, compiled)', function () {
  this.timeout(300_000);

  before(async () => {
    // dist/ built from the sources under test (npm pack runs `prepare`), not whatever build was left here.
    await packed();
  });

  it('should run the demo from dist/, its processes included, with its failover, to the end', async () => {
    const { code, stdout, stderr } = await run('npm', ['start', '--', '--duration', '8', '--bots', '4'], {
      cwd: repoRoot,
      env: cleanEnv(barePath()),
      ms: 120_000,
    });
    expect(stdout, stderr).to.contain('> node dist/bin/warp-p2p.js demo');
    expect(stdout).to.contain('[P2P] killed host-1 (SIGKILL)');
    expect(stdout).to.contain('[P2P] map forest → vps-1 (epoch 2, moved from host-1)');
    for (const state of ['FAILING_OVER vps vps-1', 'CONNECTED vps vps-1'])
      expect(stdout).to.contain(`[P2P] bot-1 ${state}`);
    expect(stdout).to.match(/bot-3: failover \d+ ms/);
    expect(stdout).to.contain('inputs lost: 0 of');
    expect(code).to.equal(0);
  });
});
