import type { Observable, OperatorFunction } from 'rxjs';
import type { RejectionSink } from '../../lib/errors.js';
import type { DirectionKey } from '../../lib/crypto/aead.js';
import type { Message } from '../../lib/protocol/messages.js';
import { decodeFrame } from '../../operators/decode-frame.js';
import { decodeMessages } from '../../operators/decode-messages.js';
import { decompress } from '../../operators/decompress.js';
import { decrypt } from '../../operators/decrypt.js';
import { verifyReplay } from '../../operators/verify-replay.js';
import type { SessionSettings } from './settings.js';

export interface InboundConfig {
  readonly settings: Pick<SessionSettings, 'limits' | 'encrypted' | 'codec'>;
  readonly receiveKeys$: Observable<readonly DirectionKey[]>;
  readonly onReject: RejectionSink;
}

/**
 * Wire frames → messages: decodeFrame → decrypt → verifyReplay → decompress → decodeMessages (DESIGN §3).
 * Every bad frame or message goes to `onReject` and the stream goes on.
 */
export const inboundPipeline =
  ({ settings, receiveKeys$, onReject }: InboundConfig): OperatorFunction<Buffer, Message> =>
  (frames$) =>
    frames$.pipe(
      decodeFrame({ maxFrameBytes: settings.limits.maxFrameBytes, onReject }),
      decrypt({ receiveKeys$, encrypted: settings.encrypted, onReject }),
      verifyReplay({ onReject }),
      decompress({ maxInflatedBytes: settings.limits.maxInflatedBytes, onReject, ...codecOf(settings) }),
      decodeMessages({ limits: settings.limits, onReject }),
    );

const codecOf = (settings: Pick<SessionSettings, 'codec'>) =>
  settings.codec === undefined ? {} : { codec: settings.codec };
