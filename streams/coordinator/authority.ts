import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportPKCS8 } from 'jose';
import { type CertificateAuthority, createCertificateAuthority } from '../../lib/crypto/pki.js';
import { type TicketKeys, exportTicketPublicKey, generateTicketKeys } from '../../lib/crypto/tickets.js';

/** The coordinator's secrets: the CA that certifies hosts and the key that signs tickets. */
export interface Authority {
  readonly ca: CertificateAuthority;
  readonly caCertificate: X509Certificate;
  readonly ticketKeys: TicketKeys;
  readonly ticketPublicKeyPem: string;
  /** Created by this start: no host can hold a lease from before, so there is nothing to wait for. */
  readonly fresh: boolean;
}

const CA_VALIDITY_SECONDS = 10 * 365 * 86_400;

/**
 * Loads the CA and ticket key from `dataDir`, creating them on first start. Private keys are written 0600.
 * Persisting them is what lets hosts and tickets stay valid across a coordinator restart.
 */
export const loadOrCreateAuthority = async (dataDir: string, now: number): Promise<Authority> => {
  mkdirSync(dataDir, { recursive: true });
  const caCertPath = join(dataDir, 'ca-cert.pem');
  const caKeyPath = join(dataDir, 'ca-key.pem');
  const ticketKeyPath = join(dataDir, 'ticket-key.pem');

  const fresh = !existsSync(caCertPath) || !existsSync(caKeyPath);
  if (fresh) {
    const created = createCertificateAuthority('warp-p2p coordinator CA', CA_VALIDITY_SECONDS, now);
    writeFileSync(caKeyPath, created.privateKeyPem, { mode: 0o600 });
    writeFileSync(caCertPath, created.certificatePem);
  }
  if (!existsSync(ticketKeyPath)) {
    const keys = await generateTicketKeys();
    writeFileSync(ticketKeyPath, await exportPKCS8(keys.privateKey), { mode: 0o600 });
  }
  const ca = {
    certificatePem: readFileSync(caCertPath, 'utf8'),
    privateKeyPem: readFileSync(caKeyPath, 'utf8'),
  };
  const privateKey = createPrivateKey(readFileSync(ticketKeyPath, 'utf8'));
  const ticketKeys = { privateKey, publicKey: createPublicKey(privateKey) };
  return {
    ca,
    caCertificate: new X509Certificate(ca.certificatePem),
    ticketKeys,
    ticketPublicKeyPem: await exportTicketPublicKey(ticketKeys.publicKey),
    fresh,
  };
};
