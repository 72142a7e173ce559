import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type CoordinatorStore, type Lease, createMemoryStore } from './store.js';

/** The file in the data dir that holds every lease, as `{ version, leases: Lease[] }`. */
export const LEASES_FILE = 'leases.json';

/** The file in the data dir that says whose each host id is, as `{ version, hostIds: { [hostId]: owner } }`. */
export const HOST_IDS_FILE = 'host-ids.json';

/**
 * The embedded store with durable leases: hosts and subscriptions live in memory (they are connections, and
 * come back when those do), every lease is written to `leases.json` in the data dir before the write resolves, and
 * read back at start. So a restarted coordinator knows each map's last owner and epoch: it never grants an epoch
 * twice, and a map whose owner died during the outage is moved under a new epoch, restored from its players'
 * bundles. Host ids are bound to their accounts the same way, in `host-ids.json`, so an id stays its account's
 * across restarts. Writes go to a temporary file renamed over the old one, so a crash mid-write leaves the old file.
 */
export const createFileStore = (dataDir: string): CoordinatorStore => {
  const path = join(dataDir, LEASES_FILE);
  const hostIdsPath = join(dataDir, HOST_IDS_FILE);
  const memory = createMemoryStore();
  const leases = new Map<string, Lease>(readLeases(path).map((lease) => [lease.map, lease]));
  for (const lease of leases.values()) void memory.putLease(lease);
  const hostIds = new Map<string, string>(readHostIds(hostIdsPath));
  for (const [hostId, owner] of hostIds) void memory.bindHostId(hostId, owner);
  return {
    ...memory,
    putLease: async (lease) => {
      leases.set(lease.map, lease);
      replaceDurably(dataDir, path, { version: 1, leases: [...leases.values()] });
      await memory.putLease(lease);
    },
    bindHostId: async (hostId, owner) => {
      hostIds.set(hostId, owner);
      replaceDurably(dataDir, hostIdsPath, { version: 1, hostIds: Object.fromEntries(hostIds) });
      await memory.bindHostId(hostId, owner);
    },
  };
};

/** Writes `value` as JSON to a temporary file, flushed, then renamed over `path`, and flushes the rename. */
const replaceDurably = (dataDir: string, path: string, value: unknown) => {
  const temporary = `${path}.${process.pid}.tmp`;
  writeDurably(temporary, JSON.stringify(value, null, 1));
  renameSync(temporary, path);
  syncDirectory(dataDir);
};

/** Writes and flushes a file to the disk, so the rename after it never exposes a file the disk does not hold. */
const writeDurably = (path: string, text: string) => {
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

/** Flushes a directory's entries (the rename), where the platform allows opening a directory. */
const syncDirectory = (dir: string) => {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open a directory: the rename is as durable as the platform makes it.
  } finally {
    if (fd !== null) closeSync(fd);
  }
};

const isLease = (l: unknown): l is Lease =>
  typeof l === 'object' &&
  l !== null &&
  typeof (l as Lease).map === 'string' &&
  Number.isInteger((l as Lease).epoch) &&
  ((l as Lease).owner === null || typeof (l as Lease).owner === 'string');

/** The leases in the file; a file that is not exactly a leases file stops the start (epochs must not be reused). */
const readLeases = (path: string): Lease[] => {
  if (!existsSync(path)) return [];
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; leases?: unknown };
  if (parsed.version !== 1 || !Array.isArray(parsed.leases) || !parsed.leases.every(isLease))
    throw new Error(`${path} is not a warp-p2p leases file (version 1)`);
  return parsed.leases;
};

/** The host id bindings in the file; a file that is not exactly one stops the start (ids must not change hands). */
const readHostIds = (path: string): [string, string][] => {
  if (!existsSync(path)) return [];
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; hostIds?: unknown };
  const entries =
    typeof parsed.hostIds === 'object' && parsed.hostIds !== null && !Array.isArray(parsed.hostIds)
      ? Object.entries(parsed.hostIds)
      : null;
  if (parsed.version !== 1 || entries === null || !entries.every(([, owner]) => typeof owner === 'string'))
    throw new Error(`${path} is not a warp-p2p host ids file (version 1)`);
  return entries as [string, string][];
};
