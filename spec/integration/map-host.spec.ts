import { expect } from 'chai';
import { generateTicketKeys } from '../../lib/crypto/tickets.js';
import { hashWorld } from '../../lib/world/world.js';
import { DEFAULT_RULES } from '../../lib/world/world.js';
import { TEST_WORLD, type TestHostServer, startTestHostServer } from '../support/host-server.js';
import { createTestPki } from '../support/pki.js';
import type { SyncClient } from '../support/sync-client.js';
import { eventually } from '../support/eventually.js';

const world = TEST_WORLD;

describe('map host over real WebSockets on 127.0.0.1', () => {
  let server: TestHostServer;
  const hostHashes = new Map<number, string>();
  const conflicts: string[] = [];
  const clients: SyncClient[] = [];

  before(async () => {
    server = await startTestHostServer(createTestPki(), await generateTicketKeys(), 'host-1');
    server.mapEvents.subscribe(({ event }) => {
      if (event.type !== 'ticked') return;
      hostHashes.set(event.world.tick, hashWorld(event.world));
      conflicts.push(...event.conflicts);
    });
  });

  after(() => server.close());

  const join = async (player: string): Promise<SyncClient> => {
    const client = await server.join(player);
    clients.push(client);
    return client;
  };

  it('should bring 20 moving clients to the same world hash as the host', async () => {
    const twenty = await Promise.all(Array.from({ length: 20 }, (_, n) => join(`player-${n}`)));
    await eventually(() => twenty.every((c) => c.replica.latest !== null));
    for (let round = 0; round < 5; round++) {
      twenty.forEach((c, n) => c.move((n % 5) - 2, (round % 3) - 1));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const after = Math.max(...hostHashes.keys()) + 10;
    await eventually(() => twenty.every((c) => [...c.verified.keys()].some((t) => t >= after)));
    for (const client of twenty) {
      expect(client.desyncs).to.deep.equal([]);
      for (const [tick, hash] of client.verified) expect(hash).to.equal(hostHashes.get(tick));
      const own = client.latestHash();
      expect(own?.hash).to.equal(hostHashes.get(own?.tick ?? -1));
    }
    // Every player's entity is in every replica.
    const latest = twenty[0]?.replica.latest;
    expect(Object.keys(latest?.players ?? {}).length).to.be.at.least(1);
    expect(
      [...(twenty[19]?.replica.latest?.entities.values() ?? [])].filter((e) => e.kind === 'player'),
    ).to.have.length(20);
  });

  it('should clamp an impossible move and correct the client', async () => {
    const cheater = await join('cheater');
    await eventually(() => cheater.replica.latest !== null);
    const id = () => cheater.replica.latest?.players['cheater'];
    await eventually(() => id() !== undefined);
    const before = cheater.replica.latest?.entities.get(id() as number);
    cheater.move(400, 300);
    await eventually(() => conflicts.includes('cheater'));
    await eventually(() => cheater.replica.latest?.entities.get(id() as number)?.x !== before?.x);
    const after = cheater.replica.latest?.entities.get(id() as number);
    expect(Math.hypot((after?.x ?? 0) - (before?.x ?? 0), (after?.y ?? 0) - (before?.y ?? 0))).to.be.closeTo(
      DEFAULT_RULES.maxStep,
      0.001,
    );
  });

  it('should detect a corrupted client from the hash, resync it, and converge', async () => {
    const victim = await join('victim');
    await eventually(() => victim.verified.size > 0);
    // Corrupt every world the client holds with an entity the host never made: no delta will remove it.
    const corrupt = (w: NonNullable<typeof victim.replica.latest>) => ({
      ...w,
      entities: new Map(w.entities).set(999, {
        id: 999,
        kind: 'npc' as const,
        x: 1,
        y: 1,
        vx: 0,
        vy: 0,
        hp: 1,
      }),
    });
    const latest = victim.replica.latest as NonNullable<typeof victim.replica.latest>;
    victim.replica = {
      ...victim.replica,
      ring: new Map([...victim.replica.ring].map(([t, w]) => [t, corrupt(w)])),
      latest: corrupt(latest),
    };
    const verifiedBefore = Math.max(...victim.verified.keys());
    await eventually(() => victim.desyncs.length > 0);
    await eventually(() => [...victim.verified.keys()].some((t) => t > verifiedBefore + world.hashEvery));
    expect(victim.desyncs[0]).to.equal('hash');
    const own = victim.latestHash();
    expect(own?.hash).to.equal(hostHashes.get(own?.tick ?? -1));
  });

  it('should keep the update rate of the others when one client stops reading', async () => {
    const slow = await join('slow');
    const fast = await join('fast');
    await eventually(() => slow.replica.latest !== null && fast.replica.latest !== null);
    slow.paused = true; // no more acks, nothing applied: its deltas coalesce against its last ack
    const firstTick = Math.max(...hostHashes.keys());
    const fastBefore = fast.deltas;
    await eventually(() => Math.max(...hostHashes.keys()) >= firstTick + 50);
    const hostTicks = Math.max(...hostHashes.keys()) - firstTick;
    expect(fast.deltas - fastBefore).to.be.at.least(Math.floor(hostTicks * 0.9));
    slow.paused = false;
    expect(slow.error).to.equal(undefined);
  });

  it('should send signed checkpoints every CheckpointIntervalTicks', async () => {
    const keeper = clients[0] as SyncClient;
    await eventually(() => keeper.checkpoints.length >= 2);
    const [a, b] = keeper.checkpoints;
    expect((b?.tick ?? 0) - (a?.tick ?? 0)).to.equal(world.checkpointEvery);
    expect(a).to.include({ map: 'forest', epoch: 1 });
    expect(a?.hash).to.equal(hostHashes.get(a?.tick ?? -1));
  });
});
