import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ReplaySubject, filter, firstValueFrom, take, timeout } from 'rxjs';

// From the sources this is bin/warp-p2p.js, which runs the CLI's TypeScript through the loader (the specs); from
// the build it is dist/bin/warp-p2p.js, the compiled CLI (`npm start`, the installed package): a demo's children
// run the same code as the demo itself.
const bin = fileURLToPath(new URL('../../bin/warp-p2p.js', import.meta.url));

/** A real `warp-p2p` child process; its stdout lines are recorded for `line()` to wait on. */
export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  /** Every stdout line, from the first (replayed to late subscribers). */
  readonly lines$ = new ReplaySubject<string>(Number.POSITIVE_INFINITY);
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      this.lines$.next(line);
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** The first stdout line (seen before or after now) that matches. */
  line(match: (line: string) => boolean, ms = 10_000): Promise<string> {
    return firstValueFrom(this.lines$.pipe(filter(match), take(1), timeout(ms)));
  }

  /** The first JSON stdout line that matches (for --json processes). */
  async json(
    match: (event: Record<string, unknown>) => boolean,
    ms = 10_000,
  ): Promise<Record<string, unknown>> {
    const parse = (line: string) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return null;
      }
    };
    return parse(
      await this.line((line) => {
        const e = parse(line);
        return e !== null && match(e);
      }, ms),
    ) as Record<string, unknown>;
  }

  /** Sends a signal to this process (by its own pid) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
