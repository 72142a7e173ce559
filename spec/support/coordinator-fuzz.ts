import { ERROR_CODES } from '../../lib/errors.js';

/** A small seeded generator (mulberry32): fuzz cases are random, yet the same seed gives the same cases. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
};

/** The seed of a fuzz run: FUZZ_SEED when set (to replay a failure), else `fallback`. */
export const fuzzSeed = (fallback: number): number => {
  const given = Number(process.env['FUZZ_SEED']);
  return Number.isSafeInteger(given) && given > 0 ? given : fallback;
};

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

/** Values a decoder may choke on: wrong types, edges of ranges, deep and wide shapes, odd strings. */
const weirdValues = (random: () => number): unknown[] => [
  null,
  true,
  0,
  -1,
  -0,
  1.5,
  2 ** 53,
  1e308,
  -1e308,
  '',
  'x'.repeat(1 + Math.floor(random() * 4000)),
  '\u0000\ud800\uffff',
  '../../etc/passwd',
  'é'.repeat(40),
  [],
  {},
  [[[[[[[[[[1]]]]]]]]]],
  Array.from({ length: 1 + Math.floor(random() * 2000) }, (_, n) => n),
  { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } },
  JSON.parse('{"__proto__": {"x": 1}}') as unknown,
  { map: 'forest', epoch: 1e9 },
  [{ map: 'forest', epoch: 2 ** 40 }],
];

/** Valid requests of every type, for mutations to start from (a host account's and a player's). */
export const requestTemplates = (csr: string): Record<string, unknown>[] => [
  { id: 1, type: 'login', name: 'fuzzer', password: 'fuzz-pw' },
  { id: 2, type: 'assign', map: 'forest', latencies: { 'host-1': 10 } },
  {
    id: 3,
    type: 'register',
    role: 'p2p',
    hostId: 'fuzz-host',
    account: 'mallory',
    password: 'mallory-pw',
    csr,
    url: 'ws://127.0.0.1:1/fuzz',
    maps: ['forest', 'cave'],
    capacity: 1000,
    leases: [{ map: 'forest', epoch: 1 }],
  },
  { id: 4, type: 'announce', maps: ['forest'], capacity: 5 },
  { type: 'heartbeat', load: 1 },
  { id: 5, type: 'report', map: 'forest', hostId: 'host-1', code: 'ERR_CERT_CHAIN' },
];

/** One structure-aware mutation of `template`, as the text to send. */
const mutate = (random: () => number, template: Record<string, unknown>): string => {
  const request: Record<string, unknown> = { ...template };
  const keys = Object.keys(request);
  const key = pick(random, keys);
  const text = () => JSON.stringify(request);
  switch (Math.floor(random() * 10)) {
    case 0:
      delete request[key];
      return text();
    case 1:
      request[key] = pick(random, weirdValues(random));
      return text();
    case 2:
      request[pick(random, ['extra', '__proto__', 'constructor', 'toString'])] = pick(
        random,
        weirdValues(random),
      );
      return text();
    case 3:
      request['type'] = pick(random, [
        'login',
        'assign',
        'register',
        'announce',
        'heartbeat',
        'report',
        'x',
        '',
      ]);
      return text();
    case 4: {
      const whole = text();
      return whole.slice(0, Math.floor(random() * whole.length));
    }
    case 5: {
      const chars = [...text()];
      const at = Math.floor(random() * chars.length);
      chars[at] = pick(random, ['"', '\\', '{', '}', '[', ']', ',', ':', '\u0000', 'é', '9']);
      return chars.join('');
    }
    case 6:
      // A duplicate key: the last one wins in JSON.parse.
      return `${text().slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(pick(random, weirdValues(random)))}}`;
    case 7: {
      const depth = 1 + Math.floor(random() * 40);
      return `${'['.repeat(depth)}${text()}${']'.repeat(depth)}`;
    }
    case 8:
      request[key] = Array.isArray(request[key])
        ? [...(request[key] as unknown[]), pick(random, weirdValues(random))]
        : request[key];
      request['id'] = pick(random, [0, -1, 1.5, '1', null, 2 ** 53, 7]);
      return text();
    default:
      return text();
  }
};

/** Random bytes read as UTF-8 text (invalid sequences become U+FFFD), sometimes JSON-looking. */
const randomText = (random: () => number): string => {
  const bytes = Buffer.alloc(Math.floor(random() * 600));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  const text = bytes.toString('utf8');
  return random() < 0.3 ? `{"id":9,"type":"login",${text}}` : text;
};

/** `count` fuzz messages: a quarter random bytes, the rest mutations of valid requests. */
export const fuzzMessages = (random: () => number, count: number, templates: Record<string, unknown>[]) =>
  Array.from({ length: count }, () =>
    random() < 0.25 ? randomText(random) : mutate(random, pick(random, templates)),
  );

/**
 * Why `message` is not something the coordinator may send (null when it is): an answer with an id (a number, or
 * null for a request that could not be read) and a result or an error with a known code, or a push.
 */
export const invalidReply = (message: Record<string, unknown>): string | null => {
  if (typeof message['push'] === 'string') return null;
  const id = message['id'];
  if (id !== null && !(typeof id === 'number' && Number.isSafeInteger(id)))
    return `bad id ${JSON.stringify(id)}`;
  if (message['ok'] === true) return 'result' in message ? null : 'ok without a result';
  const error = message['error'] as { code?: unknown; message?: unknown } | undefined;
  if (message['ok'] !== false || error === undefined) return 'neither ok nor a coded error';
  if (typeof error.code !== 'string' || !(error.code in ERROR_CODES))
    return `unknown code ${String(error.code)}`;
  return typeof error.message === 'string' ? null : 'error without a message';
};
