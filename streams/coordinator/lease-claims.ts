import type { HeldLease } from '../../lib/coordinator/protocol.js';
import type { CoordinatorStore } from './store.js';

/** What becomes of the leases a host re-announces when it registers. */
export interface LeaseClaims {
  /** Its own per the store (under the store's epoch, which may be newer than the one it named). */
  readonly kept: readonly HeldLease[];
  /** Granted under an epoch the store has seen, but someone else's now (or no one's): the host is told so. */
  readonly revoked: readonly HeldLease[];
  /** Never granted to it: a map the store has no lease for, or an epoch above any the store granted. */
  readonly refused: readonly HeldLease[];
}

/**
 * Sorts re-announced leases by what the store says, and changes nothing: only the coordinator's own grants make an
 * owner. A host keeps a lease only when the store names it the owner, under the epoch it named or a newer one; no
 * announcement ever takes a lease from another host or raises an epoch (a host account once claimed `forest` under
 * epoch current + 1000, and the live owner lost it). A map named twice counts once (its first claim).
 */
export const sortLeaseClaims = async (
  store: CoordinatorStore,
  hostId: string,
  held: readonly HeldLease[],
): Promise<LeaseClaims> => {
  const kept: HeldLease[] = [];
  const revoked: HeldLease[] = [];
  const refused: HeldLease[] = [];
  const seen = new Set<string>();
  for (const claim of held) {
    if (seen.has(claim.map)) continue;
    seen.add(claim.map);
    const lease = await store.getLease(claim.map);
    if (lease === undefined || claim.epoch > lease.epoch) refused.push(claim);
    else if (lease.owner === hostId) kept.push({ map: claim.map, epoch: lease.epoch });
    else revoked.push(claim);
  }
  return { kept, revoked, refused };
};
