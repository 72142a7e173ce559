import { X509Certificate } from 'node:crypto';
import {
  type CertificateAuthority,
  type HostIdentity,
  createCertificateAuthority,
  issueLocalHostIdentity,
} from '../../lib/crypto/pki.js';

export type { HostIdentity };

export interface TestPki {
  readonly ca: CertificateAuthority;
  readonly caCert: X509Certificate;
  readonly host: (hostId: string, options?: { validitySeconds?: number; now?: number }) => HostIdentity;
}

/** A real CA and real host certificates; RSA key generation is slow enough to do once per spec file. */
export const createTestPki = (name = 'warp-p2p test CA'): TestPki => {
  const ca = createCertificateAuthority(name, 86_400, Date.now());
  return {
    ca,
    caCert: new X509Certificate(ca.certificatePem),
    host: (hostId, options = {}) =>
      issueLocalHostIdentity(ca, hostId, options.validitySeconds ?? 3600, options.now ?? Date.now()),
  };
};
