import type { Observable, OperatorFunction, SchedulerLike } from 'rxjs';
import type { RejectionSink } from '../../lib/errors.js';
import type { DirectionKey } from '../../lib/crypto/aead.js';
import type { Message } from '../../lib/protocol/messages.js';
import { batchPackets } from '../../operators/batch-packets.js';
import { sealBatches } from '../../operators/seal-batches.js';
import type { SessionSettings } from './settings.js';

export interface OutboundConfig {
  readonly settings: Pick<
    SessionSettings,
    'limits' | 'encrypted' | 'codec' | 'batchSize' | 'batchWindowMs' | 'compression'
  >;
  readonly sendKey$: Observable<DirectionKey>;
  readonly onReject: RejectionSink;
  readonly scheduler?: SchedulerLike;
}

const BATCHED_KINDS: ReadonlySet<Message['kind']> = new Set([
  'input',
  'ack',
  'app',
  'checkpoint',
  'checkpoint_changes',
]);

/**
 * Everything but inputs, acks, app messages and checkpoints leaves at once with whatever is buffered before it: a
 * rekey must be the last frame under the old key, a ping must not wait for the tick window, and a host's delta is
 * already one message per client per tick (holding it back would add a tick of latency). A checkpoint waits for
 * the next tick's delta and shares its frame: on a checkpoint tick a host would otherwise seal and send two frames
 * per client at once, and the client checks a checkpoint against the world it kept for that tick anyway.
 */
export const isUrgent = (message: Message): boolean => !BATCHED_KINDS.has(message.kind);

/**
 * Messages → wire frames: batchPackets, then encodeBatch → compress → encrypt fused in `sealBatches` (DESIGN §3).
 * One seal per batch, not per message.
 */
export const outboundPipeline =
  ({ settings, sendKey$, onReject, scheduler }: OutboundConfig): OperatorFunction<Message, Buffer> =>
  (messages$) =>
    messages$.pipe(
      batchPackets<Message>({
        max: settings.batchSize,
        windowMs: settings.batchWindowMs,
        flushOn: isUrgent,
        ...(scheduler === undefined ? {} : { scheduler }),
      }),
      sealBatches({
        limits: settings.limits,
        compression: {
          threshold: settings.compression.threshold,
          enabled: settings.compression.enabled,
          ...(settings.codec === undefined ? {} : { codec: settings.codec }),
        },
        sendKey$,
        encrypted: settings.encrypted,
        onReject,
      }),
    );
