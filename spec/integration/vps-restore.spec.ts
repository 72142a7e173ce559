import { expect } from 'chai';
import { filter, firstValueFrom, of, take, timeout } from 'rxjs';
import { type TicketKeys, generateTicketKeys } from '../../lib/crypto/tickets.js';
import type { Message } from '../../lib/protocol/messages.js';
import { restoreWorld } from '../../lib/world/restore.js';
import { DEFAULT_RULES } from '../../lib/world/world.js';
import type { SessionServerConfig } from '../../streams/host/session-server.js';
import { eventually } from '../support/eventually.js';
import { TEST_WORLD, type TestHostServer, startTestHostServer } from '../support/host-server.js';
import { type TestPki, createTestPki } from '../support/pki.js';

describe('VPS restore from client bundles, over real WebSockets on 127.0.0.1', () => {
  let pki: TestPki;
  let ticketKeys: TicketKeys;
  const servers: TestHostServer[] = [];

  before(async () => {
    pki = createTestPki();
    ticketKeys = await generateTicketKeys();
  });
  after(() => servers.forEach((s) => s.close()));

  const startServer = async (hostId: string, epoch: number, overrides: Partial<SessionServerConfig> = {}) => {
    const server = await startTestHostServer(pki, ticketKeys, hostId, {
      leases$: of(new Map([['forest', epoch]])),
      world: { ...TEST_WORLD, checkpointEvery: 10 },
      ...overrides,
    });
    servers.push(server);
    return server;
  };

  it('should restore the newest valid checkpoint, re-apply inputs, keep entity ids, and refuse a forged bundle', async () => {
    const host = await startServer('host-1', 1);
    const ann = await host.join('ann', { epoch: 1 });
    const bob = await host.join('bob', { epoch: 1 });
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

    const vps = await startServer('vps-1', 2, {
      restore: { windowMs: 60_000, previousOwner: () => 'host-1' },
    });
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
    const ann2 = await vps.join('ann', { epoch: 1 });
    const bob2 = await vps.join('bob', { epoch: 2 });
    const mallory = await vps.join('mallory', { epoch: 2 });
    await eventually(() => [ann2, bob2, mallory].every((c) => c.certificate !== null));
    const forged: Message = {
      ...annBundle,
      checkpoint: { ...annBundle.checkpoint, tick: annBundle.checkpoint.tick + 100 },
    };
    // The window closes as soon as ann and bob (everyone the newest checkpoint names) have brought theirs,
    // long before its 60 s: mallory's forged bundle goes first so that it is judged inside the window.
    mallory.send(forged);
    await eventually(() => bundleVerdicts.some((v) => v.player === 'mallory'));
    ann2.send(annBundle);
    bob2.send(bobBundle);

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
      10, // checkpointEvery: the ticks a bundle's inputs may walk
    );
    const expectedAnn = expected?.entities.get(annEntity as number);
    expect(onVps?.entities.get(annEntity as number)).to.include({ x: expectedAnn?.x, y: expectedAnn?.y });
    // The three moves after the checkpoint are in effect: 15 units from where the checkpoint had ann.
    const atCheckpoint = annBundle.entities.find((e) => e.id === annEntity);
    expect((expectedAnn?.x ?? 0) - (atCheckpoint?.x ?? 0)).to.equal(15);
    expect(ann2.desyncs).to.deep.equal([]);
  });

  it("should apply a late bundle's inputs to the running map", async () => {
    const host = await startServer('host-3', 1);
    const ann = await host.join('ann', { epoch: 1 });
    const bob = await host.join('bob', { epoch: 1 });
    await eventually(() => ann.kept !== null && bob.kept !== null);
    // Both keep the checkpoint they hold now, from before bob's moves: only bob's late bundle carries them.
    ann.paused = true;
    bob.paused = true;
    for (let n = 0; n < 4; n++) bob.move(0, 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const annBundle = ann.bundle();
    const bobBundle = bob.bundle();
    if (annBundle === null || bobBundle === null) throw new Error('no bundle');
    const bobEntity = bob.replica.latest?.players['bob'] as number;
    const bobAtCheckpoint = bobBundle.entities.find((e) => e.id === bobEntity);
    expect(bobBundle.inputs.map((i) => i.seq)).to.deep.equal([1, 2, 3, 4]);
    host.subscription.unsubscribe();

    const vps = await startServer('vps-3', 2, { restore: { windowMs: 100, previousOwner: () => 'host-3' } });
    const ann2 = await vps.join('ann', { epoch: 2 });
    await eventually(() => ann2.certificate !== null);
    ann2.send(annBundle);
    await eventually(() => ann2.replica.latest !== null); // the window closed without bob
    const bob2 = await vps.join('bob', { epoch: 2 });
    await eventually(() => bob2.certificate !== null);
    bob2.send(bobBundle);
    await eventually(
      () => bob2.replica.latest?.entities.get(bobEntity)?.y === (bobAtCheckpoint?.y ?? 0) + 20,
    );
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
    await vps.join('zoe', { epoch: 2 });
    expect((await restored).event).to.deep.equal({ type: 'restored', tick: null, bundles: 0 });
  });
});
