import { parseArgs } from 'node:util';
import { runFailoverDemo } from '../../streams/demo/failover-demo.js';
import { usageError } from '../cli.js';

const positiveNumber = (text: string, flag: string): number => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw usageError(`${flag} must be a positive number, got "${text}"`);
  return value;
};

/** `warp-p2p demo [--bots N] [--duration S]`: what `npm start` runs. */
export const demoCommand = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({
    args,
    options: { bots: { type: 'string', default: '8' }, duration: { type: 'string', default: '20' } },
  });
  const bots = positiveNumber(values.bots, '--bots');
  if (!Number.isInteger(bots) || bots > 200) throw usageError('--bots must be an integer from 1 to 200');
  const durationMs = positiveNumber(values.duration, '--duration') * 1000;
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const summary = await runFailoverDemo({
      bots,
      durationMs,
      killAfterMs: Math.min(10_000, durationMs / 2),
      tty: process.stdout.isTTY,
      write: (text) => process.stdout.write(text),
      signal: stop.signal,
    });
    console.log(stop.signal.aborted ? '\n[P2P] interrupted: every child process stopped' : '\n[P2P] summary');
    for (const { bot, ms } of summary.failovers)
      console.log(
        `[P2P]   ${bot}: failover ${ms === null ? 'not completed' : `${ms} ms`} (kill → CONNECTED on the VPS, world restored)`,
      );
    // Interrupted, the last moves have not had time to come back: there is nothing honest to count.
    if (!stop.signal.aborted)
      console.log(`[P2P]   inputs lost: ${summary.inputsLost} of ${summary.moves} moves`);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
};
