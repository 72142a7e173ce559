import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, switchMap } from 'rxjs';
import { WebSocketServer } from 'ws';
import { connectWebSocket } from '../../../streams/session/ws-duplex.js';

/** The code a client's duplex errors with when the server closes with `reason`. */
const closedWith = async (reason: string): Promise<string | undefined> => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => socket.close(1000, reason));
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await firstValueFrom(connectWebSocket(`ws://127.0.0.1:${port}`).pipe(switchMap((duplex) => duplex.in$)));
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    server.close();
  }
};

describe('fromWebSocket close reasons', () => {
  it('should take a connection or credentials code from the close reason', async () => {
    expect(await closedWith('ERR_LEASE_REVOKED')).to.equal('ERR_LEASE_REVOKED');
    expect(await closedWith('ERR_TICKET_EXPIRED')).to.equal('ERR_TICKET_EXPIRED');
  });

  it('should not let an unauthenticated close end a session for good or claim a security failure', async () => {
    expect(await closedWith('ERR_SESSION_REPLACED')).to.equal('ERR_CONNECTION_CLOSED');
    expect(await closedWith('ERR_CERT_CHAIN')).to.equal('ERR_CONNECTION_CLOSED');
    expect(await closedWith('bye')).to.equal('ERR_CONNECTION_CLOSED');
  });
});
