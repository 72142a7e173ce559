import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt with N=2^14, r=8, p=1: about 30 ms here. Every check costs one derivation, whatever the input. */
const KEY_BYTES = 32;
const OPTIONS = { N: 16_384, r: 8, p: 1 } as const;

export interface PasswordHash {
  readonly salt: string;
  readonly hash: string;
}

/**
 * What an unknown name is checked against: a derivation with the same parameters as a real account's, so an
 * answer for a name that does not exist takes as long as one for a name that does (33 ms, not 0.5 ms, gave the
 * names away). No password derives to an all-zero key in practice; the caller refuses the name anyway.
 */
export const DUMMY_PASSWORD_HASH: PasswordHash = {
  salt: randomBytes(16).toString('base64'),
  hash: Buffer.alloc(KEY_BYTES).toString('base64'),
};

const derive = (password: string, salt: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, OPTIONS, (error, key) =>
      error === null ? resolve(key) : reject(error),
    ),
  );

export const hashPassword = async (password: string): Promise<PasswordHash> => {
  const salt = randomBytes(16);
  return { salt: salt.toString('base64'), hash: (await derive(password, salt)).toString('base64') };
};

/** Derives once and compares the keys in constant time. */
export const verifyPassword = async (password: string, stored: PasswordHash): Promise<boolean> => {
  const actual = await derive(password, Buffer.from(stored.salt, 'base64'));
  return sameBytes(actual, Buffer.from(stored.hash, 'base64'));
};

const digest = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest();

/** Constant-time equality of two byte strings of any lengths: their SHA-256 digests are compared, never the bytes. */
const sameBytes = (a: Buffer, b: Buffer): boolean => timingSafeEqual(digest(a), digest(b));

/**
 * Whether a secret given on the wire (a service key) equals the expected one, in constant time over their bytes
 * whatever either holds: the SHA-256 digests are compared, so neither a length in characters nor one in bytes
 * shows (comparing the strings' bytes directly threw for a key of equal length in characters but not in bytes).
 * False when either is missing.
 */
export const sameSecret = (given: string | undefined, expected: string | null): boolean => {
  const equal = timingSafeEqual(digest(given ?? ''), digest(expected ?? '\u0000'));
  return equal && given !== undefined && expected !== null;
};
