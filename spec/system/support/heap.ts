import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The node flags that let `liveHeapMiB` ask a process for a heap snapshot: SIGUSR2 writes one into `dir`.
 * A snapshot is taken after a full garbage collection, so it counts what is still referenced, where RSS also
 * counts pages V8 and the allocator keep after a burst (megabytes that look like a leak and are not one).
 */
export const heapSnapshotFlags = (dir: string): string[] => [
  '--heapsnapshot-signal=SIGUSR2',
  `--diagnostic-dir=${dir}`,
];

const SNAPSHOT_WAIT_MS = 30_000;
const POLL_MS = 200;

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: readonly string[] } };
  readonly nodes: readonly number[];
}

/** The sum of every object's own size in a snapshot, in MiB. */
const liveBytesOf = (snapshot: Snapshot): number => {
  const fields = snapshot.snapshot.meta.node_fields;
  const selfSize = fields.indexOf('self_size');
  let total = 0;
  for (let at = selfSize; at < snapshot.nodes.length; at += fields.length) total += snapshot.nodes[at] ?? 0;
  return total / (1024 * 1024);
};

/**
 * Has process `pid` (started with `heapSnapshotFlags(dir)`) write a heap snapshot and resolves with its live heap
 * in MiB; the file is deleted. The process is paused while it writes (a second or so for a role's heap).
 */
export const liveHeapMiB = async (pid: number, dir: string): Promise<number> => {
  const ours = (name: string) => name.endsWith('.heapsnapshot') && name.includes(`.${pid}.`);
  const earlier = new Set(readdirSync(dir).filter(ours));
  process.kill(pid, 'SIGUSR2');
  for (const end = Date.now() + SNAPSHOT_WAIT_MS; Date.now() < end;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const file = readdirSync(dir).find((name) => ours(name) && !earlier.has(name));
    if (file === undefined) continue;
    try {
      // A file still being written does not parse yet: try again at the next poll.
      const live = liveBytesOf(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Snapshot);
      rmSync(join(dir, file));
      return live;
    } catch {
      continue;
    }
  }
  throw new Error(`process ${pid} wrote no heap snapshot within ${SNAPSHOT_WAIT_MS} ms`);
};
