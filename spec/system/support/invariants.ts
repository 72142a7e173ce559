import { closeSync, openSync, readSync } from 'node:fs';
import { quantize } from '../../../lib/protocol/hot-codecs.js';
import type { SystemCluster } from './cluster.js';
import type { ClientReport } from './fleet-protocol.js';
import type { LabProcess } from './netns.js';

/** A lease as the coordinator granted it (from its `--json` event lines). */
export interface Grant {
  readonly map: string;
  readonly owner: string | null;
  readonly epoch: number;
  readonly via: string;
}

/**
 * Every lease grant in the coordinator's event lines, in order: `map.assigned` (a new or the current lease),
 * `map.moved` (to the VPS, or to nobody), `host.registered` (leases a re-registering host kept).
 */
export const coordinatorGrants = (coordinator: LabProcess): Grant[] =>
  coordinator.jsonLines().flatMap((e): Grant[] => {
    if (e['event'] === 'map.assigned')
      return [
        {
          map: e['map'] as string,
          owner: e['owner'] as string,
          epoch: e['epoch'] as number,
          via: 'assigned',
        },
      ];
    if (e['event'] === 'map.moved')
      return [
        {
          map: e['map'] as string,
          owner: e['to'] as string | null,
          epoch: e['epoch'] as number,
          via: 'moved',
        },
      ];
    if (e['event'] === 'host.registered')
      return (e['leases'] as { map: string; epoch: number }[]).map((l) => ({
        map: l.map,
        owner: e['hostId'] as string,
        epoch: l.epoch,
        via: 'kept on register',
      }));
    return [];
  });

/** Each map's current lease as the coordinator last granted it. */
export const coordinatorLeases = (grants: readonly Grant[]): Map<string, Grant> =>
  new Map(grants.map((g) => [g.map, g]));

/**
 * The leases a server believes it holds, folded from its `coordinator` event lines the way its agent folds them
 * (a registration replaces them with the kept ones; a revocation removes a lease not newer than it).
 */
export const heldLeases = (server: LabProcess): Map<string, number> => {
  let held = new Map<string, number>();
  for (const e of server.jsonLines()) {
    if (e['event'] !== 'coordinator') continue;
    if (e['type'] === 'registered')
      held = new Map((e['leases'] as { map: string; epoch: number }[]).map((l) => [l.map, l.epoch]));
    else if (e['type'] === 'lease.granted') held.set(e['map'] as string, e['epoch'] as number);
    else if (
      e['type'] === 'lease.revoked' &&
      (held.get(e['map'] as string) ?? Infinity) <= (e['epoch'] as number)
    )
      held.delete(e['map'] as string);
  }
  return held;
};

/** Reads a server's `--record` file as it grows: the world hash after every tick of every map. */
export class RecordTail {
  private offset = 0;
  private rest = '';
  /** Map → tick → hash. */
  readonly hashes = new Map<string, Map<number, string>>();

  constructor(readonly path: string) {}

  poll(): this {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return this; // not created yet
    }
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (;;) {
        const read = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (read === 0) break;
        this.offset += read;
        const lines = (this.rest + buffer.toString('utf8', 0, read)).split('\n');
        this.rest = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.includes('"kind":"tick"')) continue;
          const entry = JSON.parse(line) as { map: string; tick: number; hash: string };
          const ticks = this.hashes.get(entry.map) ?? new Map<number, string>();
          this.hashes.set(entry.map, ticks.set(entry.tick, entry.hash));
        }
      }
    } finally {
      closeSync(fd);
    }
    return this;
  }
}

export interface InvariantOptions {
  /** How long the system may take to settle after the fault (default 20 s). */
  readonly withinMs?: number;
  /** Sync errors a client may have had (default: TIMEOUT only, which a silent host causes by design). */
  readonly allowedSyncErrors?: readonly string[];
  /** How many ticks a client may trail its owner's newest recorded tick (default 40: two seconds). */
  readonly maxLagTicks?: number;
}

export interface InvariantSummary {
  /** Map → the coordinator's current lease. */
  readonly leases: ReadonlyMap<string, Grant>;
  readonly grants: readonly Grant[];
  readonly clients: readonly ClientReport[];
  /** Moves made in all, every one of them in effect. */
  readonly moves: number;
}

/** Every violation of the invariants right now (empty: they hold). */
export const violations = (
  cluster: SystemCluster,
  clients: readonly ClientReport[],
  tails: ReadonlyMap<string, RecordTail>,
  options: InvariantOptions = {},
): string[] => {
  const found: string[] = [];
  const grants = coordinatorGrants(cluster.coordinator);
  const leases = coordinatorLeases(grants);

  // No epoch granted twice: per map, one owner per epoch, and a new owner only ever under a newer epoch.
  const owners = new Map<string, string | null>();
  const newest = new Map<string, Grant>();
  for (const g of grants) {
    const key = `${g.map}@${g.epoch}`;
    if (owners.has(key) && owners.get(key) !== g.owner)
      found.push(
        `epoch granted twice: ${key} to ${owners.get(key) ?? 'nobody'} and to ${g.owner ?? 'nobody'} (${g.via})`,
      );
    owners.set(key, g.owner);
    const before = newest.get(g.map);
    if (before !== undefined && before.owner !== g.owner && g.epoch <= before.epoch)
      found.push(
        `${g.map}: ${g.owner ?? 'nobody'} granted epoch ${g.epoch} after ${before.owner ?? 'nobody'} held ${before.epoch}`,
      );
    newest.set(g.map, g);
  }
  // The servers' side: no two servers were ever handed the same map and epoch.
  const handed = new Map<string, string>();
  for (const [id, server] of cluster.servers) {
    for (const e of server.jsonLines()) {
      if (e['event'] !== 'coordinator' || e['type'] !== 'lease.granted') continue;
      const key = `${String(e['map'])}@${String(e['epoch'])}`;
      const other = handed.get(key);
      if (other !== undefined && other !== id) found.push(`lease ${key} granted to both ${other} and ${id}`);
      handed.set(key, id);
    }
  }

  // Exactly one owner per map in play: the coordinator's, holding the coordinator's epoch.
  const maps = new Set(cluster.players.values());
  const held = new Map(
    [...cluster.servers].filter(([, p]) => p.running).map(([id, p]) => [id, heldLeases(p)] as const),
  );
  for (const map of maps) {
    const lease = leases.get(map);
    if (lease?.owner == null) {
      found.push(`${map}: the coordinator names no owner`);
      continue;
    }
    const holders = [...held].filter(([, leasesHeld]) => leasesHeld.has(map));
    const described = holders.map(([id, l]) => `${id}@${l.get(map)}`).join(', ') || 'none';
    if (holders.length !== 1 || holders[0]?.[0] !== lease.owner || holders[0][1].get(map) !== lease.epoch)
      found.push(`${map}: coordinator says ${lease.owner}@${lease.epoch}, servers holding it: ${described}`);
  }

  const allowed = new Set(options.allowedSyncErrors ?? ['TIMEOUT']);
  for (const c of clients) {
    const lease = leases.get(c.map);
    const who = `${c.player} (${c.map})`;
    if (c.state !== 'CONNECTED' || c.server?.id !== lease?.owner || c.statusMap !== c.map) {
      found.push(
        `${who}: ${c.state} on ${c.server?.id ?? 'nothing'} map ${c.statusMap}, owner is ${lease?.owner ?? 'nobody'}`,
      );
    }
    // Its world is its owner's: the hash it computed at its newest tick is the one the owner recorded there.
    const owned = lease?.owner == null ? undefined : tails.get(lease.owner)?.hashes.get(c.map);
    const [tick, hash] = c.hashes.at(-1) ?? [-1, ''];
    const ownerHash = owned?.get(tick);
    const ownerNewest = owned === undefined ? -1 : Math.max(...owned.keys());
    if (ownerHash !== hash)
      found.push(
        `${who}: world hash ${hash} at tick ${tick}, its owner recorded ${ownerHash ?? 'nothing'} there`,
      );
    else if (ownerNewest - tick > (options.maxLagTicks ?? 40))
      found.push(`${who}: at tick ${tick}, its owner is at ${ownerNewest}`);
    // Every move made is in effect, on the same entity.
    if (c.start === null) found.push(`${who}: never walked`);
    else if (c.entity?.id !== c.start.id)
      found.push(`${who}: entity ${c.entity?.id} is not its entity ${c.start.id}`);
    else {
      const x = quantize(c.start.x + c.moved.dx);
      const y = quantize(c.start.y + c.moved.dy);
      if (c.entity.x !== x || c.entity.y !== y)
        found.push(
          `${who}: at (${c.entity.x}, ${c.entity.y}), its ${c.moved.count} moves lead to (${x}, ${y}): ` +
            `off by (${x - c.entity.x}, ${y - c.entity.y})`,
        );
    }
    const bad = c.syncErrors.filter((e) => !allowed.has(e.type));
    if (bad.length > 0)
      found.push(`${who}: sync errors ${bad.map((e) => `${e.type}@${e.tick} ${e.detail}`).join('; ')}`);
  }
  return found;
};

/**
 * Stops the clients' walk and waits (bounded) until every invariant holds at once: each map in play has exactly
 * one owner, the coordinator's, at the coordinator's epoch; no epoch was granted twice; every client is CONNECTED
 * to that owner with the owner's world hash at its newest tick; every move each client made is in effect; no
 * sync error but TIMEOUT. Rejects with every violation still seen at the deadline.
 */
export const expectInvariants = async (
  cluster: SystemCluster,
  options: InvariantOptions = {},
): Promise<InvariantSummary> => {
  cluster.fleet.halt();
  const tails = new Map([...cluster.servers.keys()].map((id) => [id, new RecordTail(cluster.recordOf(id))]));
  const withinMs = options.withinMs ?? 20_000;
  const end = Date.now() + withinMs;
  for (;;) {
    const clients = await cluster.fleet.report();
    tails.forEach((t) => t.poll());
    const found = violations(cluster, clients, tails, options);
    if (found.length === 0) {
      const grants = coordinatorGrants(cluster.coordinator);
      return {
        leases: coordinatorLeases(grants),
        grants,
        clients,
        moves: clients.reduce((sum, c) => sum + c.moved.count, 0),
      };
    }
    if (Date.now() > end)
      throw new Error(
        `invariants still violated after ${withinMs} ms of settling:\n  - ${found.join('\n  - ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
};
