import {
  type KeyObject,
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  timingSafeEqual,
} from 'node:crypto';
import type { DirectionKey } from './aead.js';

/** An ephemeral X25519 key pair; the public half travels as 32 raw bytes. */
export interface KeyShare {
  readonly publicKey: Buffer;
  readonly privateKey: KeyObject;
}

/** Both directions' keys for one epoch, and the chain key the next epoch is derived from. */
export interface EpochKeys {
  readonly epoch: number;
  readonly clientToHost: DirectionKey;
  readonly hostToClient: DirectionKey;
  readonly chainKey: Buffer;
}

/** Epoch 0 also yields the keys of the finished messages. */
export interface SessionKeys extends EpochKeys {
  readonly clientFinishedKey: Buffer;
  readonly hostFinishedKey: Buffer;
}

const KEY_BYTES = 32;
const SALT_BYTES = 4;

export const generateKeyShare = (): KeyShare => {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { publicKey: Buffer.from(jwk.x as string, 'base64url'), privateKey };
};

/** X25519(own private, peer public). Throws on a malformed peer key (the caller maps it to a coded error). */
export const sharedSecret = (own: KeyShare, peerPublicKey: Buffer): Buffer => {
  if (peerPublicKey.length !== 32) throw new Error('X25519 public key must be 32 bytes');
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: peerPublicKey.toString('base64url') },
    format: 'jwk',
  });
  return diffieHellman({ privateKey: own.privateKey, publicKey });
};

/** SHA-256 over the handshake messages in order: what the host signs and what salts the key derivation. */
export const transcriptHash = (...parts: readonly Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

const expand = (secret: Buffer, salt: Buffer, label: string, epoch: number): Buffer => {
  const info = Buffer.from(`warp-p2p v1 ${label} ${epoch}`, 'utf8');
  return Buffer.from(hkdfSync('sha256', secret, salt, info, 3 * KEY_BYTES + 2 * SALT_BYTES + 2 * KEY_BYTES));
};

const split = (okm: Buffer, epoch: number): EpochKeys & { rest: Buffer } => {
  let at = 0;
  const take = (n: number) => okm.subarray(at, (at += n));
  return {
    epoch,
    clientToHost: { epoch, key: take(KEY_BYTES), salt: take(SALT_BYTES) },
    hostToClient: { epoch, key: take(KEY_BYTES), salt: take(SALT_BYTES) },
    chainKey: take(KEY_BYTES),
    rest: okm.subarray(at),
  };
};

/**
 * Epoch-0 keys: HKDF-SHA256 over the X25519 secret, salted with the transcript hash, so the ticket and both
 * key shares are bound into every key.
 */
export const deriveSessionKeys = (secret: Buffer, transcript: Buffer): SessionKeys => {
  const { rest, ...keys } = split(expand(secret, transcript, 'session', 0), 0);
  return {
    ...keys,
    clientFinishedKey: rest.subarray(0, KEY_BYTES),
    hostFinishedKey: rest.subarray(KEY_BYTES),
  };
};

/**
 * Keys for `epoch` from a fresh X25519 secret, salted with the previous epoch's chain key: a rotation needs both
 * the old chain and the new exchange, and erasing the old keys gives forward secrecy inside the session.
 */
export const deriveNextEpoch = (secret: Buffer, previous: EpochKeys, epoch: number): EpochKeys => {
  const { rest: _unused, ...keys } = split(expand(secret, previous.chainKey, 'rekey', epoch), epoch);
  return keys;
};

export const finishedMac = (finishedKey: Buffer, transcript: Buffer): Buffer =>
  createHmac('sha256', finishedKey).update(transcript).digest();

export const macEquals = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);
