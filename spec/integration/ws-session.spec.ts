import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import {
  Subject,
  type Subscription,
  filter,
  firstValueFrom,
  map,
  switchMap,
  take,
  timeout,
  toArray,
} from 'rxjs';
import { WebSocketServer } from 'ws';
import { verifyTicket } from '../../lib/crypto/tickets.js';
import type { Message } from '../../lib/protocol/messages.js';
import type { ChannelEvent } from '../../streams/session/channel.js';
import type { Duplex } from '../../streams/session/duplex.js';
import { clientSession, hostSession } from '../../streams/session/session.js';
import { connectWebSocket, fromWebSocket } from '../../streams/session/ws-duplex.js';
import { type Fixtures, baseSettings, createFixtures } from '../support/session-harness.js';

const COUNT = 10_000;
const settings = {
  ...baseSettings,
  batchSize: 32,
  batchWindowMs: 5,
  compression: { enabled: true, threshold: 1024 },
};

/** Message n: its number, then filler; every 100th is 2 KiB so its batch crosses CompressionThreshold. */
const numbered = (n: number): Message => {
  const payload = Buffer.alloc(n % 100 === 0 ? 2048 : 24, n % 251);
  payload.writeUInt32BE(n, 0);
  return { kind: 'app', payload };
};
const numberOf = (event: ChannelEvent): number | null =>
  event.type === 'message' && event.message.kind === 'app' ? event.message.payload.readUInt32BE(0) : null;

/** Counts frames by their compressed flag as they leave. */
const countingSends = (duplex: Duplex, counts: { frames: number; compressed: number }): Duplex => ({
  ...duplex,
  send: (frame) => {
    counts.frames += 1;
    if ((frame[2] as number) & 1) counts.compressed += 1;
    duplex.send(frame);
  },
});

describe('two peers over real WebSockets on 127.0.0.1', () => {
  let fixtures: Fixtures;
  let server: WebSocketServer;
  const hostEvents$ = new Subject<ChannelEvent>();
  const hostOutbox = new Subject<Message>();
  const hostCounts = { frames: 0, compressed: 0 };
  const subscriptions: Subscription[] = [];

  before(async () => {
    fixtures = await createFixtures();
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => {
      const duplex = countingSends(fromWebSocket(socket), hostCounts);
      subscriptions.push(
        hostSession(duplex, {
          settings,
          hostId: 'host-1',
          identity: {
            certificatePem: fixtures.host.certificatePem,
            privateKeyPem: fixtures.host.keys.privateKeyPem,
          },
          verifyTicket: (ticket) =>
            verifyTicket(fixtures.ticketKeys.publicKey, ticket, { audience: 'host-1', now: Date.now() }),
          outbox$: hostOutbox,
        }).subscribe({ next: (event) => hostEvents$.next(event), error: () => duplex.close() }),
      );
    });
  });

  after(async () => {
    subscriptions.forEach((s) => s.unsubscribe());
    await new Promise((resolve) => server.close(resolve));
  });

  it('should move 10,000 messages each way through a key rotation with none lost, duplicated or reordered', async () => {
    const { port } = server.address() as AddressInfo;
    const clientOutbox = new Subject<Message>();
    const rekey$ = new Subject<void>();
    const clientCounts = { frames: 0, compressed: 0 };
    const clientEvents$ = new Subject<ChannelEvent>();
    const session = connectWebSocket(`ws://127.0.0.1:${port}`)
      .pipe(
        switchMap((duplex) =>
          clientSession(countingSends(duplex, clientCounts), {
            settings,
            ticket: fixtures.ticket,
            hostId: 'host-1',
            ca: new X509Certificate(fixtures.pki.ca.certificatePem),
            outbox$: clientOutbox,
            rekey$,
          }),
        ),
      )
      .subscribe(clientEvents$);
    subscriptions.push(session);

    const collect = (events$: Subject<ChannelEvent>) =>
      firstValueFrom(
        events$.pipe(
          map(numberOf),
          filter((n): n is number => n !== null),
          take(COUNT),
          toArray(),
          timeout(30_000),
        ),
      );
    const established = (events$: Subject<ChannelEvent>) =>
      firstValueFrom(
        events$.pipe(
          filter((e) => e.type === 'established'),
          timeout(5000),
        ),
      );
    const rotated = (events$: Subject<ChannelEvent>) =>
      firstValueFrom(
        events$.pipe(
          filter((e) => e.type === 'epoch' && e.epoch === 1),
          timeout(30_000),
        ),
      );

    const clientEstablished = established(clientEvents$);
    const hostEstablished = established(hostEvents$);
    await Promise.all([clientEstablished, hostEstablished]);
    const atHost = collect(hostEvents$);
    const atClient = collect(clientEvents$);
    const clientRotated = rotated(clientEvents$);
    const hostRotated = rotated(hostEvents$);

    for (let n = 0; n < COUNT; n++) {
      if (n === COUNT / 2) rekey$.next();
      clientOutbox.next(numbered(n));
      hostOutbox.next(numbered(n));
      // Yield now and then so the sockets interleave with sending, as in a game loop.
      if (n % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
    }

    const expected = Array.from({ length: COUNT }, (_, n) => n);
    expect(await atHost).to.deep.equal(expected);
    expect(await atClient).to.deep.equal(expected);
    await Promise.all([clientRotated, hostRotated]);
    expect(clientCounts.compressed).to.be.greaterThan(0);
    expect(hostCounts.compressed).to.be.greaterThan(0);
    expect(clientCounts.frames).to.be.below(COUNT / 4);
    session.unsubscribe();
  });
});
