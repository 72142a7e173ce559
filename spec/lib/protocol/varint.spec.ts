import { expect } from 'chai';
import { readVarint, unzigzag, varintSize, writeVarint, zigzag } from '../../../lib/protocol/varint.js';

describe('varint', () => {
  const values = [
    0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455, 268_435_456, 0xffff_ffff,
  ];

  it('should round-trip unsigned values up to 2^32 - 1 in the size it announces', () => {
    for (const value of values) {
      const bytes = Buffer.alloc(8);
      const end = writeVarint(value, bytes, 1);
      expect(end - 1, `size of ${value}`).to.equal(varintSize(value));
      expect(readVarint(bytes, 1, end)).to.deep.equal({ value, next: end });
    }
  });

  it('should round-trip signed values through zigzag, small magnitudes small', () => {
    for (const n of [0, -1, 1, -64, 63, -65, 1_000_000, -1_000_000]) expect(unzigzag(zigzag(n))).to.equal(n);
    expect(varintSize(zigzag(-64))).to.equal(1);
    expect(varintSize(zigzag(64))).to.equal(2);
  });

  it('should refuse a varint that runs past its end or past five bytes', () => {
    expect(readVarint(Buffer.from([0x80, 0x80]), 0, 2)).to.equal(null);
    expect(readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0, 6)).to.equal(null);
    // Five bytes whose value passes 2^32 - 1.
    expect(readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]), 0, 5)).to.equal(null);
  });
});
