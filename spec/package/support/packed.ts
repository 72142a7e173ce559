import { join } from 'node:path';
import { repoRoot, runOk, tempDir } from './npm.js';

/** What `npm pack` made of the repository. */
export interface Packed {
  /** The .tgz file. */
  readonly tarball: string;
  /** Every path in it, relative to the package folder. */
  readonly files: readonly string[];
}

interface PackReport {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

let once: Promise<Packed> | undefined;

/**
 * Packs the repository once per mocha run, as a release would: `npm pack` runs `prepare`, which builds dist/
 * from the sources with tsc (so the specs that use dist/ see the code under test, not an old build).
 */
export const packed = (): Promise<Packed> => {
  once ??= (async () => {
    const destination = tempDir('warp-pack-');
    const { stdout } = await runOk('npm', ['pack', '--json', '--pack-destination', destination], {
      cwd: repoRoot,
      ms: 180_000,
    });
    // Lifecycle scripts may print before the report; the report is the JSON array that ends the output.
    const [report] = JSON.parse(stdout.slice(stdout.search(/^\[/m))) as PackReport[];
    if (report === undefined) throw new Error(`npm pack reported nothing: ${stdout}`);
    return { tarball: join(destination, report.filename), files: report.files.map((f) => f.path) };
  })();
  return once;
};
