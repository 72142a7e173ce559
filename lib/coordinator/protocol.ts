import * as t from 'io-ts';
import { either } from 'fp-ts';
import { MAP_ID_PATTERN } from '../map-id.js';
import { type P2PError, p2pError } from '../errors.js';
import { describeErrors } from '../protocol/describe-errors.js';
import { nestsDeeperThan } from './json-depth.js';

/**
 * The coordinator's control protocol: JSON text messages over a WebSocket, validated with io-ts. A request
 * carries an `id`; its answer echoes it with `ok` and a result or a coded error. Pushes carry `push` instead.
 * Heartbeats have no id and get no answer. Byte-level details in docs/COORDINATOR.md.
 */

const MapId = t.refinement(t.string, (s) => MAP_ID_PATTERN.test(s), 'MapId');
const Name = t.refinement(t.string, (s) => /^[A-Za-z0-9_.-]{1,64}$/.test(s), 'Name');
const NonNegative = t.refinement(t.number, (n) => Number.isFinite(n) && n >= 0, 'NonNegative');
const RequestId = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'RequestId');
const Url = t.refinement(t.string, (s) => /^wss?:\/\/[^\s]+$/.test(s), 'Url');

export const HeldLease = t.type({ map: MapId, epoch: NonNegative });
export type HeldLease = t.TypeOf<typeof HeldLease>;

export const LoginRequest = t.type({
  id: RequestId,
  type: t.literal('login'),
  name: Name,
  password: t.union([t.string, t.undefined]),
});

export const AssignRequest = t.type({
  id: RequestId,
  type: t.literal('assign'),
  map: MapId,
  /** Round-trip times the client measured, by host id, in ms. */
  latencies: t.union([t.record(t.string, NonNegative), t.undefined]),
});

export const RegisterRequest = t.type({
  id: RequestId,
  type: t.literal('register'),
  role: t.union([t.literal('p2p'), t.literal('vps')]),
  hostId: Name,
  /** Host accounts log in with name and password; the VPS with the service key. */
  account: t.union([Name, t.undefined]),
  password: t.union([t.string, t.undefined]),
  serviceKey: t.union([t.string, t.undefined]),
  csr: t.string,
  url: Url,
  maps: t.array(MapId),
  capacity: NonNegative,
  /** Leases the host holds from before (a coordinator restart): re-announced, kept or revoked. */
  leases: t.array(HeldLease),
});

export const AnnounceRequest = t.type({
  id: RequestId,
  type: t.literal('announce'),
  maps: t.array(MapId),
  capacity: NonNegative,
});

export const HeartbeatMessage = t.type({ type: t.literal('heartbeat'), load: NonNegative });

/** A client tells the coordinator which host failed verification (certificate, signature, ticket binding). */
export const ReportRequest = t.type({
  id: RequestId,
  type: t.literal('report'),
  map: MapId,
  hostId: Name,
  code: t.refinement(t.string, (s) => /^[A-Z0-9_]{1,64}$/.test(s), 'ErrorCode'),
});

export const CoordinatorRequest = t.union([
  LoginRequest,
  AssignRequest,
  RegisterRequest,
  AnnounceRequest,
  HeartbeatMessage,
  ReportRequest,
]);
export type LoginRequest = t.TypeOf<typeof LoginRequest>;
export type AssignRequest = t.TypeOf<typeof AssignRequest>;
export type RegisterRequest = t.TypeOf<typeof RegisterRequest>;
export type AnnounceRequest = t.TypeOf<typeof AnnounceRequest>;
export type HeartbeatMessage = t.TypeOf<typeof HeartbeatMessage>;
export type ReportRequest = t.TypeOf<typeof ReportRequest>;
export type CoordinatorRequest = t.TypeOf<typeof CoordinatorRequest>;

export type HostKind = 'p2p' | 'vps';

export interface Owner {
  readonly id: string;
  readonly url: string;
  readonly kind: HostKind;
}

export interface Assignment {
  readonly map: string;
  readonly epoch: number;
  readonly owner: Owner;
  readonly ticket: string;
  /** The VPS and a ticket for it, issued up front so a client can fail over without the coordinator. */
  readonly vps: (Owner & { readonly ticket: string }) | null;
}

export interface LoginResult {
  readonly player: string;
  readonly caCertificate: string;
  readonly ticketPublicKey: string;
}

export interface RegisterResult {
  readonly certificate: string;
  readonly caCertificate: string;
  readonly ticketPublicKey: string;
  /** The leases this host holds now (kept from before, or granted). */
  readonly leases: readonly HeldLease[];
}

export type Push =
  | {
      readonly push: 'map.moved';
      readonly map: string;
      readonly epoch: number;
      readonly owner: Owner | null;
      readonly ticket: string | null;
    }
  | {
      readonly push: 'lease.granted';
      readonly map: string;
      readonly epoch: number;
      readonly restore: boolean;
      /** The owner before this one, whose checkpoints a restore must be signed by. */
      readonly from: string | null;
      /** The epoch `from` held the map under: the epoch of the checkpoints a restore takes. */
      readonly fromEpoch: number | null;
    }
  | { readonly push: 'lease.revoked'; readonly map: string; readonly epoch: number };

export type Response =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly id: number | null;
      readonly ok: false;
      readonly error: { readonly code: string; readonly message: string };
    };

/**
 * How deep a request may nest arrays and objects: the deepest one the protocol has (`register`'s leases) is 3.
 * Anything deeper is refused before it is parsed.
 */
export const MAX_REQUEST_DEPTH = 8;

/**
 * Parses and validates one request, within bounds checked before any parser or decoder runs: size in bytes, then
 * nesting depth. Left: ERR_REQUEST_TOO_LARGE, ERR_REQUEST_TOO_DEEP (neither names the request id: the text was not
 * read) or ERR_REQUEST_MALFORMED, with the request id when one could be read, so the refusal can still be
 * answered. Never throws.
 */
export const decodeRequest = (
  text: string,
  maxBytes: number,
): either.Either<{ readonly id: number | null; readonly error: P2PError }, CoordinatorRequest> => {
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    return either.left({
      id: null,
      error: p2pError('ERR_REQUEST_TOO_LARGE', `request larger than ${maxBytes} bytes`),
    });
  }
  if (nestsDeeperThan(text, MAX_REQUEST_DEPTH)) {
    return either.left({
      id: null,
      error: p2pError('ERR_REQUEST_TOO_DEEP', `request nests deeper than ${MAX_REQUEST_DEPTH} levels`),
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return either.left({ id: null, error: p2pError('ERR_REQUEST_MALFORMED', 'request is not JSON') });
  }
  const decoded = CoordinatorRequest.decode(json);
  if (either.isRight(decoded)) return decoded;
  const rawId = (json as { id?: unknown } | null)?.id;
  const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) ? rawId : null;
  const type = (json as { type?: unknown } | null)?.type;
  const reasons = describeErrors(decoded.left);
  return either.left({
    id,
    error: p2pError(
      'ERR_REQUEST_MALFORMED',
      `invalid ${typeof type === 'string' ? type.slice(0, 32) : 'request'}: ${reasons}`,
    ),
  });
};
