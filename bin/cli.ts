import { either } from 'fp-ts';
import type { Observable } from 'rxjs';
import { defaultConfig, loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { type Logger, createLogger } from '../streams/log/logger.js';

// What the role commands share at run time: the configuration file, a server's logger, and the loop that runs a
// server's events until a signal. Imported by the role modules only (it loads the config decoder and winston).

/** `--config FILE` decoded, or the defaults without one; a bad file throws its P2PError (ERR_CONFIG_*). */
export const loadConfigFile = (path: string | undefined): Config => {
  if (path === undefined) return defaultConfig;
  const loaded = loadConfig({ path }, {}, { onWarning: (w) => console.error(`[P2P] config warning: ${w}`) });
  if (either.isLeft(loaded)) throw loaded.left;
  return loaded.right;
};

/** A server's logger: JSON lines to `--log-file` (its console is the event lines `serve` prints). */
export const serverLogger = (
  options: { readonly logLevel: string; readonly logFile?: string },
  component: string,
): Logger | undefined =>
  options.logFile === undefined
    ? undefined
    : createLogger({ level: options.logLevel, file: options.logFile }).child({ component });

type Printable = { readonly event: string };

/** PEM blobs make a log line unreadable; --json keeps them. */
const LONG_FIELDS = new Set(['certificate', 'caCertificate', 'ticketPublicKey']);

/**
 * Runs a server's event stream until SIGINT or SIGTERM, printing `listening <url>` (or one JSON line per event
 * with --json) and a short line per other event. Resolves when the stream ends or a signal stopped it; rejects
 * with the stream's error (main.ts prints it), which the log file gets too as a `failed` event.
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
    const stop = () => {
      subscription.unsubscribe();
      resolve();
    };
    let settled = false;
    const forget = () => {
      settled = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    const subscription = events$.subscribe({
      next: (event) => {
        print(event);
        log(event);
      },
      error: (error: unknown) => {
        forget();
        const { code, message } = error as { code?: unknown; message?: unknown };
        logger?.error('failed', { code: typeof code === 'string' ? code : null, message: String(message) });
        reject(error instanceof Error ? error : new Error(String(error)));
      },
      complete: () => {
        forget();
        resolve();
      },
    });
    if (settled) return;
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
