import { expect } from 'chai';
import { either } from 'fp-ts';
import { open, seal } from '../../../lib/crypto/aead.js';
import { FrameType, decodeFrame } from '../../../lib/protocol/frame.js';
import { directionKey } from '../../support/keys.js';

const key = directionKey(3);
const frameOf = (bytes: Buffer) => {
  const decoded = decodeFrame(bytes, 1 << 20);
  if (either.isLeft(decoded)) throw decoded.left;
  return decoded.right;
};
const sealed = seal(
  key,
  { type: FrameType.Sealed, flags: 0, epoch: 3, seq: 42 },
  Buffer.from('secret input'),
);

describe('AES-256-GCM frames', () => {
  it('should open what it sealed', () => {
    const opened = open(key, frameOf(sealed));
    expect(either.isRight(opened) && opened.right.toString()).to.equal('secret input');
  });

  it('should not carry the plaintext in clear', () => {
    expect(sealed.includes(Buffer.from('secret'))).to.equal(false);
  });

  for (const [part, at] of [
    ['header (epoch byte, the AAD)', 7],
    ['ciphertext', 16 + 2],
    ['tag', sealed.length - 1],
  ] as const) {
    it(`should reject a flipped bit in the ${part}`, () => {
      const flipped = Buffer.from(sealed);
      flipped[at] = (flipped[at] as number) ^ 0x01;
      const frame = frameOf(flipped);
      const opened = open(key, frame);
      expect(either.isLeft(opened) && opened.left.code).to.equal('ERR_FRAME_AUTH');
    });
  }

  it('should reject a frame sealed under another key', () => {
    const opened = open(directionKey(3), frameOf(sealed));
    expect(either.isLeft(opened) && opened.left.code).to.equal('ERR_FRAME_AUTH');
  });

  it('should bind the sequence number into the nonce', () => {
    const moved = Buffer.from(sealed);
    moved.writeUInt32BE(43, 12);
    const opened = open(key, frameOf(moved));
    expect(either.isLeft(opened) && opened.left.code).to.equal('ERR_FRAME_AUTH');
  });
});
