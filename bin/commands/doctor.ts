import { resolve } from 'node:path';
import { either } from 'fp-ts';
import { loadConfig } from '../../config/load-config.js';
import { aeadImplementation, aeadReason } from '../../lib/crypto/native-aes-gcm.js';
import { packageVersion } from '../../lib/package-root.js';

/** `warp-p2p doctor` flags, parsed (bin/program.ts). */
export interface DoctorOptions {
  readonly config?: string;
  readonly json?: true;
}

/** What `doctor` found, as printed with --json. */
export interface DoctorReport {
  readonly version: string;
  readonly node: string;
  readonly platform: string;
  readonly aead: { readonly implementation: string; readonly reason: string };
  readonly config: { readonly file: string | null; readonly status: string };
}

/** The file a role started with these flags would read, and whether it loads. */
const config = (path: string | undefined): DoctorReport['config'] => {
  if (path === undefined)
    return {
      file: null,
      status:
        'the built-in defaults (the values config/p2p.ini ships); a role reads a file only with --config FILE',
    };
  const file = resolve(path);
  const loaded = loadConfig({ path: file }, {}, { onWarning: () => undefined });
  return {
    file,
    status: either.isLeft(loaded)
      ? `${loaded.left.code}: ${loaded.left.message.replace(/\n/g, '; ')}`
      : 'loads (every value valid)',
  };
};

/**
 * `warp-p2p doctor [--config FILE] [--json]`: what this install runs with (Node, the AES-256-GCM implementation
 * and why, the configuration it would load). Reports problems rather than failing: it always resolves (exit 0).
 */
export const doctorCommand = (options: DoctorOptions): Promise<void> => {
  const report: DoctorReport = {
    version: packageVersion(),
    node: process.version,
    platform: `${process.platform} ${process.arch}, OpenSSL ${process.versions.openssl}`,
    aead: { implementation: aeadImplementation, reason: aeadReason },
    config: config(options.config),
  };
  if (options.json === true) console.log(JSON.stringify(report));
  else
    console.log(
      [
        `warp-p2p ${report.version}`,
        `node     ${report.node} (${report.platform})`,
        `aead     ${report.aead.implementation}: ${report.aead.reason}`,
        `config   ${report.config.file === null ? 'none' : report.config.file}: ${report.config.status}`,
      ].join('\n'),
    );
  return Promise.resolve();
};
