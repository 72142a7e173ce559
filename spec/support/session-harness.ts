import { X509Certificate } from 'node:crypto';
import {
  type Observable,
  ReplaySubject,
  Subject,
  type Subscription,
  firstValueFrom,
  filter,
  take,
  timeout,
} from 'rxjs';
import { defaultConfig } from '../../config/load-config.js';
import { type TicketKeys, generateTicketKeys, issueTicket, verifyTicket } from '../../lib/crypto/tickets.js';
import type { Message } from '../../lib/protocol/messages.js';
import type { ChannelEvent } from '../../streams/session/channel.js';
import { type Duplex, createMemoryDuplexPair } from '../../streams/session/duplex.js';
import { clientSession, hostSession } from '../../streams/session/session.js';
import { type SessionSettings, sessionSettings } from '../../streams/session/settings.js';
import { type HostIdentity, type TestPki, createTestPki } from './pki.js';

export const baseSettings: SessionSettings = { ...sessionSettings(defaultConfig), batchWindowMs: 1 };

/** One side of a running session: its events (replayed), what it sends, and how it failed. */
export interface Side {
  readonly events: ChannelEvent[];
  readonly events$: Observable<ChannelEvent>;
  readonly outbox: Subject<Message>;
  readonly error: () => { code?: string } | undefined;
  readonly subscription: Subscription;
}

const run = (events$: Observable<ChannelEvent>, outbox: Subject<Message>): Side => {
  const events: ChannelEvent[] = [];
  const replay = new ReplaySubject<ChannelEvent>(Number.POSITIVE_INFINITY);
  let failure: { code?: string } | undefined;
  const subscription = events$.subscribe({
    next: (event) => {
      events.push(event);
      replay.next(event);
    },
    error: (error: unknown) => {
      failure = error as { code?: string };
      replay.error(error);
    },
    complete: () => replay.complete(),
  });
  return { events, events$: replay.asObservable(), outbox, error: () => failure, subscription };
};

export interface Fixtures {
  readonly pki: TestPki;
  readonly host: HostIdentity;
  readonly ticketKeys: TicketKeys;
  readonly ticket: string;
}

export const createFixtures = async (): Promise<Fixtures> => {
  const pki = createTestPki();
  const ticketKeys = await generateTicketKeys();
  const ticket = await issueTicket(ticketKeys.privateKey, {
    player: 'ann',
    map: 'forest',
    host: 'host-1',
    mapEpoch: 1,
    validitySeconds: 60,
    now: Date.now(),
  });
  return { pki, host: pki.host('host-1'), ticketKeys, ticket };
};

export interface PairOptions {
  readonly settings?: Partial<SessionSettings>;
  readonly clientSettings?: Partial<SessionSettings>;
  readonly ticket?: string;
  readonly hostIdentity?: { certificatePem: string; privateKeyPem: string } | null;
  readonly ca?: X509Certificate | null;
  readonly expectedHostId?: string;
  /** Rewrites frames on their way from client to host (a man in the middle). */
  readonly clientToHost?: (frame: Buffer, send: (frame: Buffer) => void) => void;
  readonly hostToClient?: (frame: Buffer, send: (frame: Buffer) => void) => void;
}

const intercept = (duplex: Duplex, rewrite?: PairOptions['clientToHost']): Duplex =>
  rewrite === undefined ? duplex : { ...duplex, send: (frame) => rewrite(frame, duplex.send) };

/** A client and a host session over an in-memory duplex pair, with real certificates, tickets and keys. */
export const startPair = (fixtures: Fixtures, options: PairOptions = {}) => {
  const [clientEnd, hostEnd] = createMemoryDuplexPair();
  const settings = { ...baseSettings, ...options.settings };
  const hostOutbox = new Subject<Message>();
  const clientOutbox = new Subject<Message>();
  const host = run(
    hostSession(intercept(hostEnd, options.hostToClient), {
      settings,
      hostId: 'host-1',
      identity:
        options.hostIdentity === undefined
          ? { certificatePem: fixtures.host.certificatePem, privateKeyPem: fixtures.host.keys.privateKeyPem }
          : options.hostIdentity,
      verifyTicket: (ticket) =>
        verifyTicket(fixtures.ticketKeys.publicKey, ticket, { audience: 'host-1', now: Date.now() }),
      outbox$: hostOutbox,
    }),
    hostOutbox,
  );
  const client = run(
    clientSession(intercept(clientEnd, options.clientToHost), {
      settings: { ...settings, ...options.clientSettings },
      ticket: options.ticket ?? fixtures.ticket,
      hostId: options.expectedHostId ?? 'host-1',
      ca: options.ca === undefined ? new X509Certificate(fixtures.pki.ca.certificatePem) : options.ca,
      outbox$: clientOutbox,
    }),
    clientOutbox,
  );
  return {
    client,
    host,
    close: () => {
      client.subscription.unsubscribe();
      host.subscription.unsubscribe();
      clientEnd.close();
    },
  };
};

/** Resolves with the first event matching, or rejects after `ms`. */
export const nextEvent = (
  side: Side,
  match: (event: ChannelEvent) => boolean,
  ms = 5000,
): Promise<ChannelEvent> => firstValueFrom(side.events$.pipe(filter(match), take(1), timeout(ms)));

/** Resolves with the side's error code once it fails. */
export const failure = (side: Side, ms = 5000): Promise<string> =>
  firstValueFrom(
    side.events$.pipe(
      filter(() => false),
      timeout(ms),
    ),
  ).then(
    () => 'completed',
    (error: { code?: string; name?: string }) =>
      error.name === 'TimeoutError' ? 'no error' : (error.code ?? 'uncoded'),
  );
