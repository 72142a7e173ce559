import { expect } from 'chai';
import { sameSecret } from '../../../lib/crypto/passwords.js';

describe('sameSecret', () => {
  it('should compare over bytes whatever the lengths, never throwing', () => {
    expect(sameSecret('vps-service-key', 'vps-service-key')).to.equal(true);
    // Same length in characters, one more byte in UTF-8.
    expect(sameSecret('vps-service-ké', 'vps-service-ke')).to.equal(false);
    expect(sameSecret('', 'vps-service-key')).to.equal(false);
    expect(sameSecret('x'.repeat(100_000), 'vps-service-key')).to.equal(false);
  });

  it('should refuse a missing secret, and any secret when none is expected', () => {
    expect(sameSecret(undefined, 'k')).to.equal(false);
    expect(sameSecret('k', null)).to.equal(false);
    expect(sameSecret('\u0000', null)).to.equal(false);
    expect(sameSecret(undefined, null)).to.equal(false);
  });
});
