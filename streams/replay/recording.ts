import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../../lib/errors.js';
import { KIND_BYTES, type Message, decodePayload, encodePayload } from '../../lib/protocol/messages.js';
import type { SyncError, SyncSettings } from '../../lib/sync/sync-state.js';
import type { ConnectionStatus } from '../client/connection-state.js';
import type { SyncSource } from '../client/sync-manager.js';

/**
 * A session recording (`--record FILE.jsonl`): one JSON object per line, `t` in scheduler milliseconds. The
 * header says whose it is and how it synced; `source` lines are everything the sync manager heard (what was
 * received after decryption and decoding, connection changes, the player's moves); `sent`, `state`,
 * `sync_error` and `hash` lines are what the client did and saw, for replay to check itself against.
 */
export const RECORDING_VERSION = 1;

export type RecordEntry =
  | {
      readonly t: number;
      readonly kind: 'header';
      readonly version: number;
      readonly role: 'client';
      readonly player: string;
      readonly sync: SyncSettings & { readonly updateTimeoutMs: number };
    }
  | { readonly t: number; readonly kind: 'source'; readonly source: SyncSource }
  | { readonly t: number; readonly kind: 'sent'; readonly message: Message }
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
        },
      };
    }
    case 'source': {
      const source = checkSource(value['source']);
      return isString(source) ? source : { t, kind, source };
    }
    case 'sent': {
      const message = checkMessage(value['message']);
      return isString(message) ? message : { t, kind, message };
    }
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
