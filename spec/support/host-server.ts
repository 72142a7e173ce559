import { Subject, type Subscription, filter, firstValueFrom, of, take, timeout } from 'rxjs';
import { type TicketKeys, issueTicket } from '../../lib/crypto/tickets.js';
import { DEFAULT_RULES } from '../../lib/world/world.js';
import type { MapHostEvent } from '../../streams/host/map-host.js';
import type { RestoreEvent, WorldSettings } from '../../streams/host/map-router.js';
import {
  type SessionServerConfig,
  type SessionServerEvent,
  sessionServer$,
} from '../../streams/host/session-server.js';
import type { TestPki } from './pki.js';
import { baseSettings } from './session-harness.js';
import { SyncClient } from './sync-client.js';

/** A fast world for specs: 20 ms ticks, a hash every 5 ticks. */
export const TEST_WORLD: WorldSettings = {
  rules: DEFAULT_RULES,
  updateIntervalMs: 20,
  hashEvery: 5,
  checkpointEvery: 25,
  historyTicks: 64,
  maxUnackedTicks: 40,
  congestedBytes: 65_536,
  maxBacklogBytes: 1_048_576,
  playerGraceMs: 2000,
};

export interface TestHostServer {
  readonly url: string;
  readonly events: SessionServerEvent[];
  readonly mapEvents: Subject<{ readonly map: string; readonly event: MapHostEvent | RestoreEvent }>;
  readonly subscription: Subscription;
  /** A syncing client with a real ticket for this host (map `forest`, epoch 1 unless told). */
  readonly join: (
    player: string,
    ticket?: { readonly map?: string; readonly epoch?: number },
  ) => Promise<SyncClient>;
  /** Closes every client it made, then the server. */
  readonly close: () => void;
}

/** A real host session server on 127.0.0.1 with its own certificate, holding `forest` under epoch 1. */
export const startTestHostServer = async (
  pki: TestPki,
  ticketKeys: TicketKeys,
  hostId: string,
  overrides: Partial<SessionServerConfig> = {},
): Promise<TestHostServer> => {
  const identity = pki.host(hostId);
  const events: SessionServerEvent[] = [];
  const events$ = new Subject<SessionServerEvent>();
  events$.subscribe((event) => events.push(event));
  const mapEvents = new Subject<{ map: string; event: MapHostEvent | RestoreEvent }>();
  const subscription = sessionServer$({
    hostId,
    listen: { host: '127.0.0.1', port: 0 },
    settings: baseSettings,
    credentials: () => ({
      certificatePem: identity.certificatePem,
      privateKeyPem: identity.keys.privateKeyPem,
      ticketPublicKey: ticketKeys.publicKey,
      ca: pki.caCert,
    }),
    leases$: of(new Map([['forest', 1]])),
    world: TEST_WORLD,
    maxPendingHandshakes: 64,
    mapEvents,
    ...overrides,
  }).subscribe(events$);
  const listening = await firstValueFrom(
    events$.pipe(
      filter((e) => e.event === 'listening'),
      take(1),
      timeout(5000),
    ),
  );
  const url = (listening as { url: string }).url;
  const clients: SyncClient[] = [];
  return {
    url,
    events,
    mapEvents,
    subscription,
    join: async (player, ticket = {}) => {
      const token = await issueTicket(ticketKeys.privateKey, {
        player,
        map: ticket.map ?? 'forest',
        host: hostId,
        mapEpoch: ticket.epoch ?? 1,
        validitySeconds: 60,
        now: Date.now(),
      });
      const client = new SyncClient(player, url, hostId, token, pki.ca.certificatePem, baseSettings);
      clients.push(client);
      return client;
    },
    close: () => {
      clients.forEach((c) => c.close());
      subscription.unsubscribe();
    },
  };
};
