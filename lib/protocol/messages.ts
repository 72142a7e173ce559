import { either } from 'fp-ts';
import type * as t from 'io-ts';
import { type P2PError, p2pError } from '../errors.js';
import { CONTROL_CODECS, type ControlMessage } from './control-codecs.js';
import { describeErrors } from './describe-errors.js';
import {
  AckCodec,
  AppCodec,
  type BinaryCodec,
  DeltaCodec,
  InputCodec,
  PingCodec,
  PongCodec,
  type AckMessage,
  type AppMessage,
  type DeltaMessage,
  type InputMessage,
  type PingMessage,
  type PongMessage,
} from './hot-codecs.js';

export type HotMessage = InputMessage | DeltaMessage | AckMessage | PingMessage | PongMessage | AppMessage;
export type Message = HotMessage | ControlMessage;
export type MessageKind = Message['kind'];

/** The kind byte of each message on the wire: hot kinds below 16, JSON control kinds from 16. */
export const KIND_BYTES: Readonly<Record<MessageKind, number>> = {
  input: 1,
  delta: 2,
  ack: 3,
  ping: 4,
  pong: 5,
  app: 6,
  hello: 16,
  welcome: 17,
  finished: 18,
  full_state: 19,
  checkpoint: 20,
  resync_request: 21,
  rekey: 22,
  restore: 23,
  error: 24,
  bye: 25,
  checkpoint_changes: 26,
};

const HOT_CODECS: Readonly<Record<HotMessage['kind'], BinaryCodec<HotMessage>>> = {
  input: InputCodec as BinaryCodec<HotMessage>,
  delta: DeltaCodec as BinaryCodec<HotMessage>,
  ack: AckCodec as BinaryCodec<HotMessage>,
  ping: PingCodec as BinaryCodec<HotMessage>,
  pong: PongCodec as BinaryCodec<HotMessage>,
  app: AppCodec as BinaryCodec<HotMessage>,
};

const KIND_BY_BYTE = new Map<number, MessageKind>(
  Object.entries(KIND_BYTES).map(([kind, byte]) => [byte, kind as MessageKind]),
);

const isHot = (kind: MessageKind): kind is HotMessage['kind'] => kind in HOT_CODECS;

/** The payload bytes of one message (no kind or length prefix). */
export const encodePayload = (message: Message): Buffer => {
  if (isHot(message.kind)) {
    const codec = HOT_CODECS[message.kind];
    const bytes = Buffer.allocUnsafe(codec.size(message as HotMessage));
    codec.write(message as HotMessage, bytes, 0);
    return bytes;
  }
  return Buffer.from(JSON.stringify(message), 'utf8');
};

/**
 * Decodes one payload of the given kind byte. Bounds-checked, never throws.
 * Left codes: ERR_MESSAGE_KIND, ERR_MESSAGE_INVALID.
 */
export const decodePayload = (
  kindByte: number,
  source: Buffer,
  offset: number,
  end: number,
): either.Either<P2PError, Message> => {
  const kind = KIND_BY_BYTE.get(kindByte);
  if (kind === undefined)
    return either.left(p2pError('ERR_MESSAGE_KIND', `unknown message kind ${kindByte}`));
  if (isHot(kind)) {
    const decoded = HOT_CODECS[kind].read(source, offset, end);
    return either.isRight(decoded)
      ? decoded
      : either.left(p2pError('ERR_MESSAGE_INVALID', decoded.left, { kind }));
  }
  let json: unknown;
  try {
    json = JSON.parse(source.toString('utf8', offset, end));
  } catch {
    return either.left(p2pError('ERR_MESSAGE_INVALID', `${kind}: payload is not JSON`, { kind }));
  }
  const codec = CONTROL_CODECS[kind] as unknown as t.Decoder<unknown, ControlMessage>;
  const decoded = codec.decode(json);
  if (either.isLeft(decoded)) {
    // A bounded reason: io-ts's PathReporter stringifies the value, and a peer's value nested thousands deep
    // overflows the stack there (a throw past every handler), or one megabytes wide costs megabytes per error.
    const reasons = describeErrors(decoded.left, 1);
    return either.left(p2pError('ERR_MESSAGE_INVALID', `${kind}: ${reasons}`, { kind }));
  }
  if (decoded.right.kind !== kind) {
    return either.left(
      p2pError('ERR_MESSAGE_INVALID', `${kind}: payload names kind ${decoded.right.kind}`, { kind }),
    );
  }
  return either.right(decoded.right);
};
