// A module resolve hook that appends every URL it resolves to a file: graph.mjs registers it.
import { appendFileSync } from 'node:fs';

let out = '';

export const initialize = (data) => {
  out = data.out;
};

export const resolve = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(out, `${resolved.url}\n`);
  return resolved;
};
