import { expect } from 'chai';
import { BehaviorSubject } from 'rxjs';
import { WebSocket } from 'ws';
import { generateTicketKeys } from '../../lib/crypto/tickets.js';
import { eventually } from '../support/eventually.js';
import { TEST_WORLD, type TestHostServer, startTestHostServer } from '../support/host-server.js';
import { createTestPki } from '../support/pki.js';

describe('host session server protection, over real WebSockets on 127.0.0.1', () => {
  let server: TestHostServer;
  let url: string;
  const leases$ = new BehaviorSubject<ReadonlyMap<string, number>>(
    new Map([
      ['forest', 1],
      ['desert', 1],
    ]),
  );
  const sockets: WebSocket[] = [];

  before(async () => {
    server = await startTestHostServer(createTestPki(), await generateTicketKeys(), 'host-1', {
      leases$,
      world: { ...TEST_WORLD, checkpointEvery: 50 },
      maxPendingHandshakes: 3,
    });
    url = server.url;
  });
  after(() => {
    sockets.forEach((s) => s.terminate());
    server.close();
  });

  const join = (player: string, map: string) => server.join(player, { map });
  const rawSocket = async () => {
    const socket = new WebSocket(url);
    sockets.push(socket);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('open', resolve));
    return { socket, closed };
  };

  it('should not let garbage on one connection touch another', async () => {
    const ann = await join('ann', 'forest');
    await eventually(() => ann.verified.size > 0);
    const before = ann.deltas;
    const garbage = await rawSocket();
    for (let n = 0; n < 50; n++) garbage.socket.send(Buffer.from([1, 2, 3, n]));
    garbage.socket.send('not even binary');
    expect(await garbage.closed).to.be.a('number');
    await eventually(() => ann.deltas > before + 10);
    expect(ann.desyncs).to.deep.equal([]);
    expect(ann.error).to.equal(undefined);
  });

  it('should refuse unauthenticated connections past the per-address cap', async () => {
    const idle = await Promise.all([rawSocket(), rawSocket(), rawSocket()]);
    const extra = await rawSocket();
    expect(await extra.closed).to.equal(1013);
    expect(server.events.some((e) => e.event === 'session.closed' && e.code === 'ERR_RATE_LIMITED')).to.equal(
      true,
    );
    idle.forEach(({ socket }) => socket.terminate());
    await Promise.all(idle.map(({ closed }) => closed));
  });

  it("should close a map's sessions with ERR_LEASE_REVOKED when its lease is revoked, and no other map's", async () => {
    const bob = await join('bob', 'desert');
    const carl = await join('carl', 'forest');
    await eventually(() => bob.replica.latest !== null && carl.replica.latest !== null);
    leases$.next(new Map([['forest', 1]]));
    await eventually(() => bob.refusals.includes('ERR_LEASE_REVOKED'));
    await eventually(() =>
      server.events.some(
        (e) => e.event === 'session.closed' && e.player === 'bob' && e.code === 'ERR_LEASE_REVOKED',
      ),
    );
    const carlBefore = carl.deltas;
    await eventually(() => carl.deltas > carlBefore + 5);
    expect(carl.error).to.equal(undefined);
  });
});
