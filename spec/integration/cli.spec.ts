import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const bin = fileURLToPath(new URL('../../bin/warp-p2p.js', import.meta.url));

/** Runs the installed CLI entry as a real process; kills it if it outlives `ms`. */
const runCli = (
  args: string[],
  ms = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });

describe('warp-p2p CLI', () => {
  it('should run the demo, with its failover, to the end and exit 0 by itself', async () => {
    const { code, stdout } = await runCli(['demo', '--duration', '8', '--bots', '4']);
    expect(stdout).to.contain('[P2P] killed host-1 (SIGKILL)');
    expect(stdout).to.contain('[P2P] map forest → vps-1 (epoch 2, moved from host-1)');
    // RECONNECTING shows too, unless the coordinator's map.moved push beats the closed socket.
    for (const state of ['FAILING_OVER vps vps-1', 'CONNECTED vps vps-1'])
      expect(stdout).to.contain(`[P2P] bot-1 ${state}`);
    expect(stdout).to.match(/bot-3: failover \d+ ms/);
    expect(stdout).to.contain('inputs lost: 0 of');
    expect(code).to.equal(0);
  });

  it('should refuse a bad --bots with exit code 2', async () => {
    const { code, stderr } = await runCli(['demo', '--bots', 'many']);
    expect(code).to.equal(2);
    expect(stderr).to.contain('--bots must be a positive number');
  });

  it('should refuse an unknown command with exit code 2 and the usage', async () => {
    const { code, stderr } = await runCli(['nonsense']);
    expect(code).to.equal(2);
    expect(stderr).to.contain('unknown command "nonsense"');
    expect(stderr).to.contain('usage: warp-p2p');
  });
});
