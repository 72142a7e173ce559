import { type KeyObject, createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';
import { type Frame, type FrameHeader, HEADER_BYTES, TAG_BYTES, writeHeader } from '../protocol/frame.js';
import { nativeAesGcm } from './native-aes-gcm.js';

/** One direction's traffic key for one epoch. */
export interface DirectionKey {
  readonly epoch: number;
  /** 32 bytes, AES-256. */
  readonly key: Buffer;
  /** 4 bytes: the fixed part of every nonce under this key. */
  readonly salt: Buffer;
}

const NONCE_BYTES = 12;
const TWO_32 = 0x1_0000_0000;

/**
 * One nonce buffer for every seal and open: node:crypto and the native module read the nonce when called. One
 * per key would be an ArrayBuffer per connection and direction for the garbage collector to track.
 */
const nonce = Buffer.alloc(NONCE_BYTES);

/** Nonce = 4-byte IV salt ‖ 64-bit big-endian sequence number: unique per key as long as seq never repeats. */
const nonceFor = (salt: Buffer, seq: number): Buffer => {
  // Not `salt.copy`: its argument checks cost more than the four bytes.
  nonce.writeUInt32BE(salt.readUInt32BE(0), 0);
  writeSeq(nonce, seq);
  return nonce;
};

/** The nonce's last 8 bytes: the sequence number, big-endian (a frame's seq stays below 2^53). */
const writeSeq = (target: Buffer, seq: number): void => {
  const high = Math.floor(seq / TWO_32);
  const low = seq % TWO_32;
  target[4] = high >>> 24;
  target[5] = (high >>> 16) & 0xff;
  target[6] = (high >>> 8) & 0xff;
  target[7] = high & 0xff;
  target[8] = low >>> 24;
  target[9] = (low >>> 16) & 0xff;
  target[10] = (low >>> 8) & 0xff;
  target[11] = low & 0xff;
};

/**
 * Each raw key imported once as a KeyObject: node:crypto otherwise imports the key bytes again for every
 * frame, about a microsecond a frame on the host's hottest path. Keyed by the key's Buffer, so it goes with it.
 */
const keyObjects = new WeakMap<Buffer, KeyObject>();
const keyObjectOf = (key: Buffer): KeyObject => {
  let keyObject = keyObjects.get(key);
  if (keyObject === undefined) keyObjects.set(key, (keyObject = createSecretKey(key)));
  return keyObject;
};

/** Seals a body into a whole frame: header (the AAD) ‖ ciphertext ‖ 16-byte tag. */
export const seal = (key: DirectionKey, header: FrameHeader, plaintext: Uint8Array): Buffer =>
  sealUnder(keyObjectOf(key.key), key.salt, header, plaintext);

/**
 * `seal` bound to one key: what a sender seals every frame under until the next rotation. With the native
 * module (native-aes-gcm.ts) the key's OpenSSL context is set up here once and reused for every frame; the
 * bytes are the same as `seal`'s.
 */
export const sealerFor = (key: DirectionKey): ((header: FrameHeader, plaintext: Uint8Array) => Buffer) => {
  if (nativeAesGcm !== null) {
    const native = nativeAesGcm;
    const sealer = native.createSealer(key.key);
    return (header, plaintext) => {
      const frame = Buffer.allocUnsafe(HEADER_BYTES + plaintext.length + TAG_BYTES);
      writeHeader(frame, header);
      native.seal(sealer, nonceFor(key.salt, header.seq), frame, HEADER_BYTES, plaintext);
      return frame;
    };
  }
  const cipherKey = keyObjectOf(key.key);
  return (header, plaintext) => sealUnder(cipherKey, key.salt, header, plaintext);
};

const sealUnder = (
  cipherKey: KeyObject,
  salt: Buffer,
  header: FrameHeader,
  plaintext: Uint8Array,
): Buffer => {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + plaintext.length + TAG_BYTES);
  writeHeader(frame, header);
  const cipher = createCipheriv('aes-256-gcm', cipherKey, nonceFor(salt, header.seq));
  cipher.setAAD(frame.subarray(0, HEADER_BYTES));
  const written = cipher.update(plaintext);
  written.copy(frame, HEADER_BYTES);
  const tail = cipher.final();
  tail.copy(frame, HEADER_BYTES + written.length);
  cipher.getAuthTag().copy(frame, HEADER_BYTES + plaintext.length);
  return frame;
};

/**
 * Opens a sealed frame. Left ERR_FRAME_AUTH when header, ciphertext or tag were altered or the key is wrong.
 */
export const open = (key: DirectionKey, frame: Frame): either.Either<P2PError, Buffer> => {
  // Too short to hold a tag: nothing to authenticate (decodeFrame refuses these before they get here).
  const opened =
    frame.body.length < TAG_BYTES
      ? null
      : nativeAesGcm === null
        ? openWithNodeCrypto(key, frame)
        : openNatively(nativeAesGcm, key, frame);
  return (
    opened ??
    either.left(
      p2pError(
        'ERR_FRAME_AUTH',
        `frame epoch ${frame.header.epoch} seq ${frame.header.seq} failed authentication`,
      ),
    )
  );
};

/** Each receive key's native opener, made on its first frame and gone with the key. */
const nativeOpeners = new WeakMap<Buffer, object>();

const openNatively = (
  native: NonNullable<typeof nativeAesGcm>,
  key: DirectionKey,
  frame: Frame,
): either.Either<P2PError, Buffer> | null => {
  let opener = nativeOpeners.get(key.key);
  if (opener === undefined) nativeOpeners.set(key.key, (opener = native.createOpener(key.key)));
  const plaintext = Buffer.allocUnsafe(frame.body.length - TAG_BYTES);
  return native.open(opener, nonceFor(key.salt, frame.header.seq), frame.aad, frame.body, plaintext)
    ? either.right(plaintext)
    : null;
};

const openWithNodeCrypto = (key: DirectionKey, frame: Frame): either.Either<P2PError, Buffer> | null => {
  const tagAt = frame.body.length - TAG_BYTES;
  const decipher = createDecipheriv(
    'aes-256-gcm',
    keyObjectOf(key.key),
    nonceFor(key.salt, frame.header.seq),
  );
  decipher.setAAD(frame.aad);
  decipher.setAuthTag(frame.body.subarray(tagAt));
  const head = decipher.update(frame.body.subarray(0, tagAt));
  try {
    const tail = decipher.final();
    return either.right(tail.length === 0 ? head : Buffer.concat([head, tail]));
  } catch {
    return null;
  }
};
