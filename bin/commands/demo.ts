import { runFailoverDemo } from '../../streams/demo/failover-demo.js';

/** `warp-p2p demo` flags, parsed (bin/program.ts). */
export interface DemoOptions {
  readonly bots: number;
  /** Seconds. */
  readonly duration: number;
}

/** `warp-p2p demo [--bots N] [--duration S]`: what `npm start` runs. Resolves when the demo is over. */
export const demoCommand = async (options: DemoOptions): Promise<void> => {
  const { bots } = options;
  const durationMs = options.duration * 1000;
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
