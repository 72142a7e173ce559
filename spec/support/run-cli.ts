import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/** The CLI from the TypeScript sources, as the other integration specs start it. */
export const CLI_BIN = fileURLToPath(new URL('../../bin/warp-p2p.js', import.meta.url));

/** How a finished `warp-p2p` process ended, and everything it printed. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  /** Killed (SIGKILL) if it runs longer: a process that should have ended by itself then fails its spec. */
  readonly ms?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Runs `warp-p2p ARGS` as a real process with stdin closed; resolves when it exits. */
export const runCli = (args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), options.ms ?? 20_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });

/** The `[P2P] CODE: message` lines a process printed, on either stream. */
export const codedLines = (result: CliResult): string[] =>
  `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /^\[P2P\] ERR_[A-Z_]+: /.test(line));

/**
 * Asserts what a user sees of a failure: exactly one coded line, on stderr, with this code, no stack trace, and
 * the exit code.
 */
export const expectFailure = (result: CliResult, code: string, exitCode: number): string => {
  const lines = codedLines(result);
  expect(lines, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).to.have.lengthOf(1);
  const line = lines[0] ?? '';
  expect(line).to.match(new RegExp(`^\\[P2P\\] ${code}: \\S`));
  expect(result.stderr.split('\n')).to.include(line);
  expect(`${result.stdout}${result.stderr}`).not.to.match(/^\s+at /m);
  expect(result.code).to.equal(exitCode);
  return line;
};

/** A port nothing listens on (bound, then closed at once). */
export const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** A running `warp-p2p` process: its stdout lines so far, a wait for one, and a stop by its own pid. */
export interface RunningCli {
  readonly lines: readonly string[];
  /** The first stdout line (seen before or after now) that matches; rejects if the process exits first. */
  readonly line: (match: (line: string) => boolean, ms?: number) => Promise<string>;
  /** Sends the signal and resolves with the exit code. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  readonly stderr: () => string;
}

/** Starts `warp-p2p ARGS` in `cwd` (relative paths in ARGS are the user's, as typed in a terminal there). */
export const startCli = (args: readonly string[], cwd: string): RunningCli => {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let pending = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (pending + chunk.toString()).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close': the process exited and its output is all read.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    lines,
    stderr: () => stderr,
    line: (match, ms = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(match);
          if (found === undefined) return;
          done();
          resolve(found);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no such line within ${ms} ms; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        void exited.then(() => {
          check();
          if (!waiters.has(check)) return;
          done();
          reject(new Error(`exited first; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
        });
        check();
      }),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
};
