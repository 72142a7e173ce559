import type { Config } from '../../config/schema.js';
import type { DeflateCodec } from '../../lib/compression/deflate-codec.js';
import type { ProtocolLimits } from '../../lib/protocol/limits.js';

/**
 * What one connection may send a host or VPS (`[P2P_LIMITS]`): each kind a token bucket, a burst of its size at
 * once, refilled evenly over its window (budget-gate.ts). A client budgets nothing: its host is its one peer.
 */
export interface MessageBudgets {
  readonly pingsPerSecond: number;
  readonly rekeysPerMinute: number;
  readonly resyncsPerSecond: number;
  readonly inputsPerSecond: number;
  /** Inputs a connection may send at once (a resend after a reconnect), and a map may hold per player. */
  readonly queuedInputs: number;
  /** Acks, pongs and every other kind together, but the game's own `app` messages. */
  readonly otherMessagesPerSecond: number;
}

/** What a session needs from the configuration, in the units the pipelines use (ms, bytes). */
export interface SessionSettings {
  readonly limits: ProtocolLimits;
  readonly encrypted: boolean;
  readonly requireCertificates: boolean;
  readonly batchSize: number;
  readonly batchWindowMs: number;
  readonly compression: { readonly enabled: boolean; readonly threshold: number };
  readonly rotationIntervalMs: number;
  readonly keyGraceMs: number;
  readonly maxRejections: number;
  readonly rejectWindowMs: number;
  /** Handshake deadline and the longest silence tolerated on an established channel. */
  readonly timeoutMs: number;
  readonly budgets: MessageBudgets;
  /** Connections to a host or VPS not yet established, all addresses together (`MaxHandshakeSlots`). */
  readonly maxHandshakeSlots: number;
  /** Handshakes one player may make a host sign, at once and per second (`MaxHandshakesPerPlayerPerSecond`). */
  readonly handshakesPerPlayerPerSecond: number;
  readonly codec?: DeflateCodec;
}

export const sessionSettings = (config: Config): SessionSettings => ({
  limits: {
    maxFrameBytes: config.P2P_LIMITS.MaxFrameBytes,
    maxMessagesPerBatch: config.P2P_LIMITS.MaxMessagesPerBatch,
    maxInflatedBytes: config.P2P_LIMITS.MaxInflatedBytes,
  },
  encrypted: config.P2P_NETWORK.EnableEncryption,
  requireCertificates: config.P2P_SECURITY.RequireCertificates,
  batchSize: config.P2P_NETWORK.PacketBatchSize,
  batchWindowMs: config.P2P_NETWORK.UpdateIntervalMS,
  compression: {
    enabled: config.P2P_SECURITY.EnableCompression,
    threshold: config.P2P_SECURITY.CompressionThreshold,
  },
  rotationIntervalMs: config.P2P_NETWORK.KeyRotationInterval * 1000,
  keyGraceMs: config.P2P_LIMITS.KeyGraceMS,
  maxRejections: config.P2P_LIMITS.MaxRejectedFrames,
  rejectWindowMs: config.P2P_LIMITS.RejectWindowMS,
  timeoutMs: config.P2P_NETWORK.TimeoutMS,
  budgets: {
    pingsPerSecond: config.P2P_LIMITS.MaxPingsPerSecond,
    rekeysPerMinute: config.P2P_LIMITS.MaxRekeysPerMinute,
    resyncsPerSecond: config.P2P_LIMITS.MaxResyncsPerSecond,
    inputsPerSecond: config.P2P_LIMITS.MaxInputsPerSecond,
    queuedInputs: config.P2P_LIMITS.MaxQueuedInputs,
    otherMessagesPerSecond: config.P2P_LIMITS.MaxOtherMessagesPerSecond,
  },
  maxHandshakeSlots: config.P2P_LIMITS.MaxHandshakeSlots,
  handshakesPerPlayerPerSecond: config.P2P_LIMITS.MaxHandshakesPerPlayerPerSecond,
});
