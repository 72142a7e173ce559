import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CoordinatorStore, type Lease, createMemoryStore } from './store.js';

/** The file in the data dir that holds every lease, as `{ version, leases: Lease[] }`. */
export const LEASES_FILE = 'leases.json';

/**
 * The embedded store with durable leases: hosts and subscriptions live in memory (they are connections, and
 * come back when those do), every lease is written to `leases.json` in the data dir before the write resolves, and
 * read back at start. So a restarted coordinator knows each map's last owner and epoch: it never grants an epoch
 * twice, and a map whose owner died during the outage is moved under a new epoch, restored from its players'
 * bundles. Writes go to a temporary file renamed over the old one, so a crash mid-write leaves the old file.
 */
export const createFileStore = (dataDir: string): CoordinatorStore => {
  const path = join(dataDir, LEASES_FILE);
  const memory = createMemoryStore();
  const leases = new Map<string, Lease>(readLeases(path).map((lease) => [lease.map, lease]));
  for (const lease of leases.values()) void memory.putLease(lease);
  return {
    ...memory,
    putLease: async (lease) => {
      leases.set(lease.map, lease);
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ version: 1, leases: [...leases.values()] }, null, 1));
      renameSync(temporary, path);
      await memory.putLease(lease);
    },
  };
};

const readLeases = (path: string): Lease[] => {
  if (!existsSync(path)) return [];
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; leases?: unknown };
  if (parsed.version !== 1 || !Array.isArray(parsed.leases))
    throw new Error(`${path} is not a warp-p2p leases file (version 1)`);
  return (parsed.leases as Lease[]).filter(
    (l) => typeof l.map === 'string' && typeof l.epoch === 'number' && Number.isInteger(l.epoch),
  );
};
