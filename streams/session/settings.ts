import type { Config } from '../../config/schema.js';
import type { DeflateCodec } from '../../lib/compression/deflate-codec.js';
import type { ProtocolLimits } from '../../lib/protocol/limits.js';

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
});
