import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';

/**
 * The frame: a 16-byte header, then the body. The header is the AES-GCM associated data of a sealed frame, so
 * every header bit is authenticated. Byte layout in docs/PROTOCOL.md.
 */
export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 16;
export const TAG_BYTES = 16;

export const FrameType = { Handshake: 1, Sealed: 2, Plain: 3 } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Body is raw deflate of the batch. */
export const FLAG_COMPRESSED = 0x01;
const KNOWN_FLAGS = FLAG_COMPRESSED;

/** Sequence numbers are 64-bit on the wire; JavaScript numbers hold them exactly up to 2^53 - 1. */
const MAX_SEQ_HIGH = 0x1f_ffff;
const TWO_32 = 0x1_0000_0000;

export interface FrameHeader {
  readonly type: FrameType;
  readonly flags: number;
  readonly epoch: number;
  readonly seq: number;
}

export interface Frame {
  readonly header: FrameHeader;
  /** The header's bytes as received: the AAD of a sealed frame. */
  readonly aad: Buffer;
  readonly body: Buffer;
}

/** Writes the header into `target` at `offset`. */
export const writeHeader = (target: Buffer, header: FrameHeader, offset = 0): void => {
  target[offset] = PROTOCOL_VERSION;
  target[offset + 1] = header.type;
  target[offset + 2] = header.flags;
  target[offset + 3] = 0;
  target.writeUInt32BE(header.epoch, offset + 4);
  target.writeUInt32BE(Math.floor(header.seq / TWO_32), offset + 8);
  target.writeUInt32BE(header.seq % TWO_32, offset + 12);
};

export const encodeHeader = (header: FrameHeader): Buffer => {
  const bytes = Buffer.allocUnsafe(HEADER_BYTES);
  writeHeader(bytes, header);
  return bytes;
};

/** A whole frame from a header and an already-final body (plain or handshake frames). */
export const encodeFrame = (header: FrameHeader, body: Uint8Array): Buffer => {
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  writeHeader(bytes, header);
  bytes.set(body, HEADER_BYTES);
  return bytes;
};

const isFrameType = (n: number): n is FrameType =>
  n === FrameType.Handshake || n === FrameType.Sealed || n === FrameType.Plain;

/**
 * Splits wire bytes into header and body. Bounds-checked; never throws.
 * Left codes: ERR_FRAME_TOO_LARGE, ERR_FRAME_TRUNCATED, ERR_FRAME_VERSION, ERR_FRAME_TYPE, ERR_FRAME_HEADER.
 */
export const decodeFrame = (bytes: Buffer, maxFrameBytes: number): either.Either<P2PError, Frame> => {
  if (bytes.length > maxFrameBytes) {
    return either.left(
      p2pError('ERR_FRAME_TOO_LARGE', `frame of ${bytes.length} bytes exceeds ${maxFrameBytes}`),
    );
  }
  if (bytes.length < HEADER_BYTES) {
    return either.left(
      p2pError('ERR_FRAME_TRUNCATED', `frame of ${bytes.length} bytes is shorter than its header`),
    );
  }
  const version = bytes[0] as number;
  const type = bytes[1] as number;
  const flags = bytes[2] as number;
  if (version !== PROTOCOL_VERSION) {
    return either.left(p2pError('ERR_FRAME_VERSION', `protocol version ${version} is not supported`));
  }
  if (!isFrameType(type)) return either.left(p2pError('ERR_FRAME_TYPE', `unknown frame type ${type}`));
  const seqHigh = bytes.readUInt32BE(8);
  if ((flags & ~KNOWN_FLAGS) !== 0 || bytes[3] !== 0 || seqHigh > MAX_SEQ_HIGH) {
    return either.left(p2pError('ERR_FRAME_HEADER', 'frame header has unknown flags or reserved bits set'));
  }
  if (type === FrameType.Sealed && bytes.length < HEADER_BYTES + TAG_BYTES) {
    return either.left(p2pError('ERR_FRAME_TRUNCATED', 'sealed frame is shorter than header and tag'));
  }
  const header: FrameHeader = {
    type,
    flags,
    epoch: bytes.readUInt32BE(4),
    seq: seqHigh * TWO_32 + bytes.readUInt32BE(12),
  };
  return either.right({ header, aad: bytes.subarray(0, HEADER_BYTES), body: bytes.subarray(HEADER_BYTES) });
};

/** A frame body once authenticated (or a plain frame's body), with the header it came under. */
export interface OpenedFrame {
  readonly header: FrameHeader;
  readonly body: Buffer;
}

/** An outgoing body before sealing: the flags say what was done to it (compressed or not). */
export interface FrameBody {
  readonly flags: number;
  readonly body: Buffer;
}
