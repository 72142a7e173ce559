// The `warp-p2p` command line: parses with the definitions in program.ts and reports every way it can end in
// one place, here. A failure prints exactly one line `[P2P] CODE: message` on stderr (in --json mode too) and
// exits 1, a usage error exits 2, and no stack trace reaches the user: errors nobody handled (an observable's
// error without a subscriber, a rejected promise) come here as well.
import { describeFailure } from './failure.js';
import { packageVersion } from '../lib/package-root.js';
import { createProgram } from './program.js';

let failed = false;

// Exit codes are set, not forced: output to a pipe is flushed before the process ends. The unref'd timer only
// ends a process that something still holds open after its command finished.
const finish = (exitCode: number): void => {
  process.exitCode = exitCode;
  setTimeout(() => process.exit(exitCode), 2000).unref();
};

const fail = (error: unknown): void => {
  // The first failure is the one to report: what follows it (a closed socket, the same error through another
  // subscriber) is its consequence.
  if (failed) return;
  failed = true;
  const failure = describeFailure(error);
  if (failure.print) process.stderr.write(`[P2P] ${failure.code}: ${failure.message}\n`);
  finish(failure.exitCode);
};

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

const args = process.argv.slice(2);
createProgram(packageVersion())
  .parseAsync(args.length === 0 ? ['help'] : args, { from: 'user' })
  .then(() => {
    if (!failed) finish(0);
  }, fail);
