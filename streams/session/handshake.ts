import { type X509Certificate, randomBytes } from 'node:crypto';
import { Observable, type SchedulerLike, asyncScheduler, defer, from, map, switchMap, take } from 'rxjs';
import { either } from 'fp-ts';
import { ERROR_CODES, type ErrorCode, P2PError, p2pError } from '../../lib/errors.js';
import {
  type SessionKeys,
  deriveSessionKeys,
  generateKeyShare,
  sharedSecret,
  transcriptHash,
} from '../../lib/crypto/key-schedule.js';
import type { Role } from '../../lib/crypto/key-ring.js';
import { signWithKey, verifyHostCertificate, verifyWithCertificate } from '../../lib/crypto/certificates.js';
import type { TicketClaims } from '../../lib/crypto/tickets.js';
import { decodeBatch, encodeBatch } from '../../lib/protocol/batch.js';
import type { HelloMessage, WelcomeMessage } from '../../lib/protocol/control-codecs.js';
import {
  FrameType,
  HEADER_BYTES,
  PROTOCOL_VERSION,
  decodeFrame,
  encodeFrame,
} from '../../lib/protocol/frame.js';
import type { ProtocolLimits } from '../../lib/protocol/limits.js';
import type { Message } from '../../lib/protocol/messages.js';
import type { Duplex } from './duplex.js';

/**
 * The handshake of DESIGN §4, up to the derived keys. The finished messages travel on the channel itself
 * (channel.ts), sealed under the new keys.
 *
 *   client → host   handshake frame [hello: ticket, X25519 share, nonce, modes]
 *   host → client   handshake frame [welcome: host id, certificate, X25519 share, nonce, signature]
 *                   (or [error: code] when the host refuses)
 *
 * transcript = SHA-256(hello batch bytes ‖ welcome signed part), where the signed part is the JSON array
 * [hostId, certificate, publicKey, nonce]. The host signs it with its certificate key; both derive the keys
 * from the X25519 secret salted with it.
 */
export interface HandshakeResult {
  readonly role: Role;
  readonly keys: SessionKeys;
  readonly transcript: Buffer;
  readonly hostId: string;
  /** The host's verified certificate (client side, with RequireCertificates=1). */
  readonly certificate: X509Certificate | null;
  /** The verified ticket (host side). */
  readonly ticket: TicketClaims | null;
  /**
   * The frame to send once the channel listens (the host's welcome): the first call hands it over, later ones get
   * null. A handshake result lives as long as its connection (the operators that carried it keep it), and the
   * welcome, with its certificate, is over a kilobyte that no one needs once it is sent.
   */
  readonly takeReply: () => Buffer | null;
}

const handshakeFrame = (message: Message, limits: ProtocolLimits): Buffer => {
  const body = encodeBatch([message], limits);
  if (either.isLeft(body)) throw body.left;
  return encodeFrame({ type: FrameType.Handshake, flags: 0, epoch: 0, seq: 0 }, body.right);
};

/**
 * `frame` on the first call, null after. Made out here, not where the handshake's variables are: a closure keeps
 * the whole scope it was made in, and in there it would keep the client's hello for as long as the connection.
 */
const handOverOnce = (frame: Buffer): (() => Buffer | null) => {
  let held: Buffer | null = frame;
  return () => {
    const taken = held;
    held = null;
    return taken;
  };
};

/** The one message of a handshake frame, with the batch bytes it came in (they enter the transcript). */
const readHandshake = (bytes: Buffer, limits: ProtocolLimits): { message: Message; body: Buffer } => {
  const frame = decodeFrame(bytes, limits.maxFrameBytes);
  if (either.isLeft(frame))
    throw p2pError('ERR_HANDSHAKE_PROTOCOL', `handshake frame: ${frame.left.message}`);
  if (frame.right.header.type !== FrameType.Handshake) {
    throw p2pError(
      'ERR_HANDSHAKE_PROTOCOL',
      `expected a handshake frame, got type ${frame.right.header.type}`,
    );
  }
  const batch = decodeBatch(frame.right.body, limits);
  const message = either.isRight(batch) ? batch.right.messages[0] : undefined;
  if (either.isLeft(batch) || batch.right.messages.length !== 1 || message === undefined) {
    throw p2pError('ERR_HANDSHAKE_PROTOCOL', 'a handshake frame must hold exactly one valid message');
  }
  return { message, body: frame.right.body };
};

const signedPart = (w: Pick<WelcomeMessage, 'hostId' | 'certificate' | 'publicKey' | 'nonce'>): Buffer =>
  Buffer.from(JSON.stringify([w.hostId, w.certificate, w.publicKey, w.nonce]), 'utf8');

const peerKey = (publicKey: string): Buffer => Buffer.from(publicKey, 'base64');

const deriveKeys = (
  share: ReturnType<typeof generateKeyShare>,
  peerPublicKey: string,
  transcript: Buffer,
) => {
  try {
    return deriveSessionKeys(sharedSecret(share, peerKey(peerPublicKey)), transcript);
  } catch {
    throw p2pError('ERR_HANDSHAKE_PROTOCOL', 'peer X25519 key share is malformed');
  }
};

/** Reads the first frame of `in$`, subscribing before `send` runs so a synchronous reply is not missed. */
const exchange = (duplex: Duplex, send: () => void): Observable<Buffer> =>
  new Observable<Buffer>((subscriber) => {
    const subscription = duplex.in$.pipe(take(1)).subscribe(subscriber);
    send();
    return subscription;
  });

export interface ClientHandshakeConfig {
  readonly ticket: string;
  /** The host the coordinator assigned: the certificate subject must name it. */
  readonly hostId: string;
  /** The CA certificate; null only with RequireCertificates=0. */
  readonly ca: X509Certificate | null;
  readonly encrypted: boolean;
  readonly limits: ProtocolLimits;
  /** Certificate validity is checked against `scheduler.now()`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Client side: sends hello, verifies the welcome (certificate chain, validity, subject = assigned host, the
 * transcript signature) and derives the keys. Emits once and completes.
 *
 * Errors: the host's own refusal code (ERR_TICKET_EXPIRED, …), ERR_CERT_*, ERR_HANDSHAKE_SIGNATURE,
 * ERR_HANDSHAKE_PROTOCOL, or the duplex's connection error.
 */
export const clientHandshake = (duplex: Duplex, config: ClientHandshakeConfig): Observable<HandshakeResult> =>
  defer(() => clientHandshakeOnce(duplex, config));

// A fresh key share and nonce per subscription, so a retried handshake never reuses them.
const clientHandshakeOnce = (duplex: Duplex, config: ClientHandshakeConfig): Observable<HandshakeResult> => {
  const scheduler = config.scheduler ?? asyncScheduler;
  const share = generateKeyShare();
  const hello: HelloMessage = {
    kind: 'hello',
    version: PROTOCOL_VERSION,
    ticket: config.ticket,
    publicKey: share.publicKey.toString('base64'),
    nonce: randomBytes(16).toString('base64'),
    encryption: config.encrypted,
    certificates: config.ca !== null,
  };
  const helloFrame = handshakeFrame(hello, config.limits);
  return exchange(duplex, () => duplex.send(helloFrame)).pipe(
    map((bytes) => {
      const { message } = readHandshake(bytes, config.limits);
      if (message.kind === 'error') {
        // Unauthenticated, so it may not end the session for good (an `ended` code counts only sealed).
        const known = message.code in ERROR_CODES ? (message.code as ErrorCode) : null;
        const code =
          known === null || ERROR_CODES[known].category === 'ended' ? 'ERR_HANDSHAKE_PROTOCOL' : known;
        throw new P2PError(code, `host refused: ${message.message}`);
      }
      if (message.kind !== 'welcome')
        throw p2pError('ERR_HANDSHAKE_PROTOCOL', `expected welcome, got ${message.kind}`);
      if (message.hostId !== config.hostId) {
        throw p2pError('ERR_CERT_SUBJECT', `host says it is ${message.hostId}, expected ${config.hostId}`);
      }
      const transcript = transcriptHash(helloFrame.subarray(HEADER_BYTES), signedPart(message));
      let certificate: X509Certificate | null = null;
      if (config.ca !== null) {
        const verified = verifyHostCertificate(
          message.certificate,
          config.ca,
          config.hostId,
          scheduler.now(),
        );
        if (either.isLeft(verified)) throw verified.left;
        certificate = verified.right;
        if (!verifyWithCertificate(certificate, transcript, Buffer.from(message.signature, 'base64'))) {
          throw p2pError(
            'ERR_HANDSHAKE_SIGNATURE',
            'host signature over the handshake transcript is invalid',
          );
        }
      }
      const keys = deriveKeys(share, message.publicKey, transcript);
      return {
        role: 'client',
        keys,
        transcript,
        hostId: message.hostId,
        certificate,
        ticket: null,
        takeReply: () => null,
      };
    }),
  );
};

export interface HostHandshakeConfig {
  readonly hostId: string;
  /** The host certificate and its key; null only with RequireCertificates=0. */
  readonly identity: { readonly certificatePem: string; readonly privateKeyPem: string } | null;
  /** Offline ticket check (coordinator public key, audience = this host, expiry, map served here). */
  readonly verifyTicket: (ticket: string) => Promise<either.Either<P2PError, TicketClaims>>;
  readonly encrypted: boolean;
  readonly limits: ProtocolLimits;
}

/**
 * Host side: reads hello, checks the modes agree and the ticket verifies, then prepares the signed welcome and
 * derives the keys. A refusal is sent to the client as an `error` message before the stream errors with the
 * same code (ERR_TICKET_*, ERR_HANDSHAKE_MODE, ERR_HANDSHAKE_PROTOCOL).
 */
export const hostHandshake = (duplex: Duplex, config: HostHandshakeConfig): Observable<HandshakeResult> => {
  const refuse = (error: P2PError): never => {
    duplex.send(handshakeFrame({ kind: 'error', code: error.code, message: error.message }, config.limits));
    throw error;
  };
  const guarded =
    <A, B>(f: (a: A) => B) =>
    (a: A): B => {
      try {
        return f(a);
      } catch (error) {
        return refuse(error instanceof P2PError ? error : p2pError('ERR_HANDSHAKE_PROTOCOL', String(error)));
      }
    };
  return exchange(duplex, () => undefined).pipe(
    map(
      guarded((bytes: Buffer) => {
        const { message, body } = readHandshake(bytes, config.limits);
        if (message.kind !== 'hello')
          throw p2pError('ERR_HANDSHAKE_PROTOCOL', `expected hello, got ${message.kind}`);
        if (message.version !== PROTOCOL_VERSION) {
          throw p2pError('ERR_HANDSHAKE_PROTOCOL', `protocol version ${message.version} is not supported`);
        }
        if (message.encryption !== config.encrypted || message.certificates !== (config.identity !== null)) {
          throw p2pError(
            'ERR_HANDSHAKE_MODE',
            'EnableEncryption and RequireCertificates must match on both sides',
          );
        }
        return { hello: message, helloBody: body };
      }),
    ),
    switchMap(({ hello, helloBody }) =>
      from(config.verifyTicket(hello.ticket)).pipe(
        map(
          guarded((claims): HandshakeResult => {
            if (either.isLeft(claims)) throw claims.left;
            const share = generateKeyShare();
            const unsigned = {
              hostId: config.hostId,
              certificate: config.identity?.certificatePem ?? '',
              publicKey: share.publicKey.toString('base64'),
              nonce: randomBytes(16).toString('base64'),
            };
            const transcript = transcriptHash(helloBody, signedPart(unsigned));
            const signature =
              config.identity === null ? '' : signWithKey(config.identity.privateKeyPem, transcript);
            const welcome: WelcomeMessage = {
              kind: 'welcome',
              ...unsigned,
              signature: signature.toString('base64'),
            };
            return {
              role: 'host',
              keys: deriveKeys(share, hello.publicKey, transcript),
              transcript,
              hostId: config.hostId,
              certificate: null,
              ticket: claims.right,
              takeReply: handOverOnce(handshakeFrame(welcome, config.limits)),
            };
          }),
        ),
      ),
    ),
  );
};
