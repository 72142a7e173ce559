import { seal } from '../../lib/crypto/aead.js';
import type { DirectionKey } from '../../lib/crypto/aead.js';
import { FrameType, encodeFrame } from '../../lib/protocol/frame.js';
import { encodeBatch } from '../../lib/protocol/batch.js';
import { DEFAULT_LIMITS } from '../../lib/protocol/limits.js';
import type { Message } from '../../lib/protocol/messages.js';
import { either } from 'fp-ts';

export const batchBody = (...messages: Message[]): Buffer => {
  const body = encodeBatch(messages, DEFAULT_LIMITS);
  if (either.isLeft(body)) throw body.left;
  return body.right;
};

export const sealedFrame = (key: DirectionKey, seq: number, body: Buffer, flags = 0): Buffer =>
  seal(key, { type: FrameType.Sealed, flags, epoch: key.epoch, seq }, body);

export const plainFrame = (seq: number, body: Buffer, flags = 0): Buffer =>
  encodeFrame({ type: FrameType.Plain, flags, epoch: 0, seq }, body);
