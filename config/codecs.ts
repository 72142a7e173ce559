import * as t from 'io-ts';
import { either } from 'fp-ts';
import { MAP_ID_PATTERN } from '../lib/map-id.js';

/**
 * INI values arrive as strings. Each codec here decodes one string; its `name` is the phrase the loader puts
 * after "expected" in an error, so it reads as English.
 */

const integerPattern = /^[+-]?\d+$/;

/** An integer from its decimal text, within [min, max]. */
export const intFromString = (
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): t.Type<number, string> =>
  new t.Type<number, string>(
    name,
    (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= min && u <= max,
    (u, c) => {
      if (typeof u !== 'string' || !integerPattern.test(u.trim())) return t.failure(u, c);
      const n = Number(u.trim());
      return Number.isSafeInteger(n) && n >= min && n <= max ? t.success(n) : t.failure(u, c);
    },
    String,
  );

/** A finite decimal number from its text, within [min, max]. */
export const numberFromString = (name: string, min: number, max = Number.MAX_VALUE): t.Type<number, string> =>
  new t.Type<number, string>(
    name,
    (u): u is number => typeof u === 'number' && Number.isFinite(u) && u >= min && u <= max,
    (u, c) => {
      const n = typeof u === 'string' && u.trim() !== '' ? Number(u.trim()) : NaN;
      return Number.isFinite(n) && n >= min && n <= max ? t.success(n) : t.failure(u, c);
    },
    String,
  );

export const IntFromString = intFromString('an integer', Number.MIN_SAFE_INTEGER);
export const NonNegativeIntFromString = intFromString('a non-negative integer', 0);
export const PositiveIntFromString = intFromString('a positive integer', 1);

/** The INI switch style of the design notes: `1` on, `0` off, nothing else. */
export const BooleanFromZeroOne = new t.Type<boolean, string>(
  '0 or 1',
  (u): u is boolean => typeof u === 'boolean',
  (u, c) => (u === '1' ? t.success(true) : u === '0' ? t.success(false) : t.failure(u, c)),
  (b) => (b ? '1' : '0'),
);

/** The only AEAD warp-p2p speaks; the key exists so a config naming another one fails loudly. */
export const EncryptionAlgorithm = new t.Type<'AES-256-GCM', string>(
  'AES-256-GCM',
  (u): u is 'AES-256-GCM' => u === 'AES-256-GCM',
  (u, c) => (u === 'AES-256-GCM' ? t.success(u) : t.failure(u, c)),
  String,
);
export type EncryptionAlgorithm = t.TypeOf<typeof EncryptionAlgorithm>;

/** A comma-separated list of map ids; empty text is an empty list. */
export const MapListFromString = new t.Type<readonly string[], string>(
  'a comma-separated list of map ids (letters, digits, _ and -)',
  (u): u is readonly string[] =>
    Array.isArray(u) && u.every((m) => typeof m === 'string' && MAP_ID_PATTERN.test(m)),
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c);
    const maps = u
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    return maps.every((m) => MAP_ID_PATTERN.test(m)) ? t.success(maps) : t.failure(u, c);
  },
  (maps) => maps.join(','),
);

/** Decodes one raw value, turning io-ts' failure into the phrase the loader reports. */
export const decodeValue = <A>(codec: t.Type<A, string>, raw: string): either.Either<string, A> =>
  either.mapLeft(() => codec.name)(codec.decode(raw));
