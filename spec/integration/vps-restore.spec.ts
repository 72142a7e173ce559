import { expect } from 'chai';
import { Subject, type Subscription, filter, firstValueFrom, of, take, timeout } from 'rxjs';
import { type TicketKeys, generateTicketKeys, issueTicket } from '../../lib/crypto/tickets.js';
import type { Message } from '../../lib/protocol/messages.js';
import { restoreWorld } from '../../lib/world/restore.js';
import { DEFAULT_RULES } from '../../lib/world/world.js';
import type { MapHostEvent } from '../../streams/host/map-host.js';
import type { RestoreEvent, WorldSettings } from '../../streams/host/map-router.js';
import {
  type SessionServerConfig,
  type SessionServerEvent,
  sessionServer$,
} from '../../streams/host/session-server.js';
import { type TestPki, createTestPki } from '../support/pki.js';
import { baseSettings } from '../support/session-harness.js';
import { SyncClient } from '../support/sync-client.js';
import { eventually } from '../support/eventually.js';

const world: WorldSettings = {
  rules: DEFAULT_RULES,
  updateIntervalMs: 20,
  hashEvery: 5,
  checkpointEvery: 10,
  historyTicks: 64,
  congestedBytes: 65_536,
  maxBacklogBytes: 1_048_576,
};

describe('VPS restore from client bundles, over real WebSockets on 127.0.0.1', () => {
  let pki: TestPki;
  let ticketKeys: TicketKeys;
  const subscriptions: Subscription[] = [];
  const clients: SyncClient[] = [];

  before(async () => {
    pki = createTestPki();
    ticketKeys = await generateTicketKeys();
  });
  after(() => {
    clients.forEach((c) => c.close());
    subscriptions.forEach((s) => s.unsubscribe());
  });

  const startServer = async (hostId: string, epoch: number, extra: Partial<SessionServerConfig> = {}) => {
    const identity = pki.host(hostId);
    const events$ = new Subject<SessionServerEvent>();
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
      leases$: of(new Map([['forest', epoch]])),
      world,
      maxPendingHandshakes: 64,
      mapEvents,
      ...extra,
    }).subscribe(events$);
    subscriptions.push(subscription);
    const listening = await firstValueFrom(
      events$.pipe(
        filter((e) => e.event === 'listening'),
        take(1),
        timeout(5000),
      ),
    );
    return { url: (listening as { url: string }).url, mapEvents, subscription };
  };

  const client = async (player: string, url: string, hostId: string, epoch: number) => {
    const ticket = await issueTicket(ticketKeys.privateKey, {
      player,
      map: 'forest',
      host: hostId,
      mapEpoch: epoch,
      validitySeconds: 60,
      now: Date.now(),
    });
    const created = new SyncClient(player, url, hostId, ticket, pki.ca.certificatePem, baseSettings);
    clients.push(created);
    return created;
  };

  it('should restore the newest valid checkpoint, re-apply inputs, keep entity ids, and refuse a forged bundle', async () => {
    const host = await startServer('host-1', 1);
    const ann = await client('ann', host.url, 'host-1', 1);
    const bob = await client('bob', host.url, 'host-1', 1);
    await eventually(() => ann.kept !== null && bob.kept !== null);
    bob.paused = true; // bob's newest checkpoint stays behind ann's
    const bobTick = bob.kept?.checkpoint.tick ?? 0;
    await eventually(() => (ann.kept?.checkpoint.tick ?? 0) > bobTick);
    for (let n = 0; n < 3; n++) ann.move(5, 0); // after ann's checkpoint: must be re-applied on the VPS
    await new Promise((resolve) => setTimeout(resolve, 100));

    const annBundle = ann.bundle();
    const bobBundle = bob.bundle();
    if (annBundle === null || bobBundle === null) throw new Error('no bundle');
    expect(annBundle.inputs.map((i) => i.seq)).to.include(ann.inputs.length);
    const annEntity = ann.replica.latest?.players['ann'];
    host.subscription.unsubscribe(); // the host is gone

    const vps = await startServer('vps-1', 2, { restore: { windowMs: 400, previousOwner: () => 'host-1' } });
    const restored = firstValueFrom(
      vps.mapEvents.pipe(
        filter(({ event }) => event.type === 'restored'),
        take(1),
        timeout(5000),
      ),
    );
    const bundleVerdicts: { player: string; code: string | null }[] = [];
    vps.mapEvents.subscribe(({ event }) => {
      if (event.type === 'bundle') bundleVerdicts.push({ player: event.player, code: event.code });
    });
    const ann2 = await client('ann', vps.url, 'vps-1', 1);
    const bob2 = await client('bob', vps.url, 'vps-1', 2);
    const mallory = await client('mallory', vps.url, 'vps-1', 2);
    await eventually(() => [ann2, bob2, mallory].every((c) => c.certificate !== null));
    const forged: Message = {
      ...annBundle,
      checkpoint: { ...annBundle.checkpoint, tick: annBundle.checkpoint.tick + 100 },
    };
    ann2.send(annBundle);
    bob2.send(bobBundle);
    mallory.send(forged);

    const { event } = await restored;
    expect(event).to.deep.equal({ type: 'restored', tick: annBundle.checkpoint.tick, bundles: 2 });
    expect(bundleVerdicts).to.deep.include({ player: 'mallory', code: 'ERR_RESTORE_FORGED' });
    await eventually(() => mallory.refusals.includes('ERR_RESTORE_FORGED'));

    await eventually(() => ann2.replica.latest !== null);
    const onVps = ann2.replica.latest;
    expect(onVps?.players['ann']).to.equal(annEntity);
    const expected = restoreWorld(
      [
        { player: 'ann', restore: annBundle },
        { player: 'bob', restore: bobBundle },
      ],
      DEFAULT_RULES,
    );
    const expectedAnn = expected?.entities.get(annEntity as number);
    expect(onVps?.entities.get(annEntity as number)).to.include({ x: expectedAnn?.x, y: expectedAnn?.y });
    // The three moves after the checkpoint are in effect: 15 units from where the checkpoint had ann.
    const atCheckpoint = annBundle.entities.find((e) => e.id === annEntity);
    expect((expectedAnn?.x ?? 0) - (atCheckpoint?.x ?? 0)).to.equal(15);
    expect(ann2.desyncs).to.deep.equal([]);
  });

  it('should start the map empty when no bundle is valid', async () => {
    const vps = await startServer('vps-2', 2, { restore: { windowMs: 100, previousOwner: () => 'host-1' } });
    const restored = firstValueFrom(
      vps.mapEvents.pipe(
        filter(({ event }) => event.type === 'restored'),
        take(1),
        timeout(5000),
      ),
    );
    await client('zoe', vps.url, 'vps-2', 2);
    expect((await restored).event).to.deep.equal({ type: 'restored', tick: null, bundles: 0 });
  });
});
