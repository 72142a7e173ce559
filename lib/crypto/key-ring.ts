import type { DirectionKey } from './aead.js';
import type { EpochKeys } from './key-schedule.js';

export type Role = 'client' | 'host';

/**
 * The keys one side of a channel holds: one key to send with, and the keys it accepts (the current epoch first,
 * the previous one only until its grace window ends). Pure values; the channel derives them with `scan`.
 */
export interface KeyRing {
  readonly current: EpochKeys;
  readonly send: DirectionKey;
  readonly receive: readonly DirectionKey[];
}

const sendKeyOf = (role: Role, keys: EpochKeys): DirectionKey =>
  role === 'client' ? keys.clientToHost : keys.hostToClient;
const receiveKeyOf = (role: Role, keys: EpochKeys): DirectionKey =>
  role === 'client' ? keys.hostToClient : keys.clientToHost;

export const createKeyRing = (role: Role, keys: EpochKeys): KeyRing => ({
  current: keys,
  send: sendKeyOf(role, keys),
  receive: [receiveKeyOf(role, keys)],
});

/** Moves to the next epoch; the previous receive key stays until `expireEpoch` drops it. */
export const rotateKeyRing = (ring: KeyRing, role: Role, next: EpochKeys): KeyRing => ({
  current: next,
  send: sendKeyOf(role, next),
  receive: [receiveKeyOf(role, next), ...ring.receive.slice(0, 1)],
});

/** Erases receive keys of `epoch` and older (the grace window is over). */
export const expireEpoch = (ring: KeyRing, epoch: number): KeyRing => ({
  ...ring,
  receive: ring.receive.filter((key) => key.epoch > epoch),
});
