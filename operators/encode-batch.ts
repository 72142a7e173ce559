import type { OperatorFunction } from 'rxjs';
import { type RejectionSink, ignoreRejection } from '../lib/errors.js';
import { encodeBatch as encodeBatchBody } from '../lib/protocol/batch.js';
import type { ProtocolLimits } from '../lib/protocol/limits.js';
import type { Message } from '../lib/protocol/messages.js';
import { mapEither } from './map-either.js';

export interface EncodeBatchConfig {
  readonly limits: Pick<ProtocolLimits, 'maxMessagesPerBatch' | 'maxInflatedBytes'>;
  readonly onReject?: RejectionSink;
}

/**
 * Batches of messages → batch bodies. A batch the peer would refuse (too many messages, too large) is rejected
 * with ERR_MESSAGE_TOO_LARGE and not sent.
 *
 * @example batches$.pipe(encodeBatch({ limits, onReject }))
 */
export const encodeBatch = (config: EncodeBatchConfig): OperatorFunction<readonly Message[], Buffer> =>
  mapEither(
    (messages: readonly Message[]) => encodeBatchBody(messages, config.limits),
    config.onReject ?? ignoreRejection,
  );
