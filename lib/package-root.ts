import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of warp-p2p's package.json: the repository when running the TypeScript sources, the package folder
 * (`node_modules/warp-p2p`) when installed. Found by walking up from this module, so it holds from `lib/` and from
 * the compiled `dist/lib/` alike (dist/ has no package.json). Files that ship beside dist/ (prebuilds/, build/,
 * config/p2p.ini, package.json) are found from here, never by a fixed number of `../`.
 */
export const packageRoot: string = (() => {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(start);
  }
})();

/** The `version` field of warp-p2p's package.json (read when called). */
export const packageVersion = (): string =>
  (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
