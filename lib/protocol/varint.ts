/**
 * LEB128 varints (7 bits per byte, low bits first) for the hot codecs: most numbers on the wire are small
 * (gaps between entity ids, ticks between a delta and its baseline, velocities), so most cost one byte.
 * Unsigned values up to 2^32 - 1 (at most 5 bytes); signed values go through zigzag.
 */
export const MAX_VARINT_BYTES = 5;

export const varintSize = (value: number): number =>
  value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : value < 0x1000_0000 ? 4 : 5;

/** Writes an unsigned integer < 2^32 and returns the offset after it. */
export const writeVarint = (value: number, target: Buffer, offset: number): number => {
  let rest = value >>> 0;
  let at = offset;
  while (rest >= 0x80) {
    target[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  target[at++] = rest;
  return at;
};

/** A varint read: its value and the offset after it, or null when it runs past `end` or past 5 bytes. */
export const readVarint = (
  source: Buffer,
  offset: number,
  end: number,
): { readonly value: number; readonly next: number } | null => {
  let value = 0;
  for (let i = 0; i < MAX_VARINT_BYTES && offset + i < end; i++) {
    const byte = source[offset + i] as number;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return value > 0xffff_ffff ? null : { value, next: offset + i + 1 };
  }
  return null;
};

/** Zigzag: 0, -1, 1, -2, … → 0, 1, 2, 3, …, so small negative numbers stay small (|n| < 2^31). */
export const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
export const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
