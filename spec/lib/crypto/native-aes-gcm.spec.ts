import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCipheriv, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { either } from 'fp-ts';
import { type DirectionKey, open, seal, sealerFor } from '../../../lib/crypto/aead.js';
import {
  type NativeAesGcm,
  aeadImplementation,
  aeadReason,
  findNativeAesGcm,
} from '../../../lib/crypto/native-aes-gcm.js';
import { packageRoot } from '../../../lib/package-root.js';
import { FrameType, HEADER_BYTES, TAG_BYTES, decodeFrame } from '../../../lib/protocol/frame.js';
import { directionKey } from '../../support/keys.js';

/**
 * The module as the install left it (built from source, or the prebuild for this platform), whatever WARP_AEAD
 * says (these specs are about the C code itself), or null where there is none (no prebuild, no C compiler).
 */
const found = findNativeAesGcm(packageRoot);
const built: NativeAesGcm | null = found.module;

const header = (seq: number) => ({ type: FrameType.Sealed, flags: 0, epoch: 3, seq });

/** The nonce by the book, written apart from aead.ts: salt ‖ seq as 64-bit big-endian. */
const referenceNonce = (key: DirectionKey, seq: number): Buffer => {
  const nonce = Buffer.alloc(12);
  key.salt.copy(nonce, 0, 0, 4);
  nonce.writeBigUInt64BE(BigInt(seq), 4);
  return nonce;
};

/** AES-256-GCM by the book, written apart from aead.ts. */
const referenceSeal = (key: DirectionKey, seq: number, body: Buffer): Buffer => {
  const frame = seal(key, header(seq), body);
  const cipher = createCipheriv('aes-256-gcm', key.key, referenceNonce(key, seq));
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

const nativeSpecs = (native: NativeAesGcm) =>
  describe('native AES-256-GCM sealer and opener', () => {
    it('should be what frames are sealed and opened with, unless WARP_AEAD=node asks for node:crypto', () => {
      expect(aeadImplementation).to.equal(process.env['WARP_AEAD'] === 'node' ? 'node:crypto' : 'native');
    });

    it('should seal the same bytes as node:crypto, for every body length and sequence number', () => {
      sealsByTheBook();
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

    it('should open what AES-256-GCM by the book sealed, for every body length and sequence number', () => {
      const key = directionKey(4);
      const opener = native.createOpener(key.key);
      for (const length of [0, 1, 15, 16, 17, 200, 4096]) {
        for (const seq of [0, 1, 0x1234_5678, 0x1_0000_0000 + 7, 2 ** 53 - 1]) {
          const body = randomBytes(length);
          const frame = referenceSeal(key, seq, body);
          const out = Buffer.alloc(length);
          const opened = native.open(
            opener,
            referenceNonce(key, seq),
            frame.subarray(0, HEADER_BYTES),
            frame.subarray(HEADER_BYTES),
            out,
          );
          expect(opened).to.equal(true);
          expect(out).to.deep.equal(body);
        }
      }
    });

    it('should refuse a frame with any bit flipped, or under another key, and open the next good one', () => {
      const key = directionKey(5);
      const body = randomBytes(64);
      const frame = referenceSeal(key, 9, body);
      const openWith = (opener: object, bytes: Buffer) =>
        native.open(
          opener,
          referenceNonce(key, 9),
          bytes.subarray(0, HEADER_BYTES),
          bytes.subarray(HEADER_BYTES),
          Buffer.alloc(body.length),
        );
      const opener = native.createOpener(key.key);
      for (const at of [0, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 63, frame.length - 1]) {
        const tampered = Buffer.from(frame);
        tampered[at] = (tampered[at] ?? 0) ^ 0x01;
        expect(openWith(opener, tampered), `bit flipped at byte ${at}`).to.equal(false);
      }
      expect(openWith(native.createOpener(directionKey(6).key), frame)).to.equal(false);
      // A failed tag leaves nothing behind in the context.
      expect(openWith(opener, frame)).to.equal(true);
    });

    it('should report a tampered frame from open() as ERR_FRAME_AUTH, also one too short to hold a tag', () => {
      const key = directionKey(7);
      const frame = referenceSeal(key, 2, Buffer.from('hello'));
      frame[HEADER_BYTES] = (frame[HEADER_BYTES] ?? 0) ^ 0x80;
      const decoded = decodeFrame(frame, 1 << 20);
      if (either.isLeft(decoded)) throw decoded.left;
      const tampered = open(key, decoded.right);
      expect(either.isLeft(tampered) && tampered.left.code).to.equal('ERR_FRAME_AUTH');
      const short = open(key, { ...decoded.right, body: decoded.right.body.subarray(0, TAG_BYTES - 1) });
      expect(either.isLeft(short) && short.left.code).to.equal('ERR_FRAME_AUTH');
    });

    describe('with bad arguments', () => {
      const sealer = native.createSealer(randomBytes(32));
      const body = Buffer.from('body');
      const frame = () => Buffer.alloc(HEADER_BYTES + body.length + TAG_BYTES);

      it('should refuse a key that is not 32 bytes', () => {
        expect(codeOf(() => native.createSealer(randomBytes(31)))).to.equal('ERR_AEAD_KEY');
        expect(codeOf(() => native.createOpener(randomBytes(33)))).to.equal('ERR_AEAD_KEY');
        expect(codeOf(() => native.createSealer('k'.repeat(32) as unknown as Buffer))).to.equal(
          'ERR_AEAD_KEY',
        );
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

      it('should refuse an output of the wrong length, a sealed part shorter than a tag, or a non-opener', () => {
        const opener = native.createOpener(randomBytes(32));
        const nonce = randomBytes(12);
        const aad = Buffer.alloc(HEADER_BYTES);
        const sealed = Buffer.alloc(body.length + TAG_BYTES);
        expect(codeOf(() => native.open(opener, nonce, aad, sealed, Buffer.alloc(body.length)))).to.equal(
          'no error',
        );
        expect(codeOf(() => native.open(opener, nonce, aad, sealed, Buffer.alloc(body.length + 1)))).to.equal(
          'ERR_AEAD_ARGUMENTS',
        );
        expect(
          codeOf(() => native.open(opener, nonce, aad, Buffer.alloc(TAG_BYTES - 1), Buffer.alloc(0))),
        ).to.equal('ERR_AEAD_ARGUMENTS');
        expect(codeOf(() => native.open({}, nonce, aad, sealed, Buffer.alloc(body.length)))).to.equal(
          'ERR_AEAD_ARGUMENTS',
        );
      });
    });
  });

/** Frames sealed and opened through aead.ts, compared with AES-256-GCM computed directly. */
const sealsByTheBook = () => {
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
};

if (built === null) {
  describe('AES-256-GCM without the native module (the install found no C compiler)', () => {
    it('should seal and open every frame with node:crypto, by the book', () => {
      expect(aeadImplementation).to.equal('node:crypto');
      sealsByTheBook();
    });
  });
} else nativeSpecs(built);

describe('finding the native module', () => {
  it('should answer null with the reason, not throw, where a package has neither a build nor a prebuild', () => {
    const empty = mkdtempSync(join(tmpdir(), 'warp-no-native-'));
    try {
      const lookup = findNativeAesGcm(empty);
      expect(lookup.module).to.equal(null);
      expect(lookup.module === null && lookup.reason).to.contain(`${process.platform}-${process.arch}`);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('should ship prebuilds made from the current C source (`npm run build:native` after changing it)', () => {
    const hash = spawnSync(process.execPath, [join(packageRoot, 'bin/native-source-hash.js')], {
      encoding: 'utf8',
    });
    expect(hash.stdout).to.match(/^[0-9a-f]{64}\n$/);
    expect(readFileSync(join(packageRoot, 'prebuilds/source.sha256'), 'utf8')).to.equal(hash.stdout);
  });

  it('should say why frames use what they use', () => {
    if (process.env['WARP_AEAD'] === 'node')
      expect(aeadReason).to.equal('WARP_AEAD=node asks for node:crypto');
    else if (built !== null) expect(aeadReason).to.match(/^native module (build|prebuilds)\//);
    else expect(aeadReason).to.contain('none built from source');
  });
});
