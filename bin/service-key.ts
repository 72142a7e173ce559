import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { p2pError } from '../lib/errors.js';

/** The file in the coordinator's data dir holding the VPS's service key when none was given. */
export const SERVICE_KEY_FILE = 'service-key';

/** Where a service key came from: made by this start, or kept from an earlier one. */
export interface StoredServiceKey {
  readonly key: string;
  /** Absolute path of the file holding it. */
  readonly file: string;
  readonly created: boolean;
}

/**
 * Reads a service key from a file (`--service-key-file`, or the coordinator's own): its text, trimmed. Throws
 * ERR_SERVICE_KEY_FILE when it cannot be read or holds nothing.
 */
export const readServiceKeyFile = (file: string): string => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw p2pError(
      'ERR_SERVICE_KEY_FILE',
      `cannot read service key file ${file}: ${(error as Error).message}`,
    );
  }
  const key = text.trim();
  if (key === '') throw p2pError('ERR_SERVICE_KEY_FILE', `service key file ${file} is empty`);
  return key;
};

/**
 * The coordinator's service key when `--service-key` is not given: read from `DATA-DIR/service-key`, or made
 * (32 random bytes, base64url) and written there with mode 0600 on first start. Throws ERR_SERVICE_KEY_FILE when
 * the file cannot be read or written.
 */
export const loadOrCreateServiceKey = (dataDir: string): StoredServiceKey => {
  const file = resolve(join(dataDir, SERVICE_KEY_FILE));
  const key = randomBytes(32).toString('base64url');
  try {
    mkdirSync(dataDir, { recursive: true });
    // 'wx': an existing key is never replaced, so a VPS holding it stays able to register.
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return { key, file, created: true };
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST')
      throw p2pError(
        'ERR_SERVICE_KEY_FILE',
        `cannot write service key file ${file}: ${(error as Error).message}`,
      );
  }
  return { key: readServiceKeyFile(file), file, created: false };
};
