import { createRequire } from 'node:module';

/** The native AES-256-GCM sealer (lib/crypto/native/aes-gcm-sealer.c): one OpenSSL context per key. */
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
}

/** Which AES-256-GCM implementation seals frames in this process (a host's `listening` event carries it). */
export type AeadImplementation = 'native' | 'node:crypto';

/**
 * The module `npm install` builds with node-gyp (binding.gyp), or null when it was not built (no compiler on
 * the machine: sealing then uses node:crypto, slower on a busy host) or `WARP_AEAD=node` asks for node:crypto.
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
