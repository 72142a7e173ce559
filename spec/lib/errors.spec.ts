import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ERROR_CODES, P2PError, isSecurityError, toP2PError } from '../../lib/errors.js';

describe('P2PError', () => {
  it('should carry the category of its code', () => {
    expect(new P2PError('ERR_TICKET_SIGNATURE', 'x').category).to.equal('security');
    expect(new P2PError('ERR_TICKET_EXPIRED', 'x').category).to.equal('credentials');
    expect(new P2PError('ERR_SESSION_REPLACED', 'x').category).to.equal('ended');
    expect(new P2PError('ERR_FRAME_AUTH', 'x').category).to.equal('data');
  });

  it('should serialize to code and message', () => {
    expect(JSON.parse(JSON.stringify(new P2PError('ERR_FRAME_REPLAY', 'again', { seq: 3 })))).to.deep.equal({
      code: 'ERR_FRAME_REPLAY',
      message: 'again',
      details: { seq: 3 },
    });
  });

  it('should tell security errors apart', () => {
    expect(isSecurityError(new P2PError('ERR_CERT_CHAIN', 'x'))).to.equal(true);
    expect(isSecurityError(new P2PError('ERR_CONNECTION_CLOSED', 'x'))).to.equal(false);
    expect(isSecurityError(new Error('x'))).to.equal(false);
  });

  it('should wrap foreign errors with a fallback code', () => {
    expect(toP2PError(new Error('boom')).code).to.equal('ERR_CONNECTION_FAILED');
    expect(toP2PError('x', 'ERR_HANDSHAKE_PROTOCOL').code).to.equal('ERR_HANDSHAKE_PROTOCOL');
  });

  describe('docs/ERRORS.md', () => {
    const doc = readFileSync(new URL('../../docs/ERRORS.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);

    it('should document every code exactly once', () => {
      expect([...documented].sort()).to.deep.equal(Object.keys(ERROR_CODES).sort());
    });
  });
});
