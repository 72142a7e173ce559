import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type Run, barePath, cleanEnv, onPath, repoRoot, run, runOk, tempDir } from './support/npm.js';
import { packed } from './support/packed.js';

const fixtures = fileURLToPath(new URL('./consumer/', import.meta.url));
const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');

/**
 * The game's rxjs: another version than the 7.8.2 warp-p2p is developed with, so that a warp-p2p holding its own
 * copy (a dependency instead of a peer) would get a second one, as a user on 7.8.1 did.
 */
const GAME_RXJS = '7.8.1';

/** Modules no game client may load: the coordinator and host, the CA (node-forge), the log file transport. */
const SERVER_ONLY = [
  /\/node_modules\/node-forge\//,
  /\/winston\/lib\/winston\/transports\/file\.js$/,
  /\/warp-p2p\/dist\/streams\/coordinator\/(?!player-agent\.js$|rpc\.js$|reconnect\.js$)[^/]+$/,
  /\/warp-p2p\/dist\/streams\/host\//,
  /\/warp-p2p\/dist\/lib\/crypto\/pki\.js$/,
  /\/warp-p2p\/dist\/bin\//,
];

/**
 * Runs `node ARGS` in `cwd` as the leader of its own process group, so that on a time-out the program and every
 * process it started are killed together (by the group's id).
 */
const runProgram = (args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, ms: number): Promise<Run> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), ms);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });

const steps = (stdout: string): Record<string, Record<string, unknown>> =>
  Object.fromEntries(
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .map((step) => [step['step'] as string, step]),
  );

describe('warp-p2p installed from its tarball in a project of its own, with no C compiler on the PATH', function () {
  // npm pack (a tsc build), an install from the npm cache, then real processes: minutes, not seconds.
  this.timeout(600_000);
  let project: string;
  let path: string;
  let installed: Run;

  before(async () => {
    const { tarball } = await packed();
    path = barePath();
    project = tempDir('warp-consumer-');
    for (const file of readdirSync(fixtures)) copyFileSync(join(fixtures, file), join(project, file));
    const spec = `file:${tarball}`;
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'warp-game',
        private: true,
        type: 'module',
        dependencies: { 'warp-p2p': spec, rxjs: GAME_RXJS },
        // npm 11 runs no dependency's install script unless the project allows it: this one does, so that the
        // script that must never fail without a compiler runs here.
        allowScripts: { [spec]: true },
      }),
    );
    // From the npm cache; what it lacks (the game's own rxjs the first time) comes from the registry.
    installed = await runOk(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'],
      {
        cwd: project,
        env: cleanEnv(path),
        ms: 300_000,
      },
    );
  });

  after(() => rmSync(project, { recursive: true, force: true }));

  it('should have run its install script, with no compiler, make or python to be found', () => {
    expect(
      ['cc', 'gcc', 'clang', 'make', 'python3'].filter((tool) => onPath(tool, path) !== null),
    ).to.deep.equal([]);
    expect(installed.stdout).to.match(/^> warp-p2p@\S+ install$/m);
    expect(existsSync(join(project, 'node_modules/warp-p2p/dist/index.js'))).to.equal(true);
  });

  it("should load the game's own rxjs, the only copy", () => {
    const rxjs = JSON.parse(readFileSync(join(project, 'node_modules/rxjs/package.json'), 'utf8')) as {
      version: string;
    };
    expect(rxjs.version).to.equal(GAME_RXJS);
    expect(existsSync(join(project, 'node_modules/warp-p2p/node_modules/rxjs'))).to.equal(false);
  });

  it('should answer --version from the installed command', async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    const result = await runOk(join(project, 'node_modules/.bin/warp-p2p'), ['--version'], {
      cwd: project,
      env: cleanEnv(path),
    });
    expect(result.stdout).to.equal(`${version}\n`);
  });

  it('should let a plain .mjs program play a map, then fail over to the VPS when the host is killed', async () => {
    const result = await runProgram(['play.mjs'], project, cleanEnv(path), 120_000);
    const seen = steps(result.stdout);
    expect(seen['failed'], result.stderr).to.equal(undefined);
    expect(seen['operators']).to.deep.include({ retryBackoff: 'function' });
    expect(seen['connected']).to.deep.include({ kind: 'p2p', id: 'host-1' });
    expect(seen['killed']).to.deep.include({ host: 'host-1' });
    expect(seen['failed-over']).to.deep.include({ kind: 'vps', id: 'vps-1' });
    // The prebuilt module serves linux-x64 without a compiler; elsewhere node:crypto is the expected answer.
    const expected = process.platform === 'linux' && process.arch === 'x64' ? 'native' : 'node:crypto';
    expect(seen['servers']).to.deep.include({ aead: expected });
    expect(result.code).to.equal(0);
  });

  it('should type-check a TypeScript file using the same names with tsc --strict and nodenext resolution', async () => {
    const result = await run(
      process.execPath,
      [
        tsc,
        '--strict',
        '--noEmit',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        'types.ts',
      ],
      { cwd: project, env: cleanEnv(path) },
    );
    expect(result.stdout + result.stderr).to.equal('');
    expect(result.code).to.equal(0);
  });

  it("should run the game's marble test of retryBackoff in its own TestScheduler.run()", async () => {
    const result = await runProgram(['--test', 'retry-backoff.test.mjs'], project, cleanEnv(path), 60_000);
    expect(result.stdout, result.stdout + result.stderr).to.match(/^# pass 1$/m);
    expect(result.code).to.equal(0);
  });

  for (const entry of ['warp-p2p', 'warp-p2p/client'])
    it(`should load no server code when ${entry} is imported`, async () => {
      const { stdout } = await runOk(process.execPath, ['graph.mjs', entry], {
        cwd: project,
        env: cleanEnv(path),
      });
      const loaded = JSON.parse(stdout) as string[];
      expect(loaded.some((file) => file.endsWith('/warp-p2p/dist/streams/client/client.js'))).to.equal(true);
      expect(loaded.filter((file) => SERVER_ONLY.some((pattern) => pattern.test(file)))).to.deep.equal([]);
    });

  it('should see the server code where it is loaded (warp-p2p/coordinator), so its absence above means something', async () => {
    const { stdout } = await runOk(process.execPath, ['graph.mjs', 'warp-p2p/coordinator'], {
      cwd: project,
      env: cleanEnv(path),
    });
    const loaded = JSON.parse(stdout) as string[];
    expect(loaded.some((file) => /\/node_modules\/node-forge\//.test(file))).to.equal(true);
    expect(
      loaded.some((file) => file.endsWith('/warp-p2p/dist/streams/coordinator/coordinator.js')),
    ).to.equal(true);
  });

  it('should still install where the native module must be built from source and cannot be (frames use node:crypto)', async () => {
    // What a platform with no prebuild goes through: node-gyp-build tries node-gyp, which finds no compiler.
    const result = await runOk('npm', ['rebuild', 'warp-p2p', '--foreground-scripts'], {
      cwd: project,
      // node-gyp-build's switch (npm's --build-from-source flag, which npm 11 calls an unknown config).
      env: { ...cleanEnv(path), npm_config_build_from_source: 'true' },
    });
    expect(result.stdout).to.match(/^warp-p2p: no prebuilt AES-256-GCM module .*node:crypto$/m);
  });
});
