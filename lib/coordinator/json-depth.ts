/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`, found in one pass over the text without
 * parsing it (brackets inside strings do not count). Cheap enough to run on untrusted text before JSON.parse, so
 * no decoder, reporter or logger ever walks a deeper value: 16 KB of `[[[…]]]` once overflowed the stack of the
 * io-ts reporter and took the coordinator down.
 *
 * Text that is not JSON may get either answer; JSON.parse refuses it after this. A closing bracket with nothing
 * open ends the scan (`false`): JSON.parse stops at that bracket, before anything after it.
 *
 * @example nestsDeeperThan('{"a":[[1]]}', 2) // true: depth 3
 */
export const nestsDeeperThan = (text: string, maxDepth: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (--depth < 0) return false;
    }
  }
  return false;
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
