import { CommanderError } from 'commander';
import { ERROR_CODES } from '../lib/errors.js';

/** A failure the CLI reports itself: printed as `[P2P] CODE: message`, exit code 1 (2 for usage errors). */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A usage error (a flag missing, unknown or with a bad value): `ERR_USAGE`, exit code 2. */
export const usageError = (message: string): CliError => new CliError('ERR_USAGE', message, 2);

/** How a process ends: a coded line to print (null for none), and its exit code. */
export interface Failure {
  readonly code: string;
  readonly message: string;
  readonly exitCode: number;
  /** False for `--help` and `--version`, which commander ends with an "error" that is none. */
  readonly print: boolean;
}

type SystemError = Error & { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown };

/** A server that could not listen: its address and port in use, or not allowed, or not one of this machine. */
const listenFailure = (error: SystemError): Failure => {
  const where =
    typeof error.address === 'string' && typeof error.port === 'number'
      ? `${error.address}:${error.port}`
      : 'the address';
  return error.code === 'EADDRINUSE'
    ? {
        code: 'ERR_PORT_IN_USE',
        message: `${where} is already in use: stop what listens there, or pick another --port (0 picks a free one)`,
        exitCode: 1,
        print: true,
      }
    : {
        code: 'ERR_LISTEN_FAILED',
        message: `cannot listen on ${where} (${String(error.code)}): check --host and --port`,
        exitCode: 1,
        print: true,
      };
};

/**
 * What any thrown value means to the user, the one place that decides: a usage error (exit 2), a coded
 * P2PError or CliError (exit 1), a server that could not listen (ERR_PORT_IN_USE), `--help`/`--version` (exit 0,
 * nothing more to print), and anything else `ERR_UNEXPECTED` (exit 1). Messages are made one line.
 */
export const describeFailure = (error: unknown): Failure => {
  const oneLine = (failure: Failure): Failure => ({
    ...failure,
    message: failure.message.replace(/\s*\n\s*/g, '; '),
  });
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return { code: 'OK', message: '', exitCode: 0, print: false };
    // A command that needs a subcommand printed its help on stderr already.
    if (error.code === 'commander.help')
      return { code: 'ERR_USAGE', message: 'a subcommand is missing', exitCode: 2, print: false };
    // Commander's own messages start with "error: "; the code already says that.
    return oneLine({
      code: 'ERR_USAGE',
      message: error.message.replace(/^error: /, ''),
      exitCode: 2,
      print: true,
    });
  }
  if (error instanceof CliError)
    return oneLine({ code: error.code, message: error.message, exitCode: error.exitCode, print: true });
  const system = error as SystemError;
  if (error instanceof Error && system.syscall === 'listen') return listenFailure(system);
  if (error instanceof Error && typeof system.code === 'string' && system.code in ERROR_CODES)
    return oneLine({ code: system.code, message: error.message, exitCode: 1, print: true });
  return oneLine({
    code: 'ERR_UNEXPECTED',
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    exitCode: 1,
    print: true,
  });
};
