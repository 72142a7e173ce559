import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';

// Verifying and signing need node:crypto alone; they live apart so that a game client never loads node-forge.
export { signWithKey, verifyHostCertificate, verifyWithCertificate } from './certificates.js';

/**
 * The coordinator's certificate authority. node-forge creates CAs, CSRs and certificates (node:crypto cannot);
 * node:crypto's X509Certificate verifies them on the hot side (about 27× faster). Keys are RSA-2048, generated
 * by node:crypto (forge's pure-JS key generation takes seconds).
 */
export interface KeyPairPem {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

export interface CertificateAuthority {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export const generateRsaKeyPair = (): KeyPairPem => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
};

const serialNumber = (): string => {
  // A positive serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('hex');
};

/** A self-signed CA valid from `now` for `validitySeconds`. */
export const createCertificateAuthority = (
  commonName: string,
  validitySeconds: number,
  now: number,
): CertificateAuthority => {
  const keys = generateRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + validitySeconds * 1000);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: keys.privateKeyPem };
};

/** A CSR whose subject is the host id, signed with the host's own key (proof of possession). */
export const createCsr = (hostId: string, keys: KeyPairPem): string => {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  csr.setSubject([{ name: 'commonName', value: hostId }]);
  csr.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
};

// forge throws, rather than returning false, on some corrupted signatures.
const verifiesItself = (csr: forge.pki.CertificateSigningRequest): boolean => {
  try {
    return csr.verify();
  } catch {
    return false;
  }
};

export interface IssueOptions {
  readonly hostId: string;
  readonly validitySeconds: number;
  readonly now: number;
}

/**
 * Issues a host certificate from a CSR after checking its signature and that its subject is the host id.
 * Left codes: ERR_CSR_SIGNATURE, ERR_CSR_SUBJECT.
 */
export const issueHostCertificate = (
  ca: CertificateAuthority,
  csrPem: string,
  options: IssueOptions,
): either.Either<P2PError, string> => {
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem);
  } catch {
    return either.left(p2pError('ERR_CSR_SIGNATURE', 'certificate signing request cannot be parsed'));
  }
  if (!verifiesItself(csr)) {
    return either.left(p2pError('ERR_CSR_SIGNATURE', 'certificate signing request signature is invalid'));
  }
  const subject = csr.subject.getField('CN') as { value?: unknown } | null;
  if (subject?.value !== options.hostId || csr.subject.attributes.length !== 1) {
    return either.left(
      p2pError('ERR_CSR_SUBJECT', `certificate signing request must name exactly CN=${options.hostId}`),
    );
  }
  const caCert = forge.pki.certificateFromPem(ca.certificatePem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = csr.publicKey as forge.pki.PublicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(options.now - 60_000);
  cert.validity.notAfter = new Date(options.now + options.validitySeconds * 1000);
  cert.setSubject([{ name: 'commonName', value: options.hostId }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.privateKeyPem), forge.md.sha256.create());
  return either.right(forge.pki.certificateToPem(cert));
};

/** A host's key pair and the certificate that names it. */
export interface HostIdentity {
  readonly hostId: string;
  readonly keys: KeyPairPem;
  readonly certificatePem: string;
}

/**
 * A fresh key pair and a certificate for it from `ca`, the CSR round trip done in one place: for demos,
 * benchmarks and specs that act as their own coordinator. Throws what the CA refuses.
 */
export const issueLocalHostIdentity = (
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
