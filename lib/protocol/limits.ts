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
