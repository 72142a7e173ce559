import { type ChildProcessWithoutNullStreams, execFile, execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `ip …` or `iptables …` (root only); a failure rejects with the command and its stderr. */
const sh = async (command: string, args: readonly string[]): Promise<string> => {
  try {
    return (await run(command, args, { timeout: 10_000 })).stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr?.trim() ?? String(error)}`);
  }
};

/** Every lab made by this process and not torn down yet, and temp dirs to remove: cleaned up on the way out. */
const live = new Set<NetLab>();
const dirs = new Set<string>();
const cleanUpSync = () => {
  for (const lab of live) lab.teardownSync();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
};
process.once('exit', cleanUpSync);
// A signal ends the process without 'exit': clean up, then die of the same signal (mocha's own handling aside).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  const onSignal = () => {
    cleanUpSync();
    process.kill(process.pid, signal);
  };
  process.once(signal, onSignal);
}

/** Removes `dir` (recursively) at exit or on a signal, unless `removeDir` removed it before. */
export const removeDirOnExit = (dir: string): void => {
  dirs.add(dir);
};

/** Removes `dir` now and forgets it. */
export const removeDir = (dir: string): void => {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
};

/** The subnet every lab uses; it exists only inside the lab's own namespaces. */
const SUBNET = '10.77.0';

/** A JSON object from one output line, or null. */
export const parseJsonLine = (line: string): Record<string, unknown> | null => {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/**
 * A process started inside a lab namespace (`ip netns exec NS …`: `ip` execs the command, so the pid kept is the
 * command's own). Its stdout lines are kept for `line()`/`json()` to wait on; stderr is kept for failure reports.
 */
export class LabProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    namespace: string,
    command: string,
    args: readonly string[],
  ) {
    this.child = spawn('ip', ['netns', 'exec', namespace, command, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`could not start ${name}`);
    this.pid = this.child.pid;
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.waiters) wake();
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      // The tail is what explains a failure; a chatty process must not grow this without bound.
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
    // A process that ends (or a stdin write after it ended) is reported by `exited`, never as an uncaught error.
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        resolve({ code, signal });
        for (const wake of this.waiters) wake();
      }),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Every stdout line that parses as a JSON object. */
  jsonLines(): Record<string, unknown>[] {
    return this.lines.flatMap((line) => {
      const parsed = parseJsonLine(line);
      return parsed === null ? [] : [parsed];
    });
  }

  /** The first JSON stdout line (seen before or after now) that matches; rejects after `ms` or on exit. */
  json(match: (event: Record<string, unknown>) => boolean, ms = 15_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < this.lines.length; seen += 1) {
          const found = parseJsonLine(this.lines[seen] ?? '');
          if (found !== null && match(found)) return done(() => resolve(found));
        }
        if (!this.running)
          done(() =>
            reject(new Error(`${this.name} exited before the line expected; stderr: ${this.stderr}`)),
          );
      };
      const timer = setTimeout(
        () =>
          done(() => reject(new Error(`${this.name}: no matching line in ${ms} ms; stderr: ${this.stderr}`))),
        ms,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Writes one line to the process's stdin. */
  send(line: string): void {
    if (this.running) this.child.stdin.write(`${line}\n`);
  }

  /** Sends a signal to this pid only. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, signal);
  }

  /** Ends this process (SIGCONT first, in case it is frozen) and waits for it; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGKILL', graceMs = 5000): Promise<void> {
    if (!this.running) return;
    process.kill(this.pid, 'SIGCONT');
    process.kill(this.pid, signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

interface Rule {
  readonly namespace: string;
  readonly spec: readonly string[];
}

/**
 * A small network of Linux network namespaces: one per node, each with one veth (`eth0`, 10.77.0.N/24) into a
 * bridge that lives in a namespace of its own (the "lan"). Nothing is added to the root namespace: no address,
 * no link, no rule. Names carry this process's pid and a counter, so a crashed run never collides with the next.
 * iptables rules for faults go into the nodes' own namespaces (INPUT and OUTPUT; the bridge forwards at layer 2).
 *
 * @example
 * const lab = await NetLab.create(['coordinator', 'host-1', 'clients']);
 * const p = lab.spawn('host-1', process.execPath, ['server.js', '--host', lab.ip('host-1')]);
 * await lab.partition('host-1', 'clients'); … await lab.heal();
 * await lab.teardown(); // kills p (by pid), deletes every namespace
 */
export class NetLab {
  private static count = 0;
  private readonly processes: LabProcess[] = [];
  private rules: Rule[] = [];
  private tornDown = false;

  private constructor(
    /** Node name → namespace name. */
    private readonly namespaces: ReadonlyMap<string, string>,
    private readonly addresses: ReadonlyMap<string, string>,
    private readonly lan: string,
    /** Namespaces actually created (teardown deletes exactly these). */
    private readonly created: string[],
  ) {}

  /** Creates the lan and one namespace per node; on any failure, removes what it made and rethrows. */
  static async create(nodes: readonly string[]): Promise<NetLab> {
    if (process.getuid?.() !== 0)
      throw new Error('the system specs make network namespaces: run them as root (npm run test:system)');
    if (nodes.length > 200) throw new Error('at most 200 nodes in a lab');
    NetLab.count += 1;
    const prefix = `warp-${process.pid}-${NetLab.count}`;
    const lan = `${prefix}-lan`;
    const namespaces = new Map(nodes.map((node) => [node, `${prefix}-${node}`]));
    const addresses = new Map(nodes.map((node, n) => [node, `${SUBNET}.${n + 1}`]));
    const lab = new NetLab(namespaces, addresses, lan, []);
    live.add(lab);
    try {
      await lab.addNamespace(lan);
      await sh('ip', ['-n', lan, 'link', 'set', 'lo', 'up']);
      await sh('ip', ['-n', lan, 'link', 'add', 'br0', 'type', 'bridge']);
      await sh('ip', ['-n', lan, 'link', 'set', 'br0', 'up']);
      for (const [n, node] of nodes.entries()) {
        const ns = lab.ns(node);
        const port = `p${n}`;
        await lab.addNamespace(ns);
        await sh('ip', ['-n', lan, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
        await sh('ip', ['-n', lan, 'link', 'set', port, 'master', 'br0', 'up']);
        await sh('ip', ['-n', ns, 'addr', 'add', `${lab.ip(node)}/24`, 'dev', 'eth0']);
        await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
        await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      }
      return lab;
    } catch (error) {
      await lab.teardown();
      throw error;
    }
  }

  private async addNamespace(name: string) {
    await sh('ip', ['netns', 'add', name]);
    this.created.push(name);
  }

  /** The namespace of a node. */
  ns(node: string): string {
    const ns = this.namespaces.get(node);
    if (ns === undefined) throw new Error(`no node ${node} in this lab`);
    return ns;
  }

  /** The node's address (reachable from every other node of the lab, and only from there). */
  ip(node: string): string {
    const ip = this.addresses.get(node);
    if (ip === undefined) throw new Error(`no node ${node} in this lab`);
    return ip;
  }

  /** Starts `command args` inside the node's namespace; teardown kills it by its pid. */
  spawn(node: string, command: string, args: readonly string[], name = node): LabProcess {
    if (this.tornDown) throw new Error('this lab was torn down');
    const child = new LabProcess(name, this.ns(node), command, args);
    this.processes.push(child);
    return child;
  }

  /** Runs `iptables` inside a node's namespace (`-w`: wait for the xtables lock). */
  iptables(node: string, args: readonly string[]): Promise<string> {
    return sh('ip', ['netns', 'exec', this.ns(node), 'iptables', '-w', ...args]);
  }

  private async addRule(node: string, spec: readonly string[]) {
    await this.iptables(node, ['-I', ...spec]);
    this.rules.push({ namespace: node, spec });
  }

  /** Drops every packet between nodes `a` and `b`, both ways, on both ends (until `heal`). */
  async partition(a: string, b: string): Promise<void> {
    for (const [self, peer] of [
      [a, b],
      [b, a],
    ] as const) {
      await this.addRule(self, ['INPUT', '-s', this.ip(peer), '-j', 'DROP']);
      await this.addRule(self, ['OUTPUT', '-d', this.ip(peer), '-j', 'DROP']);
    }
  }

  /** Drops everything in and out of `node` (loopback aside) for `ms`, then lifts exactly those rules. */
  async blackhole(node: string, ms: number): Promise<void> {
    const specs = [
      ['INPUT', '!', '-i', 'lo', '-j', 'DROP'],
      ['OUTPUT', '!', '-o', 'lo', '-j', 'DROP'],
    ];
    for (const spec of specs) await this.addRule(node, spec);
    await new Promise((resolve) => setTimeout(resolve, ms));
    for (const spec of specs) await this.removeRule({ namespace: node, spec });
  }

  private async removeRule(rule: Rule) {
    const at = this.rules.findIndex(
      (r) => r.namespace === rule.namespace && r.spec.join(' ') === rule.spec.join(' '),
    );
    if (at < 0) return;
    this.rules.splice(at, 1);
    await this.iptables(rule.namespace, ['-D', ...rule.spec]);
  }

  /** Removes every rule `partition` and `blackhole` added. */
  async heal(): Promise<void> {
    for (const rule of [...this.rules].reverse()) await this.removeRule(rule);
  }

  /** Kills every process it started (by pid), then deletes every namespace it created (links go with them). */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    await Promise.all(this.processes.map((p) => p.stop('SIGKILL')));
    this.rules = [];
    const failures: string[] = [];
    // The lan last: deleting a node's namespace deletes its veth, and so the port on the bridge.
    for (const ns of [...this.created].reverse()) {
      await sh('ip', ['netns', 'del', ns]).catch((error: Error) => failures.push(error.message));
    }
    live.delete(this);
    if (failures.length > 0) throw new Error(`teardown left namespaces behind: ${failures.join('; ')}`);
  }

  /** `teardown` for process exit (synchronous, best effort). */
  teardownSync(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    for (const p of this.processes) if (p.running) p.signal('SIGKILL');
    for (const ns of [...this.created].reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // Best effort on the way out: a leftover is named with this pid and never reused.
      }
    }
    live.delete(this);
  }
}
