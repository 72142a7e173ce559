/**
 * A client acknowledges at least every this many ticks it applies (and every full state). A protocol constant,
 * not a setting: a host's `MaxUnackedTicks` must exceed it whatever the client's configuration says.
 */
export const ACK_INTERVAL_TICKS = 20;

/** Size limits every decoder enforces; the values come from `[P2P_LIMITS]`. */
export interface ProtocolLimits {
  readonly maxFrameBytes: number;
  readonly maxMessagesPerBatch: number;
  readonly maxInflatedBytes: number;
}

export const DEFAULT_LIMITS: ProtocolLimits = {
  maxFrameBytes: 262_144,
  maxMessagesPerBatch: 256,
  maxInflatedBytes: 1_048_576,
};
