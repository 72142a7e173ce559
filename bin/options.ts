import { InvalidArgumentError } from 'commander';
import { MAP_ID_PATTERN } from '../lib/map-id.js';

// Value parsers for the CLI's flags. Commander calls them while parsing, so a bad value is a usage error naming
// its flag (exit 2), before any role starts. Kept free of heavy imports: `--help` loads this file.

/** A TCP port, 0 to 65535 (0: the system picks a free one). */
export const portNumber = (text: string): number => {
  const port = Number(text);
  if (text.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('must be 0 to 65535');
  return port;
};

/** An integer of at least `min`: `--capacity`, `--until-tick`, `--entity`. */
export const integerAtLeast =
  (min: number) =>
  (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min)
      throw new InvalidArgumentError(`must be an integer of at least ${min}`);
    return value;
  };

/** An integer from `min` to `max`: `--bots`. */
export const integerBetween =
  (min: number, max: number) =>
  (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max)
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return value;
  };

/** A number above 0: `--duration` (seconds). */
export const positiveNumber = (text: string): number => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError('must be a positive number');
  return value;
};

/** One map id (letters, digits, `_` and `-`, at most 64). */
export const mapId = (text: string): string => {
  if (!MAP_ID_PATTERN.test(text)) throw new InvalidArgumentError('must be a map id ([A-Za-z0-9_-], 1 to 64)');
  return text;
};

/** A comma-separated list of map ids, at least one: `--maps forest,desert`. */
export const mapList = (text: string): string[] => {
  const maps = text
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (maps.length === 0 || maps.some((m) => !MAP_ID_PATTERN.test(m)))
    throw new InvalidArgumentError('must be a comma-separated list of map ids');
  return maps;
};

/** An account name (letters, digits, `_`, `.` and `-`, at most 64). */
export const accountName = (text: string): string => {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(text))
    throw new InvalidArgumentError('must be 1 to 64 letters, digits, "_", "." or "-"');
  return text;
};

/** A flag's value that may not be empty (`--password ''` would log in without one). */
export const nonEmpty = (text: string): string => {
  if (text === '') throw new InvalidArgumentError('must not be empty');
  return text;
};
