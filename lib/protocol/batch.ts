import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';
import type { ProtocolLimits } from './limits.js';
import { KIND_BYTES, type Message, decodePayload, encodePayload } from './messages.js';

/** A batch body: count u16, then per message kind u8 + length u32 + payload (docs/PROTOCOL.md). */
export const BATCH_COUNT_BYTES = 2;
export const BATCH_ENTRY_BYTES = 5;

/**
 * Encodes messages into one batch body. Left ERR_MESSAGE_TOO_LARGE when the batch cannot fit one frame or holds
 * more messages than the peer accepts; nothing is sent in that case.
 */
export const encodeBatch = (
  messages: readonly Message[],
  limits: Pick<ProtocolLimits, 'maxMessagesPerBatch' | 'maxInflatedBytes'>,
): either.Either<P2PError, Buffer> => {
  // A host sends the same messages (a delta; a checkpoint and the next delta) to every client that shares its
  // baseline: each distinct batch is encoded once per tick. Messages are values; nothing mutates one after it was
  // sent, so the objects are safe cache keys, and the cache lets go of a batch when its messages are collected.
  if (messages.length > MAX_SHARED_BATCH) return encodeBatchUncached(messages, limits);
  let children = batchCache;
  let node: BatchCacheNode | undefined;
  // A loop, not forEach: this runs for every frame a host sends, and a callback writing `node` costs a closure.
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as Message;
    node = children.get(message);
    if (node === undefined) children.set(message, (node = {}));
    if (i < messages.length - 1) children = node.children ??= new WeakMap();
  }
  if (node?.body !== undefined) return either.right(node.body);
  const encoded = encodeBatchUncached(messages, limits);
  if (node !== undefined && either.isRight(encoded)) node.body = encoded.right;
  return encoded;
};

/** The longest batch a host shares between clients; longer ones are a client's own inputs, never shared. */
const MAX_SHARED_BATCH = 2;

/** A trie of batches by their messages, in order: the node a batch ends at holds its body. */
interface BatchCacheNode {
  children?: WeakMap<Message, BatchCacheNode>;
  body?: Buffer;
}

const batchCache = new WeakMap<Message, BatchCacheNode>();

const encodeBatchUncached = (
  messages: readonly Message[],
  limits: Pick<ProtocolLimits, 'maxMessagesPerBatch' | 'maxInflatedBytes'>,
): either.Either<P2PError, Buffer> => {
  if (messages.length > limits.maxMessagesPerBatch) {
    return either.left(
      p2pError('ERR_MESSAGE_TOO_LARGE', `batch of ${messages.length} exceeds ${limits.maxMessagesPerBatch}`),
    );
  }
  const payloads = messages.map(encodePayload);
  const total = payloads.reduce((sum, p) => sum + BATCH_ENTRY_BYTES + p.length, BATCH_COUNT_BYTES);
  // The frame may be compressed, but the peer also bounds the inflated size, so the raw batch must fit it.
  if (total > limits.maxInflatedBytes) {
    return either.left(
      p2pError('ERR_MESSAGE_TOO_LARGE', `batch of ${total} bytes exceeds ${limits.maxInflatedBytes}`),
    );
  }
  const body = Buffer.allocUnsafe(total);
  body.writeUInt16BE(messages.length, 0);
  let at = BATCH_COUNT_BYTES;
  messages.forEach((message, i) => {
    const payload = payloads[i] as Buffer;
    body[at] = KIND_BYTES[message.kind];
    body.writeUInt32BE(payload.length, at + 1);
    body.set(payload, at + BATCH_ENTRY_BYTES);
    at += BATCH_ENTRY_BYTES + payload.length;
  });
  return either.right(body);
};

export interface DecodedBatch {
  readonly messages: readonly Message[];
  /** Messages whose own codec failed: dropped one by one, the rest of the batch stands. */
  readonly rejected: readonly P2PError[];
}

/**
 * Decodes a batch body. A broken structure (truncated, trailing bytes, too many messages) rejects the whole
 * batch; a message that fails its codec is rejected alone. Never throws.
 * Left codes: ERR_BATCH_MALFORMED, ERR_BATCH_TOO_MANY.
 */
export const decodeBatch = (
  body: Buffer,
  limits: Pick<ProtocolLimits, 'maxMessagesPerBatch'>,
): either.Either<P2PError, DecodedBatch> => {
  if (body.length < BATCH_COUNT_BYTES)
    return either.left(p2pError('ERR_BATCH_MALFORMED', 'batch has no count'));
  const count = body.readUInt16BE(0);
  if (count > limits.maxMessagesPerBatch) {
    return either.left(
      p2pError('ERR_BATCH_TOO_MANY', `batch of ${count} exceeds ${limits.maxMessagesPerBatch}`),
    );
  }
  const messages: Message[] = [];
  const rejected: P2PError[] = [];
  let at = BATCH_COUNT_BYTES;
  for (let i = 0; i < count; i++) {
    if (body.length - at < BATCH_ENTRY_BYTES) {
      return either.left(p2pError('ERR_BATCH_MALFORMED', `batch ends inside entry ${i} of ${count}`));
    }
    const kindByte = body[at] as number;
    const length = body.readUInt32BE(at + 1);
    const start = at + BATCH_ENTRY_BYTES;
    if (length > body.length - start) {
      return either.left(
        p2pError('ERR_BATCH_MALFORMED', `message ${i} claims ${length} bytes past the batch end`),
      );
    }
    const decoded = decodePayload(kindByte, body, start, start + length);
    if (either.isRight(decoded)) messages.push(decoded.right);
    else rejected.push(decoded.left);
    at = start + length;
  }
  if (at !== body.length) {
    return either.left(
      p2pError('ERR_BATCH_MALFORMED', `${body.length - at} trailing bytes after ${count} messages`),
    );
  }
  return either.right({ messages, rejected });
};
