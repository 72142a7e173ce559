import winston from 'winston';

/** The logger every component takes: winston's, so a caller can pass its own. */
export type Logger = winston.Logger;

export interface LoggerOptions {
  /** error, warn, info, debug. */
  readonly level?: string;
  /** Short human lines with the `[P2P]` prefix, on stderr (stdout stays for --json output). */
  readonly console?: boolean;
  /** JSON lines `{ts, level, component, event, data}` appended to this file. */
  readonly file?: string;
}

const consoleFormat = winston.format.printf((info) => {
  const { level, message, component, ...data } = info as Record<string, unknown>;
  const fields = Object.entries(data)
    .filter(([key]) => typeof key === 'string' && key !== 'timestamp')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `[P2P] ${String(level).toUpperCase()} ${typeof component === 'string' ? `${component}: ` : ''}${String(message)}${fields === '' ? '' : ` ${fields}`}`;
});

const jsonLine = winston.format.printf((info) => {
  const { level, message, component, timestamp, ...data } = info as Record<string, unknown>;
  return JSON.stringify({ ts: timestamp, level, component, event: message, data });
});

/**
 * A winston logger per DESIGN §7. With neither console nor file it is silent (a library's default). Log calls
 * name the event as the message and put the rest in fields: `logger.info('state', { state: 'CONNECTED' })`.
 */
export const createLogger = (options: LoggerOptions = {}): Logger => {
  const transports: winston.transport[] = [];
  if (options.console === true)
    transports.push(
      new winston.transports.Console({
        stderrLevels: ['error', 'warn', 'info', 'debug'],
        format: consoleFormat,
      }),
    );
  if (options.file !== undefined)
    transports.push(
      new winston.transports.File({
        filename: options.file,
        format: winston.format.combine(winston.format.timestamp(), jsonLine),
      }),
    );
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: transports.length === 0,
    transports,
  });
};
