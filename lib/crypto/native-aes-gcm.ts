import { createRequire } from 'node:module';

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

/**
 * The module `npm install` builds with node-gyp (binding.gyp), or null when it was not built (no compiler on
 * the machine: frames are then sealed and opened with node:crypto, slower on a busy host) or `WARP_AEAD=node`
 * asks for node:crypto.
 */
const load = (): NativeAesGcm | null => {
  if (process.env['WARP_AEAD'] === 'node') return null;
  try {
    return createRequire(import.meta.url)('../../build/Release/warp_aes_gcm.node') as NativeAesGcm;
  } catch {
    return null;
  }
};

export const nativeAesGcm: NativeAesGcm | null = load();

export const aeadImplementation: AeadImplementation = nativeAesGcm === null ? 'node:crypto' : 'native';
