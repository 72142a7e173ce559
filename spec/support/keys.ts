import { randomBytes } from 'node:crypto';
import type { DirectionKey } from '../../lib/crypto/aead.js';
import { type SessionKeys, deriveSessionKeys } from '../../lib/crypto/key-schedule.js';

export const directionKey = (epoch: number): DirectionKey => ({
  epoch,
  key: randomBytes(32),
  salt: randomBytes(4),
});

export const sessionKeys = (): SessionKeys => deriveSessionKeys(randomBytes(32), randomBytes(32));
