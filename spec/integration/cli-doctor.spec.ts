import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { aeadImplementation, aeadReason } from '../../lib/crypto/native-aes-gcm.js';
import { runCli } from '../support/run-cli.js';

/** This process's environment without WARP_AEAD, whatever the spec run was started with. */
const envWithoutAead = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'WARP_AEAD'));

interface Report {
  readonly node: string;
  readonly aead: { readonly implementation: string; readonly reason: string };
  readonly config: { readonly file: string | null; readonly status: string };
}

const doctor = async (args: readonly string[], env: NodeJS.ProcessEnv = envWithoutAead()) => {
  const result = await runCli(['doctor', ...args], { env });
  expect(result.stderr).to.equal('');
  expect(result.code).to.equal(0);
  return result.stdout;
};

describe('warp-p2p doctor', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warp-doctor-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('should print the Node version, the AES-256-GCM implementation and why, and no config file', async () => {
    const stdout = await doctor([]);
    expect(stdout).to.contain(`node     ${process.version}`);
    // The same module, loaded the same way, in this process (run without WARP_AEAD too, unless it was set).
    if (process.env['WARP_AEAD'] === undefined)
      expect(stdout).to.contain(`aead     ${aeadImplementation}: ${aeadReason}`);
    expect(stdout).to.match(/^config {3}none: the built-in defaults/m);
  });

  it('should say node:crypto, and that WARP_AEAD=node asked for it', async () => {
    const report = JSON.parse(await doctor(['--json'], { ...envWithoutAead(), WARP_AEAD: 'node' })) as Report;
    expect(report.node).to.equal(process.version);
    expect(report.aead.implementation).to.equal('node:crypto');
    expect(report.aead.reason).to.contain('WARP_AEAD=node');
  });

  it('should name the config file it would load, and what is wrong with a bad one, still exiting 0', async () => {
    const shipped = fileURLToPath(new URL('../../config/p2p.ini', import.meta.url));
    const good = JSON.parse(await doctor(['--config', shipped, '--json'])) as Report;
    expect(good.config).to.deep.equal({ file: shipped, status: 'loads (every value valid)' });
    const bad = join(dir, 'bad.ini');
    writeFileSync(bad, '[P2P_NETWORK]\nMaxRetries=abc\n');
    const report = JSON.parse(await doctor(['--config', bad, '--json'])) as Report;
    expect(report.config.file).to.equal(bad);
    expect(report.config.status).to.match(/^ERR_CONFIG_INVALID: P2P_NETWORK\.MaxRetries/);
  });
});
