import type { HostKind } from '../../lib/coordinator/protocol.js';

/** A registered host (or the VPS) as the coordinator knows it. */
export interface HostRecord {
  readonly id: string;
  readonly kind: HostKind;
  readonly url: string;
  readonly maps: readonly string[];
  readonly capacity: number;
  readonly load: number;
  readonly alive: boolean;
  /** The control connection it registered on: a second live registration of the same id is refused. */
  readonly connection: string;
}

/** A map's authoritative owner under an epoch. `owner` null: the map has no live owner now. */
export interface Lease {
  readonly map: string;
  readonly owner: string | null;
  readonly epoch: number;
  /**
   * The last owner that held the map, and under which epoch: the one whose signed checkpoints the clients carry,
   * so the one a restore must verify against, however many ownerless epochs came between.
   */
  readonly previous?: { readonly owner: string; readonly epoch: number } | null;
}

/** The lease after `lease` moves to `owner` under the next epoch, remembering who held it last. */
export const nextLease = (lease: Lease | undefined, map: string, owner: string | null): Lease => ({
  map,
  owner,
  epoch: (lease?.epoch ?? 0) + 1,
  previous: lease?.owner != null ? { owner: lease.owner, epoch: lease.epoch } : (lease?.previous ?? null),
});

/**
 * All coordinator state. Nothing else in the coordinator keeps state that would be lost on restart or would
 * differ between coordinators sharing a store (sockets and timers are resources, not state). Async so a Redis
 * implementation fits the same interface; the coordinator serializes its mutations.
 */
export interface CoordinatorStore {
  readonly getHost: (id: string) => Promise<HostRecord | undefined>;
  readonly putHost: (host: HostRecord) => Promise<void>;
  readonly listHosts: () => Promise<readonly HostRecord[]>;
  readonly getLease: (map: string) => Promise<Lease | undefined>;
  readonly putLease: (lease: Lease) => Promise<void>;
  readonly listLeases: () => Promise<readonly Lease[]>;
  readonly subscribe: (map: string, client: string) => Promise<void>;
  readonly unsubscribeAll: (client: string) => Promise<void>;
  readonly subscribers: (map: string) => Promise<readonly string[]>;
  /** Who a host id belongs to (an account name, or SERVICE_PRINCIPAL): the first to register it. */
  readonly hostIdOwner: (hostId: string) => Promise<string | undefined>;
  /** Gives a host id to `owner` for good; durable before it resolves where the store is. */
  readonly bindHostId: (hostId: string, owner: string) => Promise<void>;
  /** How many host ids `owner` holds. */
  readonly hostIdCount: (owner: string) => Promise<number>;
}

/**
 * The store in process memory, for specs and benches: a coordinator restart empties it, so the leases hosts
 * re-announce after one are unknown and refused (ERR_LEASE_UNKNOWN), and host ids are free again. The CLI uses the
 * file store, which keeps both.
 */
export const createMemoryStore = (): CoordinatorStore => {
  const hosts = new Map<string, HostRecord>();
  const hostIds = new Map<string, string>();
  const leases = new Map<string, Lease>();
  const subscriptions = new Map<string, Set<string>>();
  return {
    getHost: (id) => Promise.resolve(hosts.get(id)),
    putHost: (host) => {
      hosts.set(host.id, host);
      return Promise.resolve();
    },
    listHosts: () => Promise.resolve([...hosts.values()]),
    getLease: (map) => Promise.resolve(leases.get(map)),
    putLease: (lease) => {
      leases.set(lease.map, lease);
      return Promise.resolve();
    },
    listLeases: () => Promise.resolve([...leases.values()]),
    subscribe: (map, client) => {
      const set = subscriptions.get(map) ?? new Set<string>();
      set.add(client);
      subscriptions.set(map, set);
      return Promise.resolve();
    },
    unsubscribeAll: (client) => {
      for (const set of subscriptions.values()) set.delete(client);
      return Promise.resolve();
    },
    subscribers: (map) => Promise.resolve([...(subscriptions.get(map) ?? [])]),
    hostIdOwner: (hostId) => Promise.resolve(hostIds.get(hostId)),
    bindHostId: (hostId, owner) => {
      hostIds.set(hostId, owner);
      return Promise.resolve();
    },
    hostIdCount: (owner) => Promise.resolve([...hostIds.values()].filter((o) => o === owner).length),
  };
};
