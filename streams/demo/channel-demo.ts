import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Observable, Subject, Subscription, filter, firstValueFrom, switchMap, take, timeout } from 'rxjs';
import { WebSocketServer } from 'ws';
import { defaultConfig } from '../../config/load-config.js';
import { createCertificateAuthority, issueLocalHostIdentity } from '../../lib/crypto/pki.js';
import { generateTicketKeys, issueTicket, verifyTicket } from '../../lib/crypto/tickets.js';
import type { Message } from '../../lib/protocol/messages.js';
import type { ChannelEvent } from '../session/channel.js';
import { clientSession, hostSession } from '../session/session.js';
import { sessionSettings } from '../session/settings.js';
import { connectWebSocket, fromWebSocket } from '../session/ws-duplex.js';

/**
 * What `warp-p2p demo` shows until the full demo (coordinator, hosts, VPS, failover) lands: a real host and a
 * real client on 127.0.0.1 with a generated CA, a signed ticket, the verified handshake, encrypted traffic both
 * ways, and a key rotation in the middle. Emits one line per step and completes; everything it opened is
 * closed on completion or unsubscribe.
 */
export const channelDemo$ = (messages = 1000): Observable<string> =>
  new Observable<string>((out) => {
    const subscriptions = new Subscription();
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const listening = new Promise((resolve) => server.once('listening', resolve));
    const run = async () => {
      const now = Date.now();
      const ca = createCertificateAuthority('warp-p2p demo CA', 3600, now);
      const host = issueLocalHostIdentity(ca, 'host-1', 3600, now);
      out.next('coordinator: CA created; host-1 proved its key with a CSR and got a certificate (CN=host-1)');
      const ticketKeys = await generateTicketKeys();
      const ticket = await issueTicket(ticketKeys.privateKey, {
        player: 'ann',
        map: 'forest',
        host: 'host-1',
        mapEpoch: 1,
        validitySeconds: defaultConfig.P2P_SECURITY.TokenValiditySeconds,
        now,
      });
      out.next('coordinator: signed a ticket for player ann on map forest, audience host-1 (EdDSA JWT)');

      const settings = sessionSettings(defaultConfig);
      const hostOutbox = new Subject<Message>();
      const hostEvents$ = new Subject<ChannelEvent>();
      await listening;
      server.on('connection', (socket) => {
        subscriptions.add(
          hostSession(fromWebSocket(socket), {
            settings,
            hostId: 'host-1',
            identity: { certificatePem: host.certificatePem, privateKeyPem: host.keys.privateKeyPem },
            verifyTicket: (t) =>
              verifyTicket(ticketKeys.publicKey, t, { audience: 'host-1', now: Date.now() }),
            outbox$: hostOutbox,
          }).subscribe(hostEvents$),
        );
      });
      const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
      out.next(`host-1: listening ${url}`);

      const clientOutbox = new Subject<Message>();
      const clientEvents$ = new Subject<ChannelEvent>();
      const rekey$ = new Subject<void>();
      const when = (events$: Subject<ChannelEvent>, match: (e: ChannelEvent) => boolean) =>
        firstValueFrom(events$.pipe(filter(match), take(1), timeout(10_000)));
      const established = when(clientEvents$, (e) => e.type === 'established');
      subscriptions.add(
        connectWebSocket(url)
          .pipe(
            switchMap((duplex) =>
              clientSession(duplex, {
                settings,
                ticket,
                hostId: 'host-1',
                ca: new X509Certificate(ca.certificatePem),
                outbox$: clientOutbox,
                rekey$,
              }),
            ),
          )
          .subscribe(clientEvents$),
      );
      await established;
      out.next(
        'client: verified host-1 (certificate chain, validity, subject, transcript signature); channel is AES-256-GCM',
      );

      let received = 0;
      const last = when(
        hostEvents$,
        (e) => e.type === 'message' && e.message.kind === 'app' && ++received === messages,
      );
      const rotated = when(clientEvents$, (e) => e.type === 'epoch');
      for (let n = 0; n < messages; n++) {
        if (n === messages / 2) rekey$.next();
        clientOutbox.next({ kind: 'app', payload: Buffer.from(`input ${n}`) });
      }
      await Promise.all([last, rotated]);
      out.next(
        `client → host-1: ${messages} messages delivered in order, keys rotated to epoch 1 halfway through`,
      );
      out.next(
        'done. The full demo (coordinator, two hosts, the VPS, bot players, a killed host, the failover) arrives with the client library.',
      );
    };
    run().then(
      () => out.complete(),
      (error: unknown) => out.error(error),
    );
    return () => {
      subscriptions.unsubscribe();
      for (const client of server.clients) client.terminate();
      server.close();
    };
  });
