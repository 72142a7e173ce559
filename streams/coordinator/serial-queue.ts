/**
 * Runs async tasks one at a time, in call order: the coordinator's store mutations read, decide and write
 * without another request interleaving (two first requests for one map must not both create a lease).
 */
export const createSerialQueue = (): (<T>(task: () => Promise<T>) => Promise<T>) => {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
};
