import { createRequire } from 'node:module';
import { createCipheriv, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { either } from 'fp-ts';
import { type DirectionKey, open, seal, sealerFor } from '../../../lib/crypto/aead.js';
import { type NativeAesGcm, aeadImplementation } from '../../../lib/crypto/native-aes-gcm.js';
import { FrameType, HEADER_BYTES, TAG_BYTES, decodeFrame } from '../../../lib/protocol/frame.js';
import { directionKey } from '../../support/keys.js';

// The module as `npm install` built it, whatever WARP_AEAD says: these specs are about the C code itself.
const native = createRequire(import.meta.url)('../../../build/Release/warp_aes_gcm.node') as NativeAesGcm;

const header = (seq: number) => ({ type: FrameType.Sealed, flags: 0, epoch: 3, seq });

/** AES-256-GCM by the book, written apart from aead.ts: nonce = salt ‖ seq as 64-bit big-endian. */
const referenceSeal = (key: DirectionKey, seq: number, body: Buffer): Buffer => {
  const frame = seal(key, header(seq), body);
  const nonce = Buffer.alloc(12);
  key.salt.copy(nonce, 0, 0, 4);
  nonce.writeBigUInt64BE(BigInt(seq), 4);
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
  cipher.setAAD(frame.subarray(0, HEADER_BYTES));
  const sealed = Buffer.concat([cipher.update(body), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([frame.subarray(0, HEADER_BYTES), sealed]);
};
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'no error';
};

describe('native AES-256-GCM sealer', () => {
  it('should be what frames are sealed with, unless WARP_AEAD=node asks for node:crypto', () => {
    expect(aeadImplementation).to.equal(process.env['WARP_AEAD'] === 'node' ? 'node:crypto' : 'native');
  });

  it('should seal the same bytes as node:crypto, for every body length and sequence number', () => {
    const key = directionKey(3);
    const sealFrame = sealerFor(key);
    for (const length of [0, 1, 15, 16, 17, 200, 4096]) {
      for (const seq of [0, 1, 0x1234_5678, 0x1_0000_0000 + 7, 2 ** 53 - 1]) {
        const body = randomBytes(length);
        const frame = sealFrame(header(seq), body);
        expect(frame).to.deep.equal(referenceSeal(key, seq, body));
        expect(seal(key, header(seq), body)).to.deep.equal(frame);
        const decoded = decodeFrame(frame, 1 << 20);
        if (either.isLeft(decoded)) throw decoded.left;
        const opened = open(key, decoded.right);
        expect(either.isRight(opened) && opened.right).to.deep.equal(body);
      }
    }
  });

  it('should keep each key its own context', () => {
    const [a, b] = [directionKey(1), directionKey(2)];
    const [sealA, sealB] = [sealerFor(a), sealerFor(b)];
    const body = Buffer.from('same body');
    // Interleaved: a context reused for the next frame must not carry the other key or the previous nonce.
    expect(sealA(header(5), body)).to.deep.equal(seal(a, header(5), body));
    expect(sealB(header(5), body)).to.deep.equal(seal(b, header(5), body));
    expect(sealA(header(6), body)).to.deep.equal(seal(a, header(6), body));
  });

  describe('with bad arguments', () => {
    const sealer = native.createSealer(randomBytes(32));
    const body = Buffer.from('body');
    const frame = () => Buffer.alloc(HEADER_BYTES + body.length + TAG_BYTES);

    it('should refuse a key that is not 32 bytes', () => {
      expect(codeOf(() => native.createSealer(randomBytes(31)))).to.equal('ERR_AEAD_KEY');
      expect(codeOf(() => native.createSealer('k'.repeat(32) as unknown as Buffer))).to.equal('ERR_AEAD_KEY');
    });

    it('should refuse a frame of the wrong length, a short nonce, or something that is not a sealer', () => {
      const nonce = randomBytes(12);
      expect(codeOf(() => native.seal(sealer, nonce, frame(), HEADER_BYTES, body))).to.equal('no error');
      const short = Buffer.alloc(HEADER_BYTES + body.length + TAG_BYTES - 1);
      expect(codeOf(() => native.seal(sealer, nonce, short, HEADER_BYTES, body))).to.equal(
        'ERR_AEAD_ARGUMENTS',
      );
      const shortNonce = randomBytes(8);
      expect(codeOf(() => native.seal(sealer, shortNonce, frame(), HEADER_BYTES, body))).to.equal(
        'ERR_AEAD_ARGUMENTS',
      );
      expect(codeOf(() => native.seal({}, nonce, frame(), HEADER_BYTES, body))).to.equal(
        'ERR_AEAD_ARGUMENTS',
      );
    });
  });
});
