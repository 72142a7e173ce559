import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../../lib/errors.js';
import { KIND_BYTES, type Message, decodePayload, encodePayload } from '../../lib/protocol/messages.js';
import type { EntityState } from '../../lib/protocol/hot-codecs.js';
import type { SyncError, SyncSettings } from '../../lib/sync/sync-state.js';
import type { MapEvent, MapRules } from '../../lib/world/map-state.js';
import type { ConnectionStatus } from '../client/connection-state.js';
import type { SyncSource } from '../client/sync-manager.js';

/**
 * A session recording (`--record FILE.jsonl`): one JSON object per line, `t` in scheduler milliseconds. The
 * header says whose it is and how it synced; `source` lines are everything the sync manager heard (what was
 * received after decryption and decoding, connection changes, the player's moves); `sent`, `state`,
 * `sync_error` and `hash` lines are what the client did and saw, for replay to check itself against.
 */
export const RECORDING_VERSION = 1;

/** A host map's rules as recorded (everything but the signing key). */
export type RecordedRules = Omit<MapRules, 'sign'>;

export type RecordEntry =
  | {
      readonly t: number;
      readonly kind: 'header';
      readonly version: number;
      readonly role: 'client';
      readonly player: string;
      readonly sync: SyncSettings & { readonly updateTimeoutMs: number };
    }
  | {
      readonly t: number;
      readonly kind: 'header';
      readonly version: number;
      readonly role: 'host';
      readonly hostId: string;
    }
  /** Host: a map starts from this world. */
  | {
      readonly t: number;
      readonly kind: 'map_start';
      readonly map: string;
      readonly rules: RecordedRules;
      readonly world: {
        readonly tick: number;
        readonly entities: readonly EntityState[];
        readonly players: Readonly<Record<string, number>>;
        readonly lastInputs: Readonly<Record<string, number>>;
      };
    }
  /** Host: one tick of a map, with what it took in (joins, leaves, decoded messages) and the world hash after. */
  | {
      readonly t: number;
      readonly kind: 'tick';
      readonly map: string;
      readonly tick: number;
      readonly events: readonly MapEvent[];
      readonly congested: readonly string[];
      readonly hash: string;
    }
  /** Host: a session opened or closed (with its code). */
  | {
      readonly t: number;
      readonly kind: 'session';
      readonly event: string;
      readonly player: string | null;
      readonly map: string | null;
      readonly code: string | null;
    }
  | { readonly t: number; readonly kind: 'source'; readonly source: SyncSource }
  /** What was sent (after encoding, before sealing); on a host, to which player of which map. */
  | {
      readonly t: number;
      readonly kind: 'sent';
      readonly message: Message;
      readonly map?: string;
      readonly player?: string;
    }
  | { readonly t: number; readonly kind: 'state'; readonly status: ConnectionStatus }
  | { readonly t: number; readonly kind: 'sync_error'; readonly error: SyncError }
  /** The world hash the client computed at a hash point (the host sent one and they matched). */
  | { readonly t: number; readonly kind: 'hash'; readonly tick: number; readonly hash: string };

/** Byte payloads (app messages) are written as `{"$base64": …}`. */
export const formatEntry = (entry: RecordEntry): string =>
  JSON.stringify(entry, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer'
      ? { $base64: Buffer.from((value as { data: number[] }).data).toString('base64') }
      : value,
  );

const revive = (_key: string, value: unknown): unknown =>
  value !== null && typeof value === 'object' && typeof (value as { $base64?: unknown }).$base64 === 'string'
    ? Buffer.from((value as { $base64: string }).$base64, 'base64')
    : value;

type Fields = Record<string, unknown>;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Fields => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A message is only accepted if it survives its own wire codec: what replay feeds on is what a client could get. */
const checkMessage = (value: unknown): Message | string => {
  if (!isObject(value) || !isString(value['kind']) || !(value['kind'] in KIND_BYTES)) return 'not a message';
  const kind = value['kind'] as Message['kind'];
  try {
    const bytes = encodePayload(value as unknown as Message);
    const decoded = decodePayload(KIND_BYTES[kind], bytes, 0, bytes.length);
    return either.isRight(decoded)
      ? decoded.right
      : `a ${kind} message that fails its codec (${decoded.left.message})`;
  } catch {
    return `a ${kind} message that fails its codec`;
  }
};

const checkSource = (value: unknown): SyncSource | string => {
  if (!isObject(value)) return 'a source that is not an object';
  switch (value['type']) {
    case 'reset':
      return { type: 'reset' };
    case 'established':
      return value['certificate'] === null || isString(value['certificate'])
        ? { type: 'established', certificate: value['certificate'] }
        : 'an established source without a certificate';
    case 'message': {
      const message = checkMessage(value['message']);
      return isString(message) ? message : { type: 'message', message };
    }
    case 'move':
      return isNumber(value['dx']) && isNumber(value['dy'])
        ? { type: 'move', dx: value['dx'], dy: value['dy'] }
        : 'a move without numbers';
    case 'connected':
      return typeof value['connected'] === 'boolean'
        ? { type: 'connected', connected: value['connected'] }
        : 'a connected source without a boolean';
    default:
      return `an unknown source type ${JSON.stringify(value['type'])}`;
  }
};

const checkMapStart = (value: Fields): RecordEntry | string => {
  const { map, rules, world } = value;
  if (!isString(map) || !isObject(rules) || !isObject(rules['world']) || !isObject(world))
    return 'a map_start without map, rules or world';
  const rulesComplete = ['epoch', 'hashEvery', 'checkpointEvery', 'historyTicks', 'maxUnackedTicks'].every(
    (k) => isNumber(rules[k]),
  );
  const worldComplete =
    isNumber(world['tick']) &&
    Array.isArray(world['entities']) &&
    isObject(world['players']) &&
    isObject(world['lastInputs']);
  return rulesComplete && worldComplete
    ? (value as unknown as RecordEntry)
    : 'a map_start with incomplete rules or world';
};

const checkTick = (value: Fields): RecordEntry | string => {
  const { t, map, tick, events, congested, hash } = value;
  if (
    !isNumber(t) ||
    !isString(map) ||
    !isNumber(tick) ||
    !isString(hash) ||
    !Array.isArray(events) ||
    !Array.isArray(congested)
  )
    return 'a tick without map, tick, events, congested and hash';
  const checked: MapEvent[] = [];
  for (const event of events as unknown[]) {
    if (!isObject(event) || !isString(event['player'])) return 'a tick event without a player';
    if (event['type'] === 'join' || event['type'] === 'leave')
      checked.push({ type: event['type'], player: event['player'] });
    else if (event['type'] === 'message') {
      const message = checkMessage(event['message']);
      if (isString(message)) return `a tick event with ${message}`;
      checked.push({ type: 'message', player: event['player'], message });
    } else return `a tick event of unknown type ${JSON.stringify(event['type'])}`;
  }
  return { t, kind: 'tick', map, tick, events: checked, congested: congested.filter(isString), hash };
};

const checkEntry = (value: unknown, first: boolean): RecordEntry | string => {
  if (!isObject(value) || !isNumber(value['t']) || !isString(value['kind']))
    return 'not an entry ({t, kind, …})';
  const { t, kind } = value;
  if (first !== (kind === 'header')) return first ? 'the first line must be the header' : 'a second header';
  switch (kind) {
    case 'header': {
      const sync = value['sync'];
      if (value['version'] !== RECORDING_VERSION)
        return `unsupported recording version ${JSON.stringify(value['version'])}`;
      if (value['role'] === 'host')
        return isString(value['hostId'])
          ? { t, kind, version: RECORDING_VERSION, role: 'host', hostId: value['hostId'] }
          : 'a host header without hostId';
      if (!isString(value['player']) || !isObject(sync)) return 'a header without player or sync settings';
      if (
        !isNumber(sync['ringSize']) ||
        !isNumber(sync['conflictThreshold']) ||
        !isNumber(sync['updateTimeoutMs'])
      )
        return 'a header with incomplete sync settings';
      return {
        t,
        kind,
        version: RECORDING_VERSION,
        role: 'client',
        player: value['player'],
        sync: {
          ringSize: sync['ringSize'],
          conflictThreshold: sync['conflictThreshold'],
          updateTimeoutMs: sync['updateTimeoutMs'],
          // Absent from recordings made before the bound: those replay unbounded, as they ran.
          ...(isNumber(sync['maxUnprocessedInputs'])
            ? { maxUnprocessedInputs: sync['maxUnprocessedInputs'] }
            : {}),
        },
      };
    }
    case 'source': {
      const source = checkSource(value['source']);
      return isString(source) ? source : { t, kind, source };
    }
    case 'sent': {
      const message = checkMessage(value['message']);
      if (isString(message)) return message;
      return isString(value['map']) && isString(value['player'])
        ? { t, kind, message, map: value['map'], player: value['player'] }
        : { t, kind, message };
    }
    case 'map_start':
      return checkMapStart(value);
    case 'tick':
      return checkTick(value);
    case 'session':
      return isString(value['event'])
        ? {
            t,
            kind,
            event: value['event'],
            player: isString(value['player']) ? value['player'] : null,
            map: isString(value['map']) ? value['map'] : null,
            code: isString(value['code']) ? value['code'] : null,
          }
        : 'a session entry without an event';
    case 'state':
      return isObject(value['status']) && isString(value['status']['state'])
        ? { t, kind, status: value['status'] as unknown as ConnectionStatus }
        : 'a state without a status';
    case 'sync_error': {
      const error = value['error'];
      return isObject(error) && isString(error['type']) && isNumber(error['tick'])
        ? { t, kind, error: error as unknown as SyncError }
        : 'a sync_error without type and tick';
    }
    case 'hash':
      return isNumber(value['tick']) && isString(value['hash'])
        ? { t, kind, tick: value['tick'], hash: value['hash'] }
        : 'a hash without tick and hash';
    default:
      return `an unknown kind ${JSON.stringify(kind)}`;
  }
};

/**
 * Reads a recording. Left: ERR_RECORDING_TRUNCATED when the last line stops mid-entry (a recorder killed while
 * writing), ERR_RECORDING_CORRUPT for any other bad line; both name the line.
 */
export const parseRecording = (text: string): either.Either<P2PError, readonly RecordEntry[]> => {
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  if (endsWithNewline) lines.pop();
  const entries: RecordEntry[] = [];
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(line, revive);
    } catch {
      const last = index === lines.length - 1 && !endsWithNewline;
      return either.left(
        last
          ? p2pError('ERR_RECORDING_TRUNCATED', `line ${number}: the recording stops mid-entry`, {
              line: number,
            })
          : p2pError('ERR_RECORDING_CORRUPT', `line ${number}: not valid JSON`, { line: number }),
      );
    }
    const entry = checkEntry(value, index === 0);
    if (isString(entry))
      return either.left(p2pError('ERR_RECORDING_CORRUPT', `line ${number}: ${entry}`, { line: number }));
    entries.push(entry);
  }
  if (entries.length === 0)
    return either.left(p2pError('ERR_RECORDING_CORRUPT', 'line 1: the recording is empty', { line: 1 }));
  return either.right(entries);
};
