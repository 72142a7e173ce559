import { readFileSync } from 'node:fs';
import { parse as parseIni } from 'ini';
import { either } from 'fp-ts';
import { P2PError, p2pError } from '../lib/errors.js';
import { decodeValue } from './codecs.js';
import { SCHEMA, type Config, type RawConfig, type SectionName } from './schema.js';

/** Where the INI comes from: text in hand, or a file path (the one read config/ does, at start-up). */
export type ConfigSource = { readonly text: string } | { readonly path: string };

export interface LoadConfigOptions {
  /** Called once per unknown section or key; defaults to a process warning. */
  readonly onWarning?: (warning: string) => void;
}

/** The configuration with every key at its default: the values config/p2p.ini ships. */
export const defaultConfig: Config = Object.fromEntries(
  Object.entries(SCHEMA).map(([section, keys]) => [
    section,
    Object.fromEntries(Object.entries(keys).map(([name, k]) => [name, (k as { default: unknown }).default])),
  ]),
) as Config;

// ini is lenient: it keeps going past lines it cannot read. A config typo must not silently vanish, so any line
// that is not blank, a comment, a [section] or a key=value is refused with its line number.
const readableLine = /^\s*(?:[;#].*|\[[^\]]+\]\s*(?:[;#].*)?|[^=\s[][^=]*=.*|)$/;

const readSource = (source: ConfigSource): either.Either<P2PError, string> => {
  if ('text' in source) return either.right(source.text);
  try {
    return either.right(readFileSync(source.path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return either.left(p2pError('ERR_CONFIG_NOT_FOUND', `cannot read config file ${source.path}: ${reason}`));
  }
};

const parseText = (text: string, origin: string): either.Either<P2PError, RawConfig> => {
  const lines = text.split(/\r?\n/);
  const bad = lines.findIndex((line) => !readableLine.test(line));
  if (bad >= 0) {
    return either.left(
      p2pError('ERR_CONFIG_PARSE', `${origin}:${bad + 1}: cannot read line ${JSON.stringify(lines[bad])}`),
    );
  }
  const parsed = parseIni(text) as Record<string, unknown>;
  const raw: Record<string, Record<string, string>> = {};
  for (const [section, body] of Object.entries(parsed)) {
    if (body === null || typeof body !== 'object') {
      raw[''] = { ...raw[''], [section]: String(body) };
      continue;
    }
    raw[section] = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]));
  }
  return either.right(raw);
};

/** Decodes every known key present in `raw` over `base`; every bad value is reported, not just the first. */
const decodeRaw = (
  base: Config,
  raw: RawConfig,
  warn: (warning: string) => void,
): either.Either<P2PError, Config> => {
  const problems: string[] = [];
  const result: Record<string, Record<string, unknown>> = {};
  for (const section of Object.keys(SCHEMA)) result[section] = { ...base[section as SectionName] };

  for (const [section, values] of Object.entries(raw)) {
    const keys = (SCHEMA as Record<string, Record<string, { codec: Parameters<typeof decodeValue>[0] }>>)[
      section
    ];
    if (keys === undefined) {
      warn(
        section === '' ? `keys outside any section are ignored` : `unknown section [${section}] is ignored`,
      );
      continue;
    }
    for (const [name, text] of Object.entries(values)) {
      const k = keys[name];
      if (k === undefined) {
        warn(`unknown key ${section}.${name} is ignored`);
        continue;
      }
      const decoded = decodeValue(k.codec, text.trim());
      if (either.isLeft(decoded))
        problems.push(`${section}.${name}: expected ${decoded.left}, got ${JSON.stringify(text)}`);
      else (result[section] as Record<string, unknown>)[name] = decoded.right;
    }
  }
  return problems.length === 0
    ? either.right(result as Config)
    : either.left(p2pError('ERR_CONFIG_INVALID', problems.join('\n'), { problems }));
};

/**
 * Loads the configuration: defaults, then the INI source, then `overrides` (CLI flags, same text form).
 *
 * Returns `Left` with `ERR_CONFIG_NOT_FOUND`, `ERR_CONFIG_PARSE` or `ERR_CONFIG_INVALID` (every bad value listed,
 * `P2P_NETWORK.MaxRetries: expected a non-negative integer, got "abc"`). Unknown sections and keys only warn.
 *
 * @example loadConfig({ path: 'config/p2p.ini' }, { P2P_NETWORK: { MaxRetries: '5' } })
 */
export const loadConfig = (
  source: ConfigSource,
  overrides: RawConfig = {},
  options: LoadConfigOptions = {},
): either.Either<P2PError, Config> => {
  const warn = options.onWarning ?? ((w: string) => process.emitWarning(w, 'ConfigWarning'));
  const origin = 'path' in source ? source.path : '<text>';
  const fromFile = either.chain((text: string) => parseText(text, origin))(readSource(source));
  if (either.isLeft(fromFile)) return fromFile;
  const merged: Record<string, Record<string, string>> = { ...fromFile.right };
  for (const [section, values] of Object.entries(overrides))
    merged[section] = { ...merged[section], ...values };
  return decodeRaw(defaultConfig, merged, warn);
};
