import { p2pError } from '../../lib/errors.js';
import type { CoordinatorStore } from './store.js';

/**
 * Who the VPS's host ids belong to: registrations with the service key have an id space of their own. No account
 * can be called this (account names are `[A-Za-z0-9_.-]`), so no account can take a VPS's id, nor the VPS a host's.
 */
export const SERVICE_PRINCIPAL = '@service';

/**
 * Checks that `hostId` may be registered by `owner` (an account name, or SERVICE_PRINCIPAL): it must be free or
 * already `owner`'s. Resolves with whether it is free (the caller binds it once the registration is otherwise
 * good, so a refused CSR binds nothing). Rejects with ERR_HOST_ID_TAKEN when it is another's, ERR_HOST_ID_LIMIT
 * when it is free but `owner` already holds `maxIds`. Run it and the binding in the coordinator's serial queue.
 */
export const checkHostId = async (
  store: CoordinatorStore,
  hostId: string,
  owner: string,
  maxIds: number,
): Promise<{ readonly free: boolean }> => {
  const current = await store.hostIdOwner(hostId);
  if (current === owner) return { free: false };
  if (current !== undefined)
    throw p2pError('ERR_HOST_ID_TAKEN', `host id ${hostId} belongs to another account`);
  if ((await store.hostIdCount(owner)) >= maxIds)
    throw p2pError('ERR_HOST_ID_LIMIT', `this account already registered ${maxIds} host ids`);
  return { free: true };
};
