import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  deriveNextEpoch,
  deriveSessionKeys,
  finishedMac,
  generateKeyShare,
  macEquals,
  sharedSecret,
  transcriptHash,
} from '../../../lib/crypto/key-schedule.js';

describe('key schedule', () => {
  const client = generateKeyShare();
  const host = generateKeyShare();
  const transcript = transcriptHash(Buffer.from('hello'), Buffer.from('welcome'));

  it('should give both sides the same X25519 secret', () => {
    expect(sharedSecret(client, host.publicKey)).to.deep.equal(sharedSecret(host, client.publicKey));
    expect(client.publicKey.length).to.equal(32);
  });

  it('should derive identical directional keys on both sides, distinct per direction', () => {
    const a = deriveSessionKeys(sharedSecret(client, host.publicKey), transcript);
    const b = deriveSessionKeys(sharedSecret(host, client.publicKey), transcript);
    expect(a).to.deep.equal(b);
    expect(a.clientToHost.key).to.not.deep.equal(a.hostToClient.key);
    expect(a.clientToHost.key.length).to.equal(32);
    expect(a.clientToHost.salt.length).to.equal(4);
    expect(a.epoch).to.equal(0);
  });

  it('should bind the transcript into the keys', () => {
    const secret = sharedSecret(client, host.publicKey);
    const other = transcriptHash(Buffer.from('hello'), Buffer.from('welcome!'));
    expect(deriveSessionKeys(secret, transcript).clientToHost.key).to.not.deep.equal(
      deriveSessionKeys(secret, other).clientToHost.key,
    );
  });

  it('should derive the next epoch from a fresh exchange and the chain key', () => {
    const keys = deriveSessionKeys(randomBytes(32), transcript);
    const secret = randomBytes(32);
    const next = deriveNextEpoch(secret, keys, 1);
    expect(next.epoch).to.equal(1);
    expect(next.clientToHost.epoch).to.equal(1);
    expect(next.clientToHost.key).to.not.deep.equal(keys.clientToHost.key);
    expect(deriveNextEpoch(secret, keys, 1)).to.deep.equal(next);
    expect(
      deriveNextEpoch(secret, deriveSessionKeys(randomBytes(32), transcript), 1).chainKey,
    ).to.not.deep.equal(next.chainKey);
  });

  it('should make finished MACs that only the same key and transcript reproduce', () => {
    const keys = deriveSessionKeys(randomBytes(32), transcript);
    const mac = finishedMac(keys.clientFinishedKey, transcript);
    expect(macEquals(mac, finishedMac(keys.clientFinishedKey, transcript))).to.equal(true);
    expect(macEquals(mac, finishedMac(keys.hostFinishedKey, transcript))).to.equal(false);
  });

  it('should refuse a malformed peer key', () => {
    expect(() => sharedSecret(client, Buffer.alloc(5))).to.throw();
  });
});
