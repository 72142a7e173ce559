import { either } from 'fp-ts';
import { loadConfig } from '../../config/load-config.js';
import type { Config } from '../../config/schema.js';
import { type Cluster, passwordOf } from '../../streams/demo/local-cluster.js';
import { TrackedClient } from '../../streams/demo/tracked-client.js';

/** The configuration an INI text gives; a text that does not load is the spec's own bug. */
export const configOf = (text: string): Config => {
  const loaded = loadConfig({ text });
  if (either.isLeft(loaded)) throw loaded.left;
  return loaded.right;
};

/** A tracked client of a player with an account on the cluster (its password: the name reversed). */
export const trackedPlayer = (cluster: Cluster, name: string, config: Config): TrackedClient =>
  new TrackedClient({ coordinatorUrl: cluster.url, player: name, password: passwordOf(name), config });

/** Moves every player every 100 ms for `ms`, player n by `step(n)`. */
export const walkFor = async (
  players: readonly TrackedClient[],
  ms: number,
  step: (n: number) => readonly [number, number],
): Promise<void> => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    players.forEach((p, n) => p.move(...step(n)));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
