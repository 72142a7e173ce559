/**
 * Every error warp-p2p reports has a stable `code`. This table is the single source of the codes; docs/ERRORS.md
 * documents each one and a spec keeps the two in step.
 *
 * Categories say how a caller reacts: a `data` error drops one frame or message and the stream goes on, a
 * `connection` error ends a connection (retry and failover apply), a `security` error ends it without a retry on
 * the same peer, a `credentials` error (an expired ticket) is retried with fresh tickets from the coordinator, an
 * `ended` error ends the session for good (no retry, no failover), a `config` error stops start-up (the CLI exits
 * 1, or 2 for ERR_USAGE).
 */
export const ERROR_CODES = {
  ERR_CONFIG_NOT_FOUND: {
    category: 'config',
    summary: 'the configuration file does not exist or cannot be read',
  },
  ERR_CONFIG_PARSE: { category: 'config', summary: 'the configuration text is not valid INI' },
  ERR_CONFIG_INVALID: { category: 'config', summary: 'one or more configuration values are invalid' },
  ERR_USAGE: {
    category: 'config',
    summary:
      'a command line the CLI cannot run: an unknown command or flag, a missing flag, a bad value (exit code 2)',
  },
  ERR_ACCOUNTS_FILE: {
    category: 'config',
    summary: 'the accounts file is missing (for the coordinator), cannot be read or written, or is not one',
  },
  ERR_SERVICE_KEY_FILE: {
    category: 'config',
    summary:
      "the service key file cannot be read, written or is empty (the coordinator's or --service-key-file)",
  },
  ERR_PORT_IN_USE: { category: 'config', summary: "a server's --host and --port are already in use" },
  ERR_LISTEN_FAILED: {
    category: 'config',
    summary: 'a server cannot listen on --host and --port (not an address of this machine, or not allowed)',
  },
  ERR_UNEXPECTED: {
    category: 'config',
    summary: 'a failure without a code of its own: a bug in warp-p2p (the message says what failed)',
  },

  ERR_FRAME_TRUNCATED: { category: 'data', summary: 'a frame is shorter than its header or its tag' },
  ERR_FRAME_TOO_LARGE: { category: 'data', summary: 'a frame is larger than MaxFrameBytes' },
  ERR_FRAME_VERSION: { category: 'data', summary: 'a frame carries an unsupported protocol version' },
  ERR_FRAME_TYPE: { category: 'data', summary: 'a frame type is unknown or not allowed at this point' },
  ERR_FRAME_HEADER: {
    category: 'data',
    summary: 'a frame header has unknown flags or non-zero reserved bits',
  },
  ERR_FRAME_AUTH: { category: 'data', summary: 'a sealed frame failed AES-256-GCM authentication' },
  ERR_FRAME_EPOCH: { category: 'data', summary: 'a frame names a key epoch that is unknown or has expired' },
  ERR_FRAME_REPLAY: {
    category: 'data',
    summary: 'a frame sequence number is not above the last one accepted',
  },
  ERR_INFLATE_CORRUPT: { category: 'data', summary: 'a compressed body is not valid raw deflate' },
  ERR_INFLATE_LIMIT: { category: 'data', summary: 'a compressed body inflates past MaxInflatedBytes' },
  ERR_BATCH_MALFORMED: { category: 'data', summary: 'a batch body is truncated or has trailing bytes' },
  ERR_BATCH_TOO_MANY: { category: 'data', summary: 'a batch holds more than MaxMessagesPerBatch messages' },
  ERR_MESSAGE_KIND: { category: 'data', summary: 'a message kind is unknown' },
  ERR_MESSAGE_INVALID: { category: 'data', summary: 'a message payload fails its codec' },
  ERR_MESSAGE_TOO_LARGE: {
    category: 'data',
    summary: 'an outgoing message or batch does not fit in one frame',
  },

  ERR_REQUEST_MALFORMED: {
    category: 'data',
    summary: 'a coordinator request is not JSON or fails its codec',
  },
  ERR_REQUEST_TOO_LARGE: {
    category: 'data',
    summary: 'a coordinator request is larger than MaxMessageBytes',
  },
  ERR_RATE_LIMITED: {
    category: 'data',
    summary:
      'too many password or key checks from one address or for one account within LoginWindowMS, or too many at once (MaxConcurrentAuth, MaxQueuedAuth), or messages of one kind on a connection past their budget (MaxPingsPerSecond, …): dropped',
  },
  ERR_REQUEST_TOO_DEEP: {
    category: 'data',
    summary:
      'a coordinator request nests arrays or objects deeper than the protocol does (refused before parsing)',
  },
  ERR_NOT_LOGGED_IN: {
    category: 'data',
    summary: 'the request needs a login (or a host registration) first',
  },
  ERR_MAP_UNKNOWN: {
    category: 'data',
    summary: 'no host offers the map and the coordinator catalogue does not list it',
  },
  ERR_NO_HOST: { category: 'connection', summary: 'no live host and no VPS can serve the map now' },
  ERR_HOST_DUPLICATE: {
    category: 'data',
    summary: 'the host id is already registered and live on another connection',
  },
  ERR_HOST_ID_TAKEN: {
    category: 'security',
    summary:
      'the host id belongs to another account (or to the VPS): only the one that registered it first may use it',
  },
  ERR_HOST_ID_LIMIT: {
    category: 'security',
    summary: 'the account already registered MaxHostIdsPerAccount host ids',
  },
  ERR_LEASE_UNKNOWN: {
    category: 'data',
    summary:
      'a host re-announced a lease the coordinator never granted it (another map, or a higher epoch): ignored, and the host told lease.revoked',
  },
  ERR_CONNECTION_LIMIT: {
    category: 'connection',
    summary:
      'the coordinator holds MaxUnauthenticatedPerAddress sockets from this address, or MaxUnauthenticated in all, not yet logged in: refused',
  },
  ERR_AUTH_TIMEOUT: {
    category: 'connection',
    summary: 'a control connection did not log in or register within AuthTimeoutMS: closed',
  },
  ERR_SLOW_CLIENT: {
    category: 'connection',
    summary: "a client's unsent backlog passed its cap: it was disconnected",
  },
  ERR_LEASE_REVOKED: {
    category: 'connection',
    summary: 'the host no longer holds the map lease (it moved under a newer epoch)',
  },

  ERR_RECORDING_UNREADABLE: {
    category: 'data',
    summary: 'a session recording file (warp-p2p replay FILE) does not exist or cannot be read',
  },
  ERR_RECORDING_CORRUPT: {
    category: 'data',
    summary: 'a session recording has a line that is not a valid entry (the message names the line)',
  },
  ERR_RECORDING_TRUNCATED: {
    category: 'data',
    summary: 'a session recording stops mid-entry (the message names the line)',
  },
  ERR_REPLAY_MISMATCH: {
    category: 'data',
    summary: 'a replay rebuilt a world hash or a sync-error timeline that differs from the recording',
  },
  ERR_TOO_MANY_REJECTIONS: { category: 'connection', summary: 'a connection sent too many rejected frames' },
  ERR_INPUT_FLOOD: {
    category: 'connection',
    summary:
      'a player sent inputs past MaxInputsPerSecond or MaxQueuedInputs: the connection is closed and the client sends again what was not applied',
  },
  ERR_SESSION_REPLACED: {
    category: 'ended',
    summary: 'the same player opened another session on the map: this one was closed and does not reconnect',
  },
  ERR_FORCED_RECONNECT: {
    category: 'connection',
    summary: 'the client dropped its connection on purpose (/p2p reconnect) and reconnects',
  },
  ERR_HEARTBEAT_TIMEOUT: { category: 'connection', summary: 'no frame arrived within TimeoutMS' },
  ERR_CONNECTION_CLOSED: { category: 'connection', summary: 'the peer closed the connection' },
  ERR_CONNECTION_FAILED: { category: 'connection', summary: 'the peer could not be reached' },
  ERR_HANDSHAKE_TIMEOUT: { category: 'connection', summary: 'the handshake did not finish within TimeoutMS' },
  ERR_HANDSHAKE_PROTOCOL: {
    category: 'connection',
    summary: 'a handshake message was missing, unexpected or malformed',
  },
  ERR_HANDSHAKE_MODE: {
    category: 'connection',
    summary: 'the peers disagree on EnableEncryption or RequireCertificates',
  },
  ERR_REKEY_PROTOCOL: {
    category: 'connection',
    summary: 'a key rotation message was unexpected or malformed',
  },

  ERR_RESTORE_FORGED: {
    category: 'security',
    summary: 'a restore bundle is not signed by the previous owner under a CA certificate',
  },
  ERR_RESTORE_MISMATCH: {
    category: 'data',
    summary: 'a restore bundle names another map, or its snapshot does not hash to its checkpoint',
  },
  ERR_RESTORE_EPOCH: {
    category: 'data',
    summary: 'a restore bundle comes from an older epoch than the one the VPS took over',
  },
  ERR_RESTORE_INVALID: {
    category: 'data',
    summary:
      "a restore bundle holds a value outside its type's range (an entity field, a tick, a sequence number) or could not be checked",
  },
  ERR_RESTORE_REPEATED: {
    category: 'data',
    summary:
      'a player brought another restore bundle for the same takeover: only its first verified one counts',
  },
  ERR_MAP_FAILED: {
    category: 'connection',
    summary:
      "the server's tick loop for the map failed: its players were disconnected, and the map starts again when they come back",
  },
  ERR_AUTH_FAILED: { category: 'security', summary: 'unknown account, wrong password or wrong service key' },
  ERR_AUTH_ROLE: { category: 'security', summary: 'the account lacks the role the request needs (host)' },
  ERR_HANDSHAKE_SIGNATURE: {
    category: 'security',
    summary: 'the host signature over the handshake transcript is invalid',
  },
  ERR_HANDSHAKE_FINISHED: {
    category: 'security',
    summary: 'a finished message does not match the transcript',
  },
  ERR_CERT_INVALID: { category: 'security', summary: 'a certificate cannot be parsed' },
  ERR_CERT_CHAIN: { category: 'security', summary: 'a certificate was not issued by the trusted CA' },
  ERR_CERT_EXPIRED: { category: 'security', summary: 'a certificate is outside its validity period' },
  ERR_CERT_SUBJECT: {
    category: 'security',
    summary: 'a certificate names another host than the one expected',
  },
  ERR_CSR_SIGNATURE: { category: 'security', summary: 'a certificate signing request has a bad signature' },
  ERR_CSR_SUBJECT: { category: 'security', summary: 'a certificate signing request names another subject' },
  ERR_TICKET_MALFORMED: { category: 'security', summary: 'a ticket is not a well-formed JWT' },
  ERR_TICKET_SIGNATURE: {
    category: 'security',
    summary: 'a ticket signature does not verify with the coordinator key',
  },
  ERR_TICKET_EXPIRED: {
    category: 'credentials',
    summary: 'a ticket has expired: the client gets fresh tickets from the coordinator and connects again',
  },
  ERR_TICKET_AUDIENCE: { category: 'security', summary: 'a ticket was issued for another host' },
  ERR_TICKET_CLAIMS: {
    category: 'security',
    summary: 'a ticket lacks a required claim or has one of the wrong type',
  },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorCategory = (typeof ERROR_CODES)[ErrorCode]['category'];

/** The one error type of warp-p2p: match on `code`, never on the class. */
export class P2PError extends Error {
  override readonly name = 'P2PError';
  readonly category: ErrorCategory;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.category = ERROR_CODES[code].category;
  }

  /** A plain record for logs and JSON output (Error's own fields do not serialize). */
  toJSON(): { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Builds a P2PError; a short form for the many decode paths. */
export const p2pError = (
  code: ErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): P2PError => (details === undefined ? new P2PError(code, message) : new P2PError(code, message, details));

/** True for errors that must not be retried against the same peer (DESIGN §4, the seed's SecurityError). */
export const isSecurityError = (error: unknown): boolean =>
  error instanceof P2PError && error.category === 'security';

/** True for errors that end a session for good: neither retried nor failed over (ERR_SESSION_REPLACED). */
export const isEndedError = (error: unknown): boolean =>
  error instanceof P2PError && error.category === 'ended';

/** True for errors that a fresh ticket from the coordinator cures (ERR_TICKET_EXPIRED). */
export const isStaleCredentials = (error: unknown): boolean =>
  error instanceof P2PError && error.category === 'credentials';

/** Any thrown value as a P2PError, so streams downstream only ever see coded errors. */
export const toP2PError = (error: unknown, fallback: ErrorCode = 'ERR_CONNECTION_FAILED'): P2PError =>
  error instanceof P2PError
    ? error
    : p2pError(fallback, error instanceof Error ? error.message : String(error));

/** Where pipeline stages report data errors: counted and logged by the owner, while the stream goes on. */
export type RejectionSink = (error: P2PError) => void;

export const ignoreRejection: RejectionSink = () => undefined;
