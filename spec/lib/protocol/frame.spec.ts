import { expect } from 'chai';
import { either } from 'fp-ts';
import { FrameType, HEADER_BYTES, decodeFrame, encodeFrame } from '../../../lib/protocol/frame.js';

const codeOf = (result: either.Either<{ code: string }, unknown>): string =>
  either.isLeft(result) ? result.left.code : 'ok';

describe('frame codec', () => {
  const header = { type: FrameType.Plain, flags: 1, epoch: 7, seq: 2 ** 40 + 5 };
  const bytes = encodeFrame(header, Buffer.from('body'));

  it('should round-trip header fields, including a sequence above 2^32', () => {
    const decoded = decodeFrame(bytes, 1024);
    if (either.isLeft(decoded)) throw decoded.left;
    expect(decoded.right.header).to.deep.equal(header);
    expect(decoded.right.body.toString()).to.equal('body');
    expect(decoded.right.aad).to.deep.equal(bytes.subarray(0, HEADER_BYTES));
  });

  it('should reject a frame shorter than its header', () => {
    expect(codeOf(decodeFrame(bytes.subarray(0, 10), 1024))).to.equal('ERR_FRAME_TRUNCATED');
  });

  it('should reject a sealed frame shorter than header and tag', () => {
    const sealed = encodeFrame({ ...header, type: FrameType.Sealed }, Buffer.alloc(8));
    expect(codeOf(decodeFrame(sealed, 1024))).to.equal('ERR_FRAME_TRUNCATED');
  });

  it('should reject an oversized frame before reading it', () => {
    expect(codeOf(decodeFrame(Buffer.alloc(2048), 1024))).to.equal('ERR_FRAME_TOO_LARGE');
  });

  it('should reject another protocol version', () => {
    const other = Buffer.from(bytes);
    other[0] = 9;
    expect(codeOf(decodeFrame(other, 1024))).to.equal('ERR_FRAME_VERSION');
  });

  it('should reject an unknown frame type', () => {
    const other = Buffer.from(bytes);
    other[1] = 0x7f;
    expect(codeOf(decodeFrame(other, 1024))).to.equal('ERR_FRAME_TYPE');
  });

  it('should reject unknown flags, reserved bits and sequences past 2^53', () => {
    for (const [at, value] of [
      [2, 0x80],
      [3, 1],
      [8, 0xff],
    ] as const) {
      const other = Buffer.from(bytes);
      other[at] = value;
      expect(codeOf(decodeFrame(other, 1024)), `byte ${at}`).to.equal('ERR_FRAME_HEADER');
    }
  });
});
