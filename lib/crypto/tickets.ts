import {
  type KeyLike,
  SignJWT,
  decodeJwt,
  errors as joseErrors,
  exportSPKI,
  generateKeyPair,
  importSPKI,
  jwtVerify,
} from 'jose';
import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';

/**
 * Tickets: short-lived JWTs (EdDSA) the coordinator signs so a host can admit a player offline. The audience is
 * the host id, so a ticket for one host is useless on another.
 */
export interface TicketClaims {
  readonly player: string;
  readonly map: string;
  readonly host: string;
  readonly mapEpoch: number;
  /** Seconds since the epoch, as JWT `exp`. */
  readonly expiresAt: number;
}

export interface TicketKeys {
  readonly privateKey: KeyLike;
  readonly publicKey: KeyLike;
}

const ISSUER = 'warp-p2p-coordinator';
const ALG = 'EdDSA';

export const generateTicketKeys = async (): Promise<TicketKeys> => {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  return { privateKey, publicKey };
};

export const exportTicketPublicKey = (key: KeyLike): Promise<string> => exportSPKI(key);
export const importTicketPublicKey = (pem: string): Promise<KeyLike> => importSPKI(pem, ALG);

export interface IssueTicket {
  readonly player: string;
  readonly map: string;
  readonly host: string;
  readonly mapEpoch: number;
  readonly validitySeconds: number;
  /** Milliseconds: the caller's clock (scheduler.now()). */
  readonly now: number;
}

export const issueTicket = (privateKey: KeyLike, ticket: IssueTicket): Promise<string> => {
  const issuedAt = Math.floor(ticket.now / 1000);
  return new SignJWT({ map: ticket.map, epoch: ticket.mapEpoch })
    .setProtectedHeader({ alg: ALG, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setSubject(ticket.player)
    .setAudience(ticket.host)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ticket.validitySeconds)
    .sign(privateKey);
};

/**
 * When a ticket was issued and when it expires (milliseconds), read without verifying it: for the client to
 * schedule its renewal, never to trust it. Null for a token that carries no such claims.
 */
export const ticketLifetime = (
  token: string,
): { readonly issuedAt: number; readonly expiresAt: number } | null => {
  try {
    const { iat, exp } = decodeJwt(token);
    return typeof iat === 'number' && typeof exp === 'number'
      ? { issuedAt: iat * 1000, expiresAt: exp * 1000 }
      : null;
  } catch {
    return null;
  }
};

const codeFor = (error: unknown): P2PError => {
  if (error instanceof joseErrors.JWTExpired) return p2pError('ERR_TICKET_EXPIRED', 'ticket has expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.claim === 'aud'
      ? p2pError('ERR_TICKET_AUDIENCE', 'ticket was issued for another host')
      : p2pError('ERR_TICKET_CLAIMS', `ticket claim ${error.claim} is invalid: ${error.reason}`);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return p2pError('ERR_TICKET_SIGNATURE', 'ticket signature does not verify');
  }
  return p2pError(
    'ERR_TICKET_MALFORMED',
    `ticket is malformed: ${error instanceof Error ? error.message : 'unknown'}`,
  );
};

/**
 * Verifies a ticket offline against the coordinator's public key, for this host, at `now` (milliseconds).
 * Left codes: ERR_TICKET_EXPIRED, ERR_TICKET_AUDIENCE, ERR_TICKET_SIGNATURE, ERR_TICKET_MALFORMED,
 * ERR_TICKET_CLAIMS.
 */
export const verifyTicket = async (
  publicKey: KeyLike,
  token: string,
  expectations: { readonly audience: string; readonly now: number },
): Promise<either.Either<P2PError, TicketClaims>> => {
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [ALG],
      issuer: ISSUER,
      audience: expectations.audience,
      currentDate: new Date(expectations.now),
      requiredClaims: ['sub', 'exp', 'aud'],
    });
    const { sub, map, epoch, exp } = payload;
    if (
      typeof sub !== 'string' ||
      typeof map !== 'string' ||
      typeof epoch !== 'number' ||
      typeof exp !== 'number'
    ) {
      return either.left(p2pError('ERR_TICKET_CLAIMS', 'ticket lacks player, map or epoch'));
    }
    return either.right({ player: sub, map, host: expectations.audience, mapEpoch: epoch, expiresAt: exp });
  } catch (error) {
    return either.left(codeFor(error));
  }
};
