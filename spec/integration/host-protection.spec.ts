import { expect } from 'chai';
import { BehaviorSubject, Subject, type Subscription, filter, firstValueFrom, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { type TicketKeys, generateTicketKeys, issueTicket } from '../../lib/crypto/tickets.js';
import { DEFAULT_RULES } from '../../lib/world/world.js';
import { type SessionServerEvent, sessionServer$ } from '../../streams/host/session-server.js';
import { type TestPki, createTestPki } from '../support/pki.js';
import { baseSettings } from '../support/session-harness.js';
import { SyncClient } from '../support/sync-client.js';
import { eventually } from '../support/eventually.js';

describe('host session server protection, over real WebSockets on 127.0.0.1', () => {
  let pki: TestPki;
  let ticketKeys: TicketKeys;
  let url: string;
  let server: Subscription;
  const leases$ = new BehaviorSubject<ReadonlyMap<string, number>>(
    new Map([
      ['forest', 1],
      ['desert', 1],
    ]),
  );
  const events: SessionServerEvent[] = [];
  const clients: SyncClient[] = [];
  const sockets: WebSocket[] = [];

  before(async () => {
    pki = createTestPki();
    ticketKeys = await generateTicketKeys();
    const identity = pki.host('host-1');
    const events$ = new Subject<SessionServerEvent>();
    events$.subscribe((e) => events.push(e));
    server = sessionServer$({
      hostId: 'host-1',
      listen: { host: '127.0.0.1', port: 0 },
      settings: baseSettings,
      credentials: () => ({
        certificatePem: identity.certificatePem,
        privateKeyPem: identity.keys.privateKeyPem,
        ticketPublicKey: ticketKeys.publicKey,
        ca: pki.caCert,
      }),
      leases$,
      world: {
        rules: DEFAULT_RULES,
        updateIntervalMs: 20,
        hashEvery: 5,
        checkpointEvery: 50,
        historyTicks: 64,
        congestedBytes: 65_536,
        maxBacklogBytes: 1_048_576,
      },
      maxPendingHandshakes: 3,
    }).subscribe(events$);
    const listening = await firstValueFrom(
      events$.pipe(
        filter((e) => e.event === 'listening'),
        take(1),
        timeout(5000),
      ),
    );
    url = (listening as { url: string }).url;
  });
  after(() => {
    clients.forEach((c) => c.close());
    sockets.forEach((s) => s.terminate());
    server.unsubscribe();
  });

  const join = async (player: string, map: string) => {
    const ticket = await issueTicket(ticketKeys.privateKey, {
      player,
      map,
      host: 'host-1',
      mapEpoch: 1,
      validitySeconds: 60,
      now: Date.now(),
    });
    const client = new SyncClient(player, url, 'host-1', ticket, pki.ca.certificatePem, baseSettings);
    clients.push(client);
    return client;
  };
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
    expect(events.some((e) => e.event === 'session.closed' && e.code === 'ERR_RATE_LIMITED')).to.equal(true);
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
      events.some(
        (e) => e.event === 'session.closed' && e.player === 'bob' && e.code === 'ERR_LEASE_REVOKED',
      ),
    );
    const carlBefore = carl.deltas;
    await eventually(() => carl.deltas > carlBefore + 5);
    expect(carl.error).to.equal(undefined);
  });
});
