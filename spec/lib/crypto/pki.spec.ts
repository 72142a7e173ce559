import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { either } from 'fp-ts';
import {
  createCsr,
  generateRsaKeyPair,
  issueHostCertificate,
  signWithKey,
  verifyHostCertificate,
  verifyWithCertificate,
} from '../../../lib/crypto/pki.js';
import { type TestPki, createTestPki } from '../../support/pki.js';

const codeOf = (result: either.Either<{ code: string }, unknown>): string =>
  either.isLeft(result) ? result.left.code : 'ok';

describe('PKI', () => {
  let pki: TestPki;
  let otherPki: TestPki;
  before(() => {
    pki = createTestPki();
    otherPki = createTestPki('another CA');
  });

  it('should issue a host certificate that verifies for its host id', () => {
    const host = pki.host('host-1');
    const cert = verifyHostCertificate(host.certificatePem, pki.caCert, 'host-1', Date.now());
    expect(either.isRight(cert) && cert.right.subject).to.equal('CN=host-1');
    expect(either.isRight(cert) && cert.right.issuer).to.equal('CN=warp-p2p test CA');
  });

  it('should make a CA certificate that is a CA', () => {
    expect(new X509Certificate(pki.ca.certificatePem).ca).to.equal(true);
  });

  it('should reject a certificate from another CA', () => {
    const host = otherPki.host('host-1');
    expect(codeOf(verifyHostCertificate(host.certificatePem, pki.caCert, 'host-1', Date.now()))).to.equal(
      'ERR_CERT_CHAIN',
    );
  });

  it('should reject an expired certificate', () => {
    const host = pki.host('host-1', { validitySeconds: 60, now: Date.now() - 3_600_000 });
    expect(codeOf(verifyHostCertificate(host.certificatePem, pki.caCert, 'host-1', Date.now()))).to.equal(
      'ERR_CERT_EXPIRED',
    );
  });

  it('should reject a certificate for another host', () => {
    const host = pki.host('host-2');
    expect(codeOf(verifyHostCertificate(host.certificatePem, pki.caCert, 'host-1', Date.now()))).to.equal(
      'ERR_CERT_SUBJECT',
    );
  });

  it('should reject text that is not a certificate', () => {
    expect(codeOf(verifyHostCertificate('nonsense', pki.caCert, 'host-1', Date.now()))).to.equal(
      'ERR_CERT_INVALID',
    );
  });

  it('should refuse a CSR whose subject is not the host id', () => {
    const csr = createCsr('host-9', generateRsaKeyPair());
    expect(
      codeOf(issueHostCertificate(pki.ca, csr, { hostId: 'host-1', validitySeconds: 60, now: Date.now() })),
    ).to.equal('ERR_CSR_SUBJECT');
  });

  it('should refuse a CSR with a bad signature', () => {
    const csr = createCsr('host-1', generateRsaKeyPair());
    // Flip a bit near the end of the base64 body: inside the signature.
    const lines = csr.trim().split('\n');
    const last = lines.length - 2;
    const body = lines[last] as string;
    lines[last] = body.slice(0, 4) + (body[4] === 'A' ? 'B' : 'A') + body.slice(5);
    expect(
      codeOf(
        issueHostCertificate(pki.ca, lines.join('\n'), {
          hostId: 'host-1',
          validitySeconds: 60,
          now: Date.now(),
        }),
      ),
    ).to.equal('ERR_CSR_SIGNATURE');
  });

  it('should sign with the host key and verify with its certificate', () => {
    const host = pki.host('host-1');
    const cert = new X509Certificate(host.certificatePem);
    const signature = signWithKey(host.keys.privateKeyPem, Buffer.from('transcript'));
    expect(verifyWithCertificate(cert, Buffer.from('transcript'), signature)).to.equal(true);
    expect(verifyWithCertificate(cert, Buffer.from('transcripT'), signature)).to.equal(false);
  });
});
