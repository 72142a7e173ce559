import * as t from 'io-ts';
import { MAX_COORDINATE, POSITION_STEPS } from './hot-codecs.js';

/**
 * Control messages: rare, so JSON validated with io-ts rather than hand-packed. Each codec's `kind` literal is
 * also its tag in the union `ControlMessage`.
 */

const Base64 = t.refinement(
  t.string,
  (s) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0,
  'Base64',
);
const Uint32 = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff, 'Uint32');
const Uint16 = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffff, 'Uint16');
const Finite = t.refinement(t.number, Number.isFinite, 'Finite');
const Hash = t.refinement(t.string, (s) => /^[0-9a-f]{16}$/.test(s), 'Hash');

/** On the wire's 1/32 grid (`quantize`): the only values a world holds, and the only ones a delta can carry. */
const onGrid = (n: number) => Number.isInteger(n * POSITION_STEPS);
/** A position a delta can carry (a u16 of grid steps): anything else would throw in the encoder or the hash. */
const Coordinate = t.refinement(t.number, (n) => n >= 0 && n <= MAX_COORDINATE && onGrid(n), 'Coordinate');
/** A velocity: on the grid, and no larger than a map is wide (a world never moves farther in a tick). */
const Velocity = t.refinement(t.number, (n) => Math.abs(n) <= MAX_COORDINATE && onGrid(n), 'Velocity');

/**
 * An entity in a full state or a restore bundle, each field in the range the world and the wire give it (hp a
 * u16, positions on the grid within the map's largest size): a value outside it is refused here, before it can
 * reach a world, a hash or an encoder that would throw on it.
 */
export const EntityStateCodec = t.type({
  id: Uint32,
  kind: t.union([t.literal('player'), t.literal('npc')]),
  x: Coordinate,
  y: Coordinate,
  vx: Velocity,
  vy: Velocity,
  hp: Uint16,
});

export const SyncErrorType = t.union([t.literal('DESYNC'), t.literal('TIMEOUT'), t.literal('CONFLICT')]);
export type SyncErrorType = t.TypeOf<typeof SyncErrorType>;

/** Client hello: opens the handshake (DESIGN §4). */
export const HelloMessage = t.type({
  kind: t.literal('hello'),
  version: Uint32,
  ticket: t.string,
  publicKey: Base64,
  nonce: Base64,
  encryption: t.boolean,
  certificates: t.boolean,
});

/** Host hello: certificate, key share, and the signature over the transcript. */
export const WelcomeMessage = t.type({
  kind: t.literal('welcome'),
  hostId: t.string,
  certificate: t.string,
  publicKey: Base64,
  nonce: Base64,
  signature: Base64,
});

/** Proof that a side derived the same keys: HMAC of the transcript under its finished key. */
export const FinishedMessage = t.type({ kind: t.literal('finished'), verify: Base64 });

export const FullStateMessage = t.type({
  kind: t.literal('full_state'),
  tick: Uint32,
  lastInput: Uint32,
  hash: Hash,
  entities: t.array(EntityStateCodec),
  /** Which entity each player controls. */
  players: t.record(t.string, Uint32),
});

export const CheckpointMessage = t.type({
  kind: t.literal('checkpoint'),
  map: t.string,
  epoch: Uint32,
  tick: Uint32,
  hash: Hash,
  lastInputs: t.record(t.string, Uint32),
  /** Which entity each player controls: a restore keeps every player's entity id. */
  players: t.record(t.string, Uint32),
  signature: Base64,
});

/**
 * A checkpoint whose per-player tables are given as changes since the previous checkpoint this client was sent
 * (`since`): entries added or changed, and those `removed`. The signature is over the whole checkpoint;
 * the client rebuilds it (`expandCheckpoint`) and keeps only that. The tables are O(players), so sending them
 * whole every checkpoint costs every client bytes for every player on the map.
 */
export const CheckpointChangesMessage = t.type({
  kind: t.literal('checkpoint_changes'),
  map: t.string,
  epoch: Uint32,
  tick: Uint32,
  since: Uint32,
  hash: Hash,
  lastInputs: t.record(t.string, Uint32),
  players: t.record(t.string, Uint32),
  /** Per table, the players whose entries are gone. */
  removed: t.type({ lastInputs: t.array(t.string), players: t.array(t.string) }),
  signature: Base64,
});

export const ResyncRequestMessage = t.type({
  kind: t.literal('resync_request'),
  reason: SyncErrorType,
  tick: Uint32,
});

/** A fresh X25519 share for the next key epoch (DESIGN §4, key rotation). */
export const RekeyMessage = t.type({ kind: t.literal('rekey'), epoch: Uint32, publicKey: Base64 });

export const RestoreMessage = t.type({
  kind: t.literal('restore'),
  checkpoint: CheckpointMessage,
  entities: t.array(EntityStateCodec),
  certificate: t.string,
  inputs: t.array(t.type({ seq: Uint32, tick: Uint32, dx: Finite, dy: Finite })),
});

export const ErrorMessage = t.type({ kind: t.literal('error'), code: t.string, message: t.string });

export const ByeMessage = t.type({ kind: t.literal('bye'), reason: t.string });

export const CONTROL_CODECS = {
  hello: HelloMessage,
  welcome: WelcomeMessage,
  finished: FinishedMessage,
  full_state: FullStateMessage,
  checkpoint: CheckpointMessage,
  checkpoint_changes: CheckpointChangesMessage,
  resync_request: ResyncRequestMessage,
  rekey: RekeyMessage,
  restore: RestoreMessage,
  error: ErrorMessage,
  bye: ByeMessage,
} as const;

export type HelloMessage = t.TypeOf<typeof HelloMessage>;
export type WelcomeMessage = t.TypeOf<typeof WelcomeMessage>;
export type FinishedMessage = t.TypeOf<typeof FinishedMessage>;
export type FullStateMessage = t.TypeOf<typeof FullStateMessage>;
export type CheckpointMessage = t.TypeOf<typeof CheckpointMessage>;
export type CheckpointChangesMessage = t.TypeOf<typeof CheckpointChangesMessage>;
export type ResyncRequestMessage = t.TypeOf<typeof ResyncRequestMessage>;
export type RekeyMessage = t.TypeOf<typeof RekeyMessage>;
export type RestoreMessage = t.TypeOf<typeof RestoreMessage>;
export type ErrorMessage = t.TypeOf<typeof ErrorMessage>;
export type ByeMessage = t.TypeOf<typeof ByeMessage>;
export type ControlKind = keyof typeof CONTROL_CODECS;
export type ControlMessage = t.TypeOf<(typeof CONTROL_CODECS)[ControlKind]>;
