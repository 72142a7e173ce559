import { type KeyObject, X509Certificate, constants, createPrivateKey, sign, verify } from 'node:crypto';
import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';

// What a client and a host need of the PKI (checking a host's certificate, signing and verifying with its key),
// with node:crypto alone: pki.ts creates CAs, CSRs and certificates with node-forge, which only the coordinator
// and a host's registration need, so a game client's module graph never holds it.

/**
 * Verifies a host certificate: issued and signed by the CA, within its validity at `now`, subject = expected
 * host id. Left codes: ERR_CERT_INVALID, ERR_CERT_CHAIN, ERR_CERT_EXPIRED, ERR_CERT_SUBJECT.
 */
export const verifyHostCertificate = (
  certificatePem: string,
  ca: X509Certificate,
  expectedHostId: string,
  now: number,
): either.Either<P2PError, X509Certificate> => {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificatePem);
  } catch {
    return either.left(p2pError('ERR_CERT_INVALID', 'host certificate cannot be parsed'));
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    return either.left(p2pError('ERR_CERT_CHAIN', 'host certificate was not issued by the trusted CA'));
  }
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
    return either.left(
      p2pError('ERR_CERT_EXPIRED', `host certificate is valid ${cert.validFrom} to ${cert.validTo} only`),
    );
  }
  if (cert.subject !== `CN=${expectedHostId}`) {
    return either.left(
      p2pError('ERR_CERT_SUBJECT', `host certificate names ${cert.subject}, expected CN=${expectedHostId}`),
    );
  }
  return either.right(cert);
};

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } as const;

/**
 * The parsed key of the last PEM signed with. A host signs with one key for hours (every handshake, every
 * checkpoint), and parsing the PEM each time cost more than the signature: about 0.7 of 1.0 ms.
 */
let lastSigningKey: { readonly pem: string; readonly key: KeyObject } | null = null;
const signingKeyOf = (privateKeyPem: string): KeyObject => {
  if (lastSigningKey?.pem !== privateKeyPem)
    lastSigningKey = { pem: privateKeyPem, key: createPrivateKey(privateKeyPem) };
  return lastSigningKey.key;
};

/** RSA-PSS SHA-256 signature with the host's certificate key (the handshake transcript, checkpoints). */
export const signWithKey = (privateKeyPem: string, data: Uint8Array): Buffer =>
  sign('sha256', data, { key: signingKeyOf(privateKeyPem), ...PSS });

export const verifyWithCertificate = (
  cert: X509Certificate,
  data: Uint8Array,
  signature: Uint8Array,
): boolean => {
  try {
    return verify('sha256', data, { key: cert.publicKey, ...PSS }, signature);
  } catch {
    return false;
  }
};
