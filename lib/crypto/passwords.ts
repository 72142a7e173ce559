import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt with N=2^14, r=8, p=1: about 30 ms here; logins are rate-limited per address anyway. */
const KEY_BYTES = 32;
const OPTIONS = { N: 16_384, r: 8, p: 1 } as const;

export interface PasswordHash {
  readonly salt: string;
  readonly hash: string;
}

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

/** Constant-time comparison of the derived key. */
export const verifyPassword = async (password: string, stored: PasswordHash): Promise<boolean> => {
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await derive(password, Buffer.from(stored.salt, 'base64'));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
};
