import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: where `npm pack` runs. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A temp folder, removed when the mocha process exits at the latest. */
export const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** Where `tool` is on this process's PATH, or null. */
export const onPath = (tool: string, path = process.env['PATH'] ?? ''): string | null => {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return join(dir, tool);
    } catch {
      // not in this folder
    }
  }
  return null;
};

/** The tools a player's PC or a bare CI image has: no C compiler, no make, no python. */
const BARE_TOOLS = ['npm', 'npx', 'sh', 'git'] as const;

/**
 * A PATH of one temp folder holding links to node, npm, npx, sh and git only (those found here): what an install
 * on a machine without a compiler sees.
 */
export const barePath = (): string => {
  const bin = join(tempDir('warp-bare-path-'), 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  for (const tool of BARE_TOOLS) {
    const found = onPath(tool);
    if (found !== null) symlinkSync(found, join(bin, tool));
  }
  return bin;
};

/**
 * This environment without the `npm_*` variables of the `npm test` that runs mocha (a nested npm must read its
 * own configuration, not inherit the outer run's), with `path` as PATH when given.
 */
export const cleanEnv = (path?: string): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.toLowerCase().startsWith('npm_') && key !== 'INIT_CWD') env[key] = value;
  if (path !== undefined) env['PATH'] = path;
  return env;
};

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args` in `cwd`; resolves with its exit code and output whatever the code (killed at `ms`). */
export const run = (
  file: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly ms?: number },
): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? cleanEnv(),
        timeout: options.ms ?? 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });

/** `run`, failing with its output unless it exits 0. */
export const runOk = async (...args: Parameters<typeof run>): Promise<Run> => {
  const result = await run(...args);
  if (result.code !== 0)
    throw new Error(
      `${args[0]} ${args[1].join(' ')} exited ${result.code}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  return result;
};
