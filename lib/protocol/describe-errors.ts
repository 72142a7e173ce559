import type * as t from 'io-ts';

const MAX_PATH_KEYS = 6;
const MAX_KEY_CHARS = 32;
const MAX_TYPE_CHARS = 64;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * io-ts decode errors as at most `max` short, distinct lines (`maps.3: expected MapId`), for a refusal's message.
 * Unlike io-ts's PathReporter it never stringifies the value that failed (an untrusted value can be deep or huge:
 * the PathReporter overflowed the stack on one), and it clips the keys it quotes, which come from the sender too.
 * Errors past the `max` lines are counted (`… (and 4998 more)`). Used for control messages on the wire, restore
 * bundles and coordinator requests alike. Never throws; an empty error list gives ''.
 *
 * @example describeErrors(decoded.left, 1) // 'entities.3.hp: expected Uint16 (and 2 more)'
 */
export const describeErrors = (errors: t.Errors, max = 3): string => {
  const lines = new Set<string>();
  let described = 0;
  for (const error of errors) {
    if (lines.size >= max) break;
    described += 1;
    const keys = error.context
      .slice(1)
      .map((entry) => entry.key)
      .filter((key) => key !== '');
    const path = keys
      .slice(0, MAX_PATH_KEYS)
      .map((key) => clip(key, MAX_KEY_CHARS))
      .join('.');
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a value';
    lines.add(
      `${path === '' ? 'request' : path}${keys.length > MAX_PATH_KEYS ? '…' : ''}: expected ${clip(expected, MAX_TYPE_CHARS)}`,
    );
  }
  const more = errors.length - described;
  return `${[...lines].join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
};
