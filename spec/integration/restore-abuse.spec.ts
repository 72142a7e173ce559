import { expect } from 'chai';
import { of } from 'rxjs';
import { type TicketKeys, generateTicketKeys } from '../../lib/crypto/tickets.js';
import type { Message } from '../../lib/protocol/messages.js';
import { DEFAULT_RULES } from '../../lib/world/world.js';
import type { SessionServerConfig } from '../../streams/host/session-server.js';
import { eventually } from '../support/eventually.js';
import { TEST_WORLD, type TestHostServer, startTestHostServer } from '../support/host-server.js';
import { type TestPki, createTestPki } from '../support/pki.js';
import type { SyncClient } from '../support/sync-client.js';

type Bundle = Extract<Message, { kind: 'restore' }>;

/** Checkpoints every 10 ticks of 20 ms: a bundle's inputs may then walk at most 10 × maxStep = 100 units. */
const CHECKPOINT_EVERY = 10;

/**
 * The state updates a playing client got per tick its world advanced while `attack` ran and for 25 ticks after:
 * a ratio of counts, not of times (a server that stops ticking fails the wait instead).
 */
const updatesPerTick = async (client: SyncClient, attack: () => Promise<void>): Promise<number> => {
  const deltas = client.deltas;
  const tick = client.replica.latest?.tick ?? 0;
  await attack();
  await eventually(() => (client.replica.latest?.tick ?? 0) >= tick + 25);
  return (client.deltas - deltas) / ((client.replica.latest?.tick ?? 0) - tick);
};

/** The codes a player's sessions on a server closed with. */
const closedCodes = (server: TestHostServer, player: string) =>
  server.events.flatMap((e) => (e.event === 'session.closed' && e.player === player ? [e.code] : []));

const entityOf = (client: SyncClient, player: string) => {
  const world = client.replica.latest;
  const id = world?.players[player];
  return id === undefined ? undefined : world?.entities.get(id);
};

describe('VPS restore under attack, over real WebSockets on 127.0.0.1', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let ticketKeys: TicketKeys;
  const servers: TestHostServer[] = [];

  before(async () => {
    pki = createTestPki();
    ticketKeys = await generateTicketKeys();
  });
  afterEach(() => {
    servers.forEach((s) => s.close());
    servers.length = 0;
  });

  const startServer = async (hostId: string, epoch: number, overrides: Partial<SessionServerConfig> = {}) => {
    const server = await startTestHostServer(pki, ticketKeys, hostId, {
      leases$: of(new Map([['forest', epoch]])),
      world: { ...TEST_WORLD, checkpointEvery: CHECKPOINT_EVERY },
      ...overrides,
    });
    servers.push(server);
    return server;
  };
  const vpsAfter = (previousOwner: string, windowMs: number) =>
    startServer('vps-1', 2, { restore: { windowMs, previousOwner: () => previousOwner } });
  /** A client on the VPS whose secure channel is up. */
  const joinVps = async (vps: TestHostServer, player: string) => {
    const client = await vps.join(player, { epoch: 2 });
    await eventually(() => client.certificate !== null);
    return client;
  };
  /** Players on host-1 until each keeps a checkpoint; then host-1 is gone and their bundles are what is left. */
  const bundlesFromLostHost = async (players: readonly string[]) => {
    const host = await startServer('host-1', 1);
    const clients = await Promise.all(players.map((p) => host.join(p)));
    await eventually(() => clients.every((c) => c.kept !== null));
    const bundles = clients.map((c) => c.bundle());
    host.close();
    return bundles.map((b) => {
      if (b === null) throw new Error('no bundle');
      return b;
    });
  };

  describe('with a bundle holding a value outside its type (a genuine checkpoint, an edited snapshot)', () => {
    it('should refuse hp 70000 at the decoder, cut a connection that insists, and keep the VPS and ann playing', async () => {
      const [annBundle, malloryBundle] = (await bundlesFromLostHost(['ann', 'mallory'])) as [Bundle, Bundle];
      const poisoned: Bundle = {
        ...malloryBundle,
        entities: malloryBundle.entities.map((e) => ({ ...e, hp: 70_000 })),
      };
      const vps = await vpsAfter('host-1', 300);
      const verdicts: { player: string; code: string | null }[] = [];
      vps.mapEvents.subscribe(({ event }) => event.type === 'bundle' && verdicts.push(event));
      const ann = await joinVps(vps, 'ann');
      const mallory = await joinVps(vps, 'mallory');
      mallory.send(poisoned);
      ann.send(annBundle);
      await eventually(() => ann.replica.latest !== null);
      // Refused before any verdict: the session's decoder drops it as a rejected message (ERR_MESSAGE_INVALID).
      expect(verdicts).to.deep.equal([{ type: 'bundle', player: 'ann', code: null }]);

      const ratio = await updatesPerTick(ann, async () => {
        for (let n = 0; n < 40; n++) mallory.send(poisoned);
        await eventually(() => closedCodes(vps, 'mallory').length > 0);
      });
      expect(closedCodes(vps, 'mallory')).to.deep.equal(['ERR_TOO_MANY_REJECTIONS']);
      expect(ratio).to.be.at.least(0.9);
      expect(ann.error).to.equal(undefined);
    });

    it('should answer a bundle the decoder passes but the restore refuses with ERR_RESTORE_INVALID, to that player alone', async () => {
      const [annBundle, malloryBundle] = (await bundlesFromLostHost(['ann', 'mallory'])) as [Bundle, Bundle];
      // Each entity in range, but one id twice: the hash would cover only one of them.
      const twice: Bundle = {
        ...malloryBundle,
        entities: [...malloryBundle.entities, ...malloryBundle.entities.slice(0, 1)],
      };
      const vps = await vpsAfter('host-1', 300);
      const ann = await joinVps(vps, 'ann');
      const mallory = await joinVps(vps, 'mallory');
      mallory.send(twice);
      ann.send(annBundle);
      await eventually(() => mallory.refusals.includes('ERR_RESTORE_INVALID'));
      await eventually(() => ann.replica.latest !== null);
      const ratio = await updatesPerTick(ann, async () => {
        for (let n = 0; n < 10; n++) mallory.send(twice);
        await eventually(() => mallory.refusals.length >= 11);
      });
      expect(new Set(mallory.refusals)).to.deep.equal(new Set(['ERR_RESTORE_INVALID']));
      expect(ann.refusals).to.deep.equal([]);
      expect(ratio).to.be.at.least(0.9);
    });
  });

  describe('with a stale but genuine bundle brought first, naming only its player', () => {
    it('should restart the map from the newest checkpoint any bundle proves, where the others were', async () => {
      const host = await startServer('host-1', 1);
      const mallory = await host.join('mallory');
      await eventually(() => mallory.kept !== null);
      mallory.paused = true; // she keeps the checkpoint of when she was alone on the map
      const ann = await host.join('ann');
      await eventually(() => ann.replica.latest !== null);
      for (let n = 0; n < 20; n++) ann.move(10, 0);
      await eventually(() => ann.kept?.checkpoint.lastInputs['ann'] === 20);
      const stale = mallory.bundle();
      const newest = ann.bundle();
      if (stale === null || newest === null) throw new Error('no bundle');
      expect(Object.keys(stale.checkpoint.players)).to.deep.equal(['mallory']);
      host.close();

      const vps = await vpsAfter('host-1', 10_000);
      const restored: (number | null)[] = [];
      vps.mapEvents.subscribe(({ event }) => event.type === 'restored' && restored.push(event.tick));
      const mallory2 = await joinVps(vps, 'mallory');
      mallory2.send(stale);
      await eventually(() => restored.length === 1); // everyone her checkpoint names is here: it starts at once
      const ann2 = await joinVps(vps, 'ann');
      ann2.send(newest);
      await eventually(() => restored.length === 2);
      expect(restored).to.deep.equal([stale.checkpoint.tick, newest.checkpoint.tick]);

      const annId = newest.checkpoint.players['ann'];
      const atCheckpoint = newest.entities.find((e) => e.id === annId);
      expect(atCheckpoint?.x).to.equal(DEFAULT_RULES.width / 2 + 200);
      await eventually(
        () => entityOf(ann2, 'ann')?.id === annId && entityOf(ann2, 'ann')?.x === atCheckpoint?.x,
      );
      await eventually(() => entityOf(mallory2, 'ann')?.x === atCheckpoint?.x);
    });
  });

  describe('with many connections flooding inputs while the window is open', () => {
    it("should hold inputs per player: ann's move counts though others sent more than the old shared 4096", async () => {
      const vps = await vpsAfter('host-1', 3000);
      // Each stays within what a connection may send at once (MaxQueuedInputs), together past 4096.
      const attackers = await Promise.all(Array.from({ length: 17 }, (_, n) => joinVps(vps, `bot${n}`)));
      const ann = await joinVps(vps, 'ann');
      for (const bot of attackers) for (let n = 0; n < 250; n++) bot.move(0, 0.25);
      await new Promise((resolve) => setTimeout(resolve, 200)); // their inputs arrive first
      ann.move(5, 0);
      await eventually(() => entityOf(ann, 'ann')?.x === DEFAULT_RULES.width / 2 + 5, 10_000);
    });
  });

  describe('with inputs the player never sent, written into its own bundle', () => {
    it('should move the player no farther than playing could between checkpoints (10 ticks × maxStep)', async () => {
      const [bundle] = (await bundlesFromLostHost(['mallory'])) as [Bundle];
      const since = bundle.checkpoint.lastInputs['mallory'] ?? 0;
      const inputs = Array.from({ length: 300 }, (_, n) => ({
        seq: since + n + 1,
        tick: bundle.checkpoint.tick,
        dx: 5,
        dy: 0,
      }));
      const id = bundle.checkpoint.players['mallory'];
      const start = bundle.entities.find((e) => e.id === id)?.x ?? 0;
      const vps = await vpsAfter('host-1', 2000);
      const mallory = await joinVps(vps, 'mallory');
      mallory.send({ ...bundle, inputs });
      await eventually(() => entityOf(mallory, 'mallory') !== undefined);
      expect((entityOf(mallory, 'mallory')?.x ?? 0) - start).to.equal(
        CHECKPOINT_EVERY * DEFAULT_RULES.maxStep,
      );
    });
  });
});
