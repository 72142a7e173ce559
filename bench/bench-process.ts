import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const typescriptLoader = new URL('../bin/load-typescript.js', import.meta.url).href;

/** A bench's child process: JSON lines out (awaited by their `event`), command lines in. */
export interface Proc {
  readonly send: (line: string) => void;
  readonly next: (event: string, ms?: number) => Promise<Record<string, unknown>>;
  readonly stop: () => Promise<void>;
  /** Whether it has not exited yet. */
  readonly running: () => boolean;
}

// The host runs as the README says a host on one core should (`warp-p2p host` reminds of it); WARP_HOST_FLAGS
// adds Node flags for experiments.
const HOST_FLAGS = [
  '--single-threaded-gc',
  ...(process.env['WARP_HOST_FLAGS'] ?? '').split(' ').filter(Boolean),
];

/** Starts `script` (a bench/ file) pinned to `core`, with --expose-gc and the TypeScript loader. */
export const start = (
  core: number,
  script: string,
  args: string[],
  env: Readonly<Record<string, string>> = {},
): Proc => {
  const child = spawn(
    'taskset',
    [
      '-c',
      String(core),
      process.execPath,
      '--expose-gc',
      ...(script === './host-process.ts' ? HOST_FLAGS : []),
      '--import',
      typescriptLoader,
      here(script),
      ...args,
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    },
  );
  const waiting: Array<{ event: string; resolve: (value: Record<string, unknown>) => void }> = [];
  const seen: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const index = waiting.findIndex((w) => w.event === parsed['event']);
    if (index >= 0) waiting.splice(index, 1)[0]?.resolve(parsed);
    else seen.push(parsed);
  });
  return {
    send: (line) => child.stdin.write(`${line}\n`),
    next: (event, ms = 120_000) =>
      new Promise((resolve, reject) => {
        const early = seen.findIndex((e) => e['event'] === event);
        if (early >= 0) {
          resolve(seen.splice(early, 1)[0] as Record<string, unknown>);
          return;
        }
        const timer = setTimeout(() => reject(new Error(`${script}: no ${event} within ${ms} ms`)), ms);
        waiting.push({ event, resolve: (v) => (clearTimeout(timer), resolve(v)) });
      }),
    running: () => child.exitCode === null && child.signalCode === null,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
};
