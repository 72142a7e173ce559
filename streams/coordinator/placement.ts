import type { HostRecord } from './store.js';

/**
 * Picks the host for a map nobody owns yet: among live P2P hosts offering it, the most spare capacity, then the
 * lowest load, then the lowest latency the client measured (unmeasured counts as slowest), then the id (so the
 * choice is deterministic).
 */
export const pickHost = (
  hosts: readonly HostRecord[],
  map: string,
  latencies: Readonly<Record<string, number>> = {},
): HostRecord | undefined =>
  hosts
    .filter((h) => h.alive && h.kind === 'p2p' && h.maps.includes(map) && h.capacity - h.load > 0)
    .sort(
      (a, b) =>
        b.capacity - b.load - (a.capacity - a.load) ||
        a.load - b.load ||
        (latencies[a.id] ?? Number.MAX_VALUE) - (latencies[b.id] ?? Number.MAX_VALUE) ||
        a.id.localeCompare(b.id),
    )[0];
