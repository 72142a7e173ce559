import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { P2PError, RejectionSink } from '../../lib/errors.js';
import { compressBody } from '../../lib/compression/compress-body.js';
import type { DirectionKey } from '../../lib/crypto/aead.js';
import { createFrameSealer } from '../../lib/crypto/frame-sealer.js';
import { encodeBatch } from '../../lib/protocol/batch.js';
import type { Message } from '../../lib/protocol/messages.js';
import { createBatcher } from '../../operators/batch-packets.js';
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

export interface OutboundWriterConfig {
  readonly settings: OutboundConfig['settings'];
  readonly onReject: RejectionSink;
  readonly scheduler?: SchedulerLike;
  /** Each wire frame, in order. */
  readonly emit: (frame: Buffer) => void;
  /** A frame that cannot be sealed (no key yet: a wiring bug, ERR_HANDSHAKE_PROTOCOL). */
  readonly fail: (error: P2PError) => void;
}

/** The outbound pipeline as plain calls, for a channel to drive directly. */
export interface OutboundWriter {
  /** Queues a message; a full batch, or an urgent message, leaves at once with what was queued before it. */
  readonly write: (message: Message) => void;
  /** Seals with this key from the next frame on (rotation; a new epoch numbers frames from 0). */
  readonly useKey: (key: DirectionKey) => void;
  /** Sends what is queued now. */
  readonly flush: () => void;
  /** Cancels the batch window; what is still queued is dropped. */
  readonly close: () => void;
}

/**
 * Messages → wire frames (DESIGN §3): batched by `batchPackets`' rule (up to `batchSize`, for at most
 * `batchWindowMs`, urgent messages at once), then each batch encoded, compressed and sealed as `encodeBatch`,
 * `compress` and `encrypt` do, in one synchronous step. A host runs this once per client per tick, so it is
 * calls, not four operator hops with an allocation each; `outboundPipeline` is the same as an operator.
 */
export const createOutboundWriter = (config: OutboundWriterConfig): OutboundWriter => {
  const { settings, onReject, emit, fail } = config;
  const sealer = createFrameSealer(settings.encrypted);
  const compression = {
    threshold: settings.compression.threshold,
    enabled: settings.compression.enabled,
    ...(settings.codec === undefined ? {} : { codec: settings.codec }),
  };
  const sealAndEmit = (batch: readonly Message[]) => {
    const body = encodeBatch(batch, settings.limits);
    if (body._tag === 'Left') {
      onReject(body.left);
      return;
    }
    const frame = sealer.seal(compressBody(body.right, compression));
    if (frame._tag === 'Right') emit(frame.right);
    else fail(frame.left);
  };
  const batcher = createBatcher<Message>(
    {
      max: settings.batchSize,
      windowMs: settings.batchWindowMs,
      flushOn: isUrgent,
      ...(config.scheduler === undefined ? {} : { scheduler: config.scheduler }),
    },
    sealAndEmit,
  );
  return { write: batcher.push, useKey: sealer.useKey, flush: batcher.flush, close: batcher.cancel };
};

/**
 * Messages → wire frames as an operator: `createOutboundWriter` fed by the source, sealing with the latest key
 * of `sendKey$`. The partial batch is flushed when the source completes and dropped on error or unsubscribe.
 */
export const outboundPipeline =
  ({ settings, sendKey$, onReject, scheduler }: OutboundConfig): OperatorFunction<Message, Buffer> =>
  (messages$) =>
    new Observable<Buffer>((subscriber) => {
      const writer = createOutboundWriter({
        settings,
        onReject,
        ...(scheduler === undefined ? {} : { scheduler }),
        emit: (frame) => subscriber.next(frame),
        fail: (error) => subscriber.error(error),
      });
      const keys = sendKey$.subscribe({
        next: writer.useKey,
        error: (error: unknown) => subscriber.error(error),
      });
      const messages = messages$.subscribe({
        next: writer.write,
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          writer.flush();
          subscriber.complete();
        },
      });
      return () => {
        writer.close();
        messages.unsubscribe();
        keys.unsubscribe();
      };
    });
