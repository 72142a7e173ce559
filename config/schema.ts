import type * as t from 'io-ts';
import {
  BooleanFromZeroOne,
  EncryptionAlgorithm,
  MapListFromString,
  NonNegativeIntFromString,
  PositiveIntFromString,
  intFromString,
  numberFromString,
} from './codecs.js';

/** One INI key: how its text decodes, and its default (the value config/p2p.ini ships). */
interface Key<A> {
  readonly codec: t.Type<A, string>;
  readonly default: A;
}
const key = <A>(codec: t.Type<A, string>, defaultValue: A): Key<A> => ({ codec, default: defaultValue });

/**
 * The configuration schema, section by section. The defaults equal config/p2p.ini (a spec holds them equal), so
 * a client that loads no file at all still runs with the design notes' values.
 */
export const SCHEMA = {
  P2P_NETWORK: {
    MaxRetries: key(NonNegativeIntFromString, 3),
    ReconnectDelay: key(NonNegativeIntFromString, 1000),
    TimeoutMS: key(PositiveIntFromString, 5000),
    UpdateIntervalMS: key(intFromString('an integer from 1 to 10000', 1, 10_000), 50),
    MaxLatencyMS: key(PositiveIntFromString, 200),
    PacketBatchSize: key(intFromString('an integer from 1 to 4096', 1, 4096), 32),
    EnableEncryption: key(BooleanFromZeroOne, true),
    KeyRotationInterval: key(PositiveIntFromString, 3600),
    EnableP2P: key(BooleanFromZeroOne, true),
  },
  P2P_SECURITY: {
    EncryptionAlgorithm: key(EncryptionAlgorithm, 'AES-256-GCM' as const),
    EnableCompression: key(BooleanFromZeroOne, true),
    CompressionThreshold: key(NonNegativeIntFromString, 1024),
    TokenValiditySeconds: key(PositiveIntFromString, 3600),
    RequireCertificates: key(BooleanFromZeroOne, true),
  },
  P2P_SYNC: {
    HashIntervalTicks: key(PositiveIntFromString, 10),
    CheckpointIntervalTicks: key(PositiveIntFromString, 100),
    ConflictThreshold: key(numberFromString('a positive number', Number.MIN_VALUE), 2),
    SnapshotRingSize: key(intFromString('an integer from 2 to 4096', 2, 4096), 64),
    RestoreWindowMS: key(NonNegativeIntFromString, 1000),
    UpdateTimeoutMS: key(PositiveIntFromString, 1000),
    PlayerGraceMS: key(NonNegativeIntFromString, 0),
  },
  P2P_WORLD: {
    NpcCount: key(intFromString('an integer from 0 to 10000', 0, 10_000), 8),
    NpcStride: key(intFromString('an integer from 1 to 1000', 1, 1000), 1),
  },
  P2P_LIMITS: {
    MaxFrameBytes: key(intFromString('an integer from 1024 to 16777216', 1024, 16 * 1024 * 1024), 262_144),
    MaxMessagesPerBatch: key(intFromString('an integer from 1 to 65535', 1, 65_535), 256),
    MaxInflatedBytes: key(
      intFromString('an integer from 1024 to 67108864', 1024, 64 * 1024 * 1024),
      1_048_576,
    ),
    MaxRejectedFrames: key(PositiveIntFromString, 32),
    RejectWindowMS: key(PositiveIntFromString, 10_000),
    KeyGraceMS: key(NonNegativeIntFromString, 5000),
    CongestedBytes: key(PositiveIntFromString, 65_536),
    // At least ACK_INTERVAL_TICKS (20): a client is never stalled while it acknowledges as often as it must.
    MaxUnackedTicks: key(intFromString('an integer from 20 to 4096', 20, 4096), 40),
    MaxBacklogBytes: key(PositiveIntFromString, 1_048_576),
    MaxPendingHandshakes: key(PositiveIntFromString, 16),
    // Host and VPS session budgets: unauthenticated connections from all addresses, then per connection what a
    // player may send (past a budget a message is dropped with ERR_RATE_LIMITED; inputs: ERR_INPUT_FLOOD).
    MaxHandshakeSlots: key(PositiveIntFromString, 256),
    MaxHandshakesPerPlayerPerSecond: key(PositiveIntFromString, 10),
    MaxPingsPerSecond: key(PositiveIntFromString, 10),
    MaxRekeysPerMinute: key(PositiveIntFromString, 6),
    MaxResyncsPerSecond: key(PositiveIntFromString, 4),
    MaxInputsPerSecond: key(PositiveIntFromString, 250),
    MaxQueuedInputs: key(intFromString('an integer from 1 to 4096', 1, 4096), 256),
    MaxOtherMessagesPerSecond: key(PositiveIntFromString, 256),
  },
  P2P_COORDINATOR: {
    HeartbeatIntervalMS: key(PositiveIntFromString, 1000),
    HeartbeatTimeoutMS: key(PositiveIntFromString, 3000),
    CertificateValiditySeconds: key(PositiveIntFromString, 86_400),
    MaxMessageBytes: key(intFromString('an integer from 1024 to 16777216', 1024, 16 * 1024 * 1024), 65_536),
    LoginRateLimit: key(PositiveIntFromString, 10),
    LoginWindowMS: key(PositiveIntFromString, 10_000),
    Maps: key(MapListFromString, [] as readonly string[]),
    RestartGraceMS: key(NonNegativeIntFromString, 5000),
    // Coordinator budgets against abuse: password checks per account and at once, sockets not yet logged in,
    // HTTP request time, host ids per account.
    AccountFailureLimit: key(PositiveIntFromString, 10),
    MaxConcurrentAuth: key(PositiveIntFromString, 4),
    MaxQueuedAuth: key(NonNegativeIntFromString, 128),
    AuthTimeoutMS: key(PositiveIntFromString, 10_000),
    MaxUnauthenticatedPerAddress: key(PositiveIntFromString, 128),
    MaxUnauthenticated: key(PositiveIntFromString, 1024),
    HttpTimeoutMS: key(PositiveIntFromString, 5000),
    MaxHostIdsPerAccount: key(PositiveIntFromString, 64),
  },
} as const;

type Schema = typeof SCHEMA;
export type SectionName = keyof Schema;

/** The decoded configuration: `config.P2P_NETWORK.MaxRetries`, named exactly as in the INI file. */
export type Config = {
  readonly [S in SectionName]: {
    readonly [K in keyof Schema[S]]: Schema[S][K] extends Key<infer A> ? A : never;
  };
};

/** Raw INI text values by section and key, as read from a file or given as overrides (CLI flags). */
export type RawConfig = Readonly<Record<string, Readonly<Record<string, string>>>>;
