import { X509Certificate } from 'node:crypto';
import { either } from 'fp-ts';
import {
  type CertificateAuthority,
  type KeyPairPem,
  createCertificateAuthority,
  createCsr,
  generateRsaKeyPair,
  issueHostCertificate,
} from '../../lib/crypto/pki.js';

export interface HostIdentity {
  readonly hostId: string;
  readonly keys: KeyPairPem;
  readonly certificatePem: string;
}

export interface TestPki {
  readonly ca: CertificateAuthority;
  readonly caCert: X509Certificate;
  readonly host: (hostId: string, options?: { validitySeconds?: number; now?: number }) => HostIdentity;
}

const issue = (
  ca: CertificateAuthority,
  hostId: string,
  validitySeconds: number,
  now: number,
): HostIdentity => {
  const keys = generateRsaKeyPair();
  const issued = issueHostCertificate(ca, createCsr(hostId, keys), { hostId, validitySeconds, now });
  if (either.isLeft(issued)) throw issued.left;
  return { hostId, keys, certificatePem: issued.right };
};

/** A real CA and real host certificates; RSA key generation is slow enough to do once per spec file. */
export const createTestPki = (name = 'warp-p2p test CA'): TestPki => {
  const ca = createCertificateAuthority(name, 86_400, Date.now());
  return {
    ca,
    caCert: new X509Certificate(ca.certificatePem),
    host: (hostId, options = {}) =>
      issue(ca, hostId, options.validitySeconds ?? 3600, options.now ?? Date.now()),
  };
};
