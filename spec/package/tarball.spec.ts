import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { repoRoot } from './support/npm.js';
import { type Packed, packed } from './support/packed.js';

interface Manifest {
  readonly bin: Record<string, string>;
  readonly exports: Record<string, string | { readonly types: string; readonly default: string }>;
  readonly dependencies: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;

const jsFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => join(dir, file));

describe('the npm package (npm pack)', function () {
  this.timeout(300_000);
  let pack: Packed;

  before(async () => {
    pack = await packed();
  });

  it('should hold no specs, benches, CI scripts, keys or accounts', () => {
    const unwanted = pack.files.filter(
      (file) =>
        /^(spec|bench|\.ci|coordinator-data|build)\//.test(file) ||
        file.endsWith('.pem') ||
        file.endsWith('accounts.json'),
    );
    expect(unwanted).to.deep.equal([]);
  });

  it('should hold no TypeScript but declarations', () => {
    expect(pack.files.filter((file) => /\.[cm]?ts$/.test(file) && !/\.d\.[cm]?ts$/.test(file))).to.deep.equal(
      [],
    );
  });

  it('should hold every file its exports map and bin name, with their types', () => {
    const targets = Object.values(manifest.exports).flatMap((target) =>
      typeof target === 'string' ? [target] : [target.types, target.default],
    );
    const named = [...targets, ...Object.values(manifest.bin)].map((path) => path.replace(/^\.\//, ''));
    expect(named.filter((path) => !pack.files.includes(path))).to.deep.equal([]);
    expect(Object.keys(manifest.exports)).to.deep.equal([
      '.',
      './client',
      './operators',
      './session',
      './host',
      './coordinator',
      './replay',
      './package.json',
    ]);
  });

  it('should hold the shipped configuration, the docs, the README and the native module', () => {
    expect(pack.files).to.include.members([
      'config/p2p.ini',
      'docs/ERRORS.md',
      'README.md',
      'package.json',
      // Built from source where no prebuild fits and a compiler exists (`npm install` runs node-gyp-build).
      'binding.gyp',
      'lib/crypto/native/aes-gcm-sealer.c',
    ]);
    expect(pack.files.filter((file) => /^prebuilds\/linux-x64\/.*\.node$/.test(file))).to.have.length(1);
  });

  it('should leave rxjs to the application (a peer dependency) and the TypeScript loader out', () => {
    expect(manifest.peerDependencies['rxjs']).to.equal('^7.8');
    expect(Object.keys(manifest.dependencies)).to.not.include.members([
      'rxjs',
      'tsx',
      'esbuild',
      'typescript',
    ]);
  });

  it('should ship code compiled without keepNames wrappers (one property array per closure in V8)', () => {
    // What bin/transpile-hook.js exists for: tsx's esbuild transform wraps named closures in __name(…).
    const wrapped = jsFiles(join(repoRoot, 'dist')).filter((file) =>
      readFileSync(file, 'utf8').includes('__name('),
    );
    expect(wrapped).to.deep.equal([]);
  });
});
