import { either } from 'fp-ts';
import type { Observable } from 'rxjs';
import { defaultConfig, loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { type Logger, createLogger } from '../streams/log/logger.js';

/** A CLI failure: printed as `CODE: message`, exit code 1 (2 for usage errors). */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const usageError = (message: string): CliError => new CliError('ERR_USAGE', message, 2);

export const loadConfigFile = (path: string | undefined): Config => {
  if (path === undefined) return defaultConfig;
  const loaded = loadConfig({ path }, {}, { onWarning: (w) => console.error(`[P2P] config warning: ${w}`) });
  if (either.isLeft(loaded)) throw new CliError(loaded.left.code, loaded.left.message);
  return loaded.right;
};

/** `--log-level` and `--log-file`, shared by every server command. */
export const LOG_OPTIONS = {
  'log-level': { type: 'string', default: 'info' },
  'log-file': { type: 'string' },
} as const;

/** A server's logger: JSON lines to `--log-file` (its console is the event lines `serve` prints). */
export const serverLogger = (
  values: { 'log-level': string; 'log-file'?: string | undefined },
  component: string,
): Logger | undefined =>
  values['log-file'] === undefined
    ? undefined
    : createLogger({ level: values['log-level'], file: values['log-file'] }).child({ component });

export const requireFlag = (value: string | undefined, flag: string): string => {
  if (value === undefined || value === '') throw usageError(`${flag} is required`);
  return value;
};

export const portFlag = (value: string | undefined): number => {
  const port = Number(requireFlag(value, '--port'));
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw usageError(`--port must be 0 to 65535, got ${value}`);
  return port;
};

type Printable = { readonly event: string };

/** PEM blobs make a log line unreadable; --json keeps them. */
const LONG_FIELDS = new Set(['certificate', 'caCertificate', 'ticketPublicKey']);

/**
 * Runs a server's event stream until SIGINT or SIGTERM, printing `listening <url>` (or one JSON line per event
 * with --json) and a short line per other event. Resolves when the stream ends or a signal stopped it.
 */
export const serve = (events$: Observable<Printable>, json: boolean, logger?: Logger): Promise<void> =>
  new Promise((resolve, reject) => {
    const print = (event: Printable) => {
      if (json) console.log(JSON.stringify(event));
      else if (event.event === 'listening')
        console.log(`listening ${String((event as { url?: string }).url)}`);
      else {
        const { event: name, ...data } = event as Printable & Record<string, unknown>;
        console.log(
          `[P2P] ${name} ${JSON.stringify(data, (k, v: unknown) => (LONG_FIELDS.has(k) ? '…' : v))}`,
        );
      }
    };
    const log = (event: Printable) => {
      if (logger === undefined) return;
      const { event: name, ...data } = event as Printable & Record<string, unknown>;
      // An event carrying an error code (a refused session, a rejection) is a warning; the rest is info.
      logger.log(typeof data['code'] === 'string' ? 'warn' : 'info', name, data);
    };
    const subscription = events$.subscribe({
      next: (event) => {
        print(event);
        log(event);
      },
      error: reject,
      complete: resolve,
    });
    const stop = () => {
      subscription.unsubscribe();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
