/** Counts of recent events by key, forgetting what is older than the window and holding a bounded number of keys. */
export interface WindowCounter {
  /** Events for `key` within the window ending at `now` (at most `cap`: more are not kept). */
  readonly count: (key: string, now: number) => number;
  readonly add: (key: string, now: number) => void;
  /** Forgets the keys with no event in the window (at most once a window; `count` and `add` do it too). */
  readonly sweep: (now: number) => void;
  /** Keys held now: every key with an event in the window, never more than `maxKeys`. */
  readonly size: () => number;
}

export interface WindowCounterConfig {
  readonly windowMs: number;
  /** The count the caller compares with: no key keeps more events than this. */
  readonly cap: number;
  /** Most keys held; past it the keys touched longest ago are forgotten first. */
  readonly maxKeys: number;
}

/**
 * A sliding-window counter with bounded memory: a key whose events all left the window is dropped (at most one
 * window after, in one sweep that runs once a window), each key keeps at most `cap` times, and past `maxKeys` the
 * keys added to longest ago go first. So a stream of new addresses or names cannot grow it without end (the login
 * limiter's map once kept every address it ever saw).
 */
export const createWindowCounter = ({ windowMs, cap, maxKeys }: WindowCounterConfig): WindowCounter => {
  // A Map iterates in insertion order, and `add` re-inserts: the first keys are the ones touched longest ago.
  const times = new Map<string, number[]>();
  let sweptAt = Number.NEGATIVE_INFINITY;
  const recent = (key: string, now: number) => (times.get(key) ?? []).filter((t) => now - t < windowMs);
  const sweep = (now: number) => {
    if (now - sweptAt >= windowMs) {
      sweptAt = now;
      for (const [key, list] of times)
        if (now - (list[list.length - 1] ?? now - windowMs) >= windowMs) times.delete(key);
    }
    for (const key of times.keys()) {
      if (times.size <= maxKeys) break;
      times.delete(key);
    }
  };
  return {
    count: (key, now) => {
      sweep(now);
      return recent(key, now).length;
    },
    add: (key, now) => {
      const list = recent(key, now);
      list.push(now);
      if (list.length > cap) list.splice(0, list.length - cap);
      times.delete(key);
      times.set(key, list);
      sweep(now);
    },
    sweep,
    size: () => times.size,
  };
};
