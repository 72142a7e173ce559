import { Observable, type OperatorFunction } from 'rxjs';
import { either } from 'fp-ts';
import type { P2PError, RejectionSink } from '../../lib/errors.js';
import { inflateFrame } from '../../lib/compression/inflate-frame.js';
import { nodeZlibCodec } from '../../lib/compression/node-zlib-codec.js';
import type { DirectionKey } from '../../lib/crypto/aead.js';
import { openFrame } from '../../lib/crypto/frame-opener.js';
import { decodeBatch } from '../../lib/protocol/batch.js';
import { type OpenedFrame, decodeFrame } from '../../lib/protocol/frame.js';
import type { Message } from '../../lib/protocol/messages.js';
import { createReplayWindow } from '../../lib/protocol/replay-window.js';
import type { SessionSettings } from './settings.js';

export interface InboundConfig {
  readonly settings: Pick<SessionSettings, 'limits' | 'encrypted' | 'codec'>;
  readonly receiveKeys$: Observable<readonly DirectionKey[]>;
  readonly onReject: RejectionSink;
}

/** The inbound pipeline as plain calls. */
export interface InboundReader {
  /** One wire frame: its messages go to `emit` in order, and whatever is wrong with it to `onReject`. */
  readonly read: (bytes: Buffer) => void;
  /** The receive keys from now on, newest epoch first (rotation, grace expiry). */
  readonly useKeys: (keys: readonly DirectionKey[]) => void;
}

/**
 * Wire frames → messages (DESIGN §3), the steps of the `decodeFrame`, `decrypt`, `verifyReplay`, `decompress` and
 * `decodeMessages` operators in one synchronous call per frame: every connection holds one, and five operator
 * links each would cost memory per connection and a hop per frame. A bad frame is rejected whole; a bad message
 * alone, its neighbours go on. Before the first keys, sealed frames are rejected as ERR_FRAME_EPOCH.
 */
export const createInboundReader = (
  settings: InboundConfig['settings'],
  onReject: RejectionSink,
  emit: (message: Message) => void,
): InboundReader => {
  const { limits, encrypted } = settings;
  const codec = settings.codec ?? nodeZlibCodec;
  const passesReplay = createReplayWindow();
  let keys: readonly DirectionKey[] = [];
  // Early returns rather than fp-ts `chain`: this runs per frame, and `chain` builds a closure per step per call.
  const openBody = (bytes: Buffer): either.Either<P2PError, OpenedFrame> => {
    const frame = decodeFrame(bytes, limits.maxFrameBytes);
    if (frame._tag === 'Left') return frame;
    const opened = openFrame(frame.right, keys, encrypted);
    if (opened._tag === 'Left') return opened;
    const fresh = passesReplay(opened.right);
    if (fresh._tag === 'Left') return fresh;
    return inflateFrame(fresh.right, codec, limits.maxInflatedBytes);
  };
  return {
    useKeys: (latest) => (keys = latest),
    read: (bytes) => {
      const body = openBody(bytes);
      const batch = body._tag === 'Left' ? body : decodeBatch(body.right.body, limits);
      if (batch._tag === 'Left') {
        onReject(batch.left);
        return;
      }
      batch.right.rejected.forEach(onReject);
      for (const message of batch.right.messages) emit(message);
    },
  };
};

/**
 * Wire frames → messages as an operator: `createInboundReader` fed by the source, opening with the latest keys of
 * `receiveKeys$`. Every bad frame or message goes to `onReject` and the stream goes on. Completes with the source;
 * an error of `receiveKeys$` errors the stream.
 */
export const inboundPipeline =
  ({ settings, receiveKeys$, onReject }: InboundConfig): OperatorFunction<Buffer, Message> =>
  (frames$) =>
    new Observable<Message>((subscriber) => {
      const reader = createInboundReader(settings, onReject, (message) => {
        if (!subscriber.closed) subscriber.next(message);
      });
      const keys = receiveKeys$.subscribe({
        next: reader.useKeys,
        error: (error: unknown) => subscriber.error(error),
      });
      const frames = frames$.subscribe({
        // A throw here would be a bug in a decoder: it ends this connection, never the process.
        next: (bytes) => {
          try {
            reader.read(bytes);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        frames.unsubscribe();
        keys.unsubscribe();
      };
    });
