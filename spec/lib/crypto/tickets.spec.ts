import { expect } from 'chai';
import { either } from 'fp-ts';
import {
  type TicketKeys,
  exportTicketPublicKey,
  generateTicketKeys,
  importTicketPublicKey,
  issueTicket,
  verifyTicket,
} from '../../../lib/crypto/tickets.js';

const now = Date.UTC(2026, 10, 23, 12, 0, 0);
const claims = { player: 'ann', map: 'forest', host: 'host-1', mapEpoch: 4, validitySeconds: 3600, now };

describe('tickets', () => {
  let keys: TicketKeys;
  let ticket: string;
  before(async () => {
    keys = await generateTicketKeys();
    ticket = await issueTicket(keys.privateKey, claims);
  });

  const codeOf = async (token: string, audience = 'host-1', at = now + 1000): Promise<string> => {
    const result = await verifyTicket(keys.publicKey, token, { audience, now: at });
    return either.isLeft(result) ? result.left.code : 'ok';
  };

  it('should verify offline and return the claims', async () => {
    const publicKey = await importTicketPublicKey(await exportTicketPublicKey(keys.publicKey));
    const result = await verifyTicket(publicKey, ticket, { audience: 'host-1', now: now + 1000 });
    expect(either.isRight(result) && result.right).to.deep.equal({
      player: 'ann',
      map: 'forest',
      host: 'host-1',
      mapEpoch: 4,
      expiresAt: Math.floor(now / 1000) + 3600,
    });
  });

  it('should reject an expired ticket', async () => {
    expect(await codeOf(ticket, 'host-1', now + 3_601_000)).to.equal('ERR_TICKET_EXPIRED');
  });

  it('should reject a ticket for another host', async () => {
    expect(await codeOf(ticket, 'host-2')).to.equal('ERR_TICKET_AUDIENCE');
  });

  it('should reject a ticket signed with another key', async () => {
    const forged = await issueTicket((await generateTicketKeys()).privateKey, claims);
    expect(await codeOf(forged)).to.equal('ERR_TICKET_SIGNATURE');
  });

  it('should reject a ticket whose payload was altered', async () => {
    const [head, , signature] = ticket.split('.');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'mallory', map: 'forest', epoch: 4, aud: 'host-1' }),
    ).toString('base64url');
    expect(await codeOf(`${head}.${payload}.${signature}`)).to.equal('ERR_TICKET_SIGNATURE');
  });

  it('should reject garbage', async () => {
    expect(await codeOf('not-a-jwt')).to.equal('ERR_TICKET_MALFORMED');
  });
});
