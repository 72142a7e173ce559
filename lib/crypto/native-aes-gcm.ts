import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { packageRoot } from '../package-root.js';

/** The native AES-256-GCM sealer and opener (lib/crypto/native/aes-gcm-sealer.c): one OpenSSL context per key. */
export interface NativeAesGcm {
  /** A handle holding the key's context; throws ERR_AEAD_KEY unless the key is 32 bytes. */
  readonly createSealer: (key: Buffer) => object;
  /** Writes the ciphertext after the frame's first `aadBytes` (the AAD) and the 16-byte tag at its end. */
  readonly seal: (
    sealer: object,
    nonce: Buffer,
    frame: Buffer,
    aadBytes: number,
    plaintext: Uint8Array,
  ) => void;
  /** A handle holding the key's decryption context; throws ERR_AEAD_KEY unless the key is 32 bytes. */
  readonly createOpener: (key: Buffer) => object;
  /**
   * Decrypts `sealed` (ciphertext ‖ 16-byte tag) into `out` (the ciphertext's length): true when the tag verifies
   * over `aad` and the ciphertext. On false `out` holds unauthenticated bytes: drop it.
   */
  readonly open: (opener: object, nonce: Buffer, aad: Buffer, sealed: Buffer, out: Buffer) => boolean;
}

/** Which AES-256-GCM implementation seals and opens frames here (a host's `listening` event carries it). */
export type AeadImplementation = 'native' | 'node:crypto';

/** The native module found under a package root, or why none could be loaded. */
export type NativeAesGcmLookup =
  | { readonly module: NativeAesGcm; readonly path: string }
  | { readonly module: null; readonly reason: string };

type NodeGypBuild = { readonly resolve: (dir: string) => string };
const requireHere = createRequire(import.meta.url);

/**
 * Finds the module under `root` the way `bufferutil` does (node-gyp-build): `build/Release` when the install (or
 * `node-gyp rebuild`) compiled it here, else the N-API prebuild shipped for this platform in
 * `prebuilds/<platform>-<arch>/` (linux-x64 glibc). Never throws: without either, `reason` says so.
 */
export const findNativeAesGcm = (root: string): NativeAesGcmLookup => {
  let path: string;
  try {
    path = (requireHere('node-gyp-build') as NodeGypBuild).resolve(root);
  } catch {
    return {
      module: null,
      reason: `no prebuilt module for ${process.platform}-${process.arch} and none built from source (no C compiler at install?)`,
    };
  }
  try {
    return { module: requireHere(path) as NativeAesGcm, path };
  } catch (error) {
    return { module: null, reason: `${path} does not load: ${(error as Error).message}` };
  }
};

/**
 * The module, or null: `WARP_AEAD=node` asks for node:crypto, or there is none for this platform (an install
 * without a C compiler on a platform with no prebuild). Frames are then sealed and opened with node:crypto,
 * which is slower on a busy host but gives the same bytes.
 */
const lookup: NativeAesGcmLookup =
  process.env['WARP_AEAD'] === 'node'
    ? { module: null, reason: 'WARP_AEAD=node asks for node:crypto' }
    : findNativeAesGcm(packageRoot);

export const nativeAesGcm: NativeAesGcm | null = lookup.module;

export const aeadImplementation: AeadImplementation = nativeAesGcm === null ? 'node:crypto' : 'native';

/** Why frames use what they use: the native module's path, or why it is not used (`warp-p2p doctor` prints it). */
export const aeadReason: string =
  lookup.module === null ? lookup.reason : `native module ${relative(packageRoot, lookup.path)}`;
