import { expect } from 'chai';
import { either } from 'fp-ts';
import { filter, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { p2pError } from '../../../lib/errors.js';
import type { RestoreMessage } from '../../../lib/protocol/control-codecs.js';
import type { Message } from '../../../lib/protocol/messages.js';
import type { Bundle } from '../../../lib/world/restore.js';
import {
  DEFAULT_RULES,
  type World,
  addPlayer,
  applyInput,
  createWorld,
  hashWorld,
} from '../../../lib/world/world.js';
import {
  type MapPeer,
  type RestorePolicy,
  type WorldSettings,
  createMapRouter,
} from '../../../streams/host/map-router.js';
import { testScheduler } from '../../support/marbles.js';

/** No NPCs: positions in these specs are the players' alone. */
const RULES = { ...DEFAULT_RULES, npcCount: 0 };
const SETTINGS: WorldSettings = {
  // A restore window holds at most the map queue's bound of a player's inputs.
  rules: { ...RULES, maxQueuedInputs: 64 },
  updateIntervalMs: 5,
  hashEvery: 2,
  // A bundle's inputs may walk at most 10 ticks × maxStep 10 = 100 units past its checkpoint.
  checkpointEvery: 10,
  historyTicks: 8,
  maxUnackedTicks: 40,
  congestedBytes: 1 << 20,
  maxBacklogBytes: 1 << 22,
  playerGraceMs: 1000,
};
const sign = () => () => 'AAAA';

/** A checkpoint's world: each player walked east `steps[player]` inputs of 10 units from the map's centre. */
const checkpointWorld = (tick: number, steps: Readonly<Record<string, number>>): World => {
  let world = createWorld(RULES);
  for (const player of Object.keys(steps)) world = addPlayer(world, player, RULES);
  for (const [player, count] of Object.entries(steps))
    for (let seq = 1; seq <= count; seq++)
      world = applyInput(world, player, { seq, dx: 10, dy: 0 }, RULES).world;
  return { ...world, tick };
};

/** A bundle as a client sends it; the policy below takes certificate 'good' as verified (no crypto here). */
const bundleOf = (world: World, inputs: RestoreMessage['inputs'] = []): RestoreMessage => ({
  kind: 'restore',
  checkpoint: {
    kind: 'checkpoint',
    map: 'forest',
    epoch: 1,
    tick: world.tick,
    hash: hashWorld(world),
    lastInputs: world.lastInputs,
    players: world.players,
    signature: 'AAAA',
  },
  entities: [...world.entities.values()],
  certificate: 'good',
  inputs,
});

const policy = (windowMs: number, verify?: RestorePolicy['verify']): RestorePolicy => ({
  windowMs,
  verify:
    verify ??
    ((_map, _epoch, bundle: Bundle) =>
      bundle.restore.certificate === 'good'
        ? either.right(bundle)
        : either.left(p2pError('ERR_RESTORE_FORGED', 'not signed'))),
});

const peer = () => {
  const sent: Message[] = [];
  const closed: string[] = [];
  const value: MapPeer = {
    send: (m) => sent.push(m),
    bufferedAmount: () => 0,
    close: (e) => closed.push(e.code),
  };
  const refusals = () => sent.flatMap((m) => (m.kind === 'error' ? [m.code] : []));
  return { value, sent, closed, refusals };
};

const virtualTime = () => {
  const scheduler = new TestScheduler(() => undefined);
  const runUntil = (frame: number) => {
    scheduler.maxFrames = frame;
    scheduler.flush();
  };
  return { scheduler, runUntil };
};

/** The router with the newest world of `forest` kept as it ticks. */
const routerWith = (restore: RestorePolicy, scheduler: TestScheduler) => {
  const router = createMapRouter(SETTINGS, sign, scheduler, restore);
  let world: World | null = null;
  router.events$.subscribe(({ event }) => {
    if (event.type === 'ticked') world = event.world;
  });
  const entityOf = (player: string) => {
    const id = world?.players[player];
    return id === undefined ? undefined : world?.entities.get(id);
  };
  return { router, xOf: (player: string) => entityOf(player)?.x, entityOf, world: () => world };
};

describe('createMapRouter restoring a map it took over', () => {
  describe('with a stale but genuine bundle brought first, naming only its player', () => {
    // mallory kept the checkpoint of tick 20, when she was alone; at tick 200 ann had walked 200 units.
    const stale = checkpointWorld(20, { mallory: 0 });
    const newest = checkpointWorld(200, { mallory: 0, ann: 20 });

    it('should restart the map from the newest checkpoint brought within the window', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const router = createMapRouter(SETTINGS, sign, scheduler, policy(100));
        const restores$ = router.events$.pipe(
          map(({ event }) => event),
          filter((event) => event.type === 'restored' || event.type === 'bundle'),
          map((event) =>
            event.type === 'restored' ? `restored ${event.tick}` : `${event.player} ${event.code ?? 'ok'}`,
          ),
        );
        // The stale bundle names only mallory, so the map starts at once from it; ann's newer one, inside the
        // window, restarts it from tick 200.
        expectObservable(restores$, `^${'-'.repeat(148)}!`).toBe(`(ab)${'-'.repeat(26)}(cd)`, {
          a: 'mallory ok',
          b: 'restored 20',
          c: 'ann ok',
          d: 'restored 200',
        });
        scheduler.schedule(() => {
          router.attach('forest', 2, 'mallory', peer().value).message(bundleOf(stale));
        }, 0);
        scheduler.schedule(() => {
          router.attach('forest', 2, 'ann', peer().value).message(bundleOf(newest));
        }, 30);
        scheduler.schedule(() => router.close(), 150);
      });
    });

    it('should put the players back where the newest checkpoint has them, and keep their entity ids', () => {
      const { scheduler, runUntil } = virtualTime();
      const { router, xOf, world } = routerWith(policy(100), scheduler);
      const mallory = peer();
      const ann = peer();
      router.attach('forest', 2, 'mallory', mallory.value).message(bundleOf(stale));
      runUntil(30);
      router.attach('forest', 2, 'ann', ann.value).message(bundleOf(newest));
      runUntil(60);
      expect(xOf('ann')).to.equal(700);
      expect(world()?.players).to.deep.equal(newest.players);
      // Both were sent the restarted world whole.
      expect(ann.sent.filter((m) => m.kind === 'full_state').length).to.be.greaterThan(0);
      expect(mallory.sent.filter((m) => m.kind === 'full_state').length).to.equal(2);
      router.close();
    });

    it('should keep inputs the players sent meanwhile when it restarts the map', () => {
      const { scheduler, runUntil } = virtualTime();
      const { router, entityOf } = routerWith(policy(100), scheduler);
      const malloryLink = router.attach('forest', 2, 'mallory', peer().value);
      malloryLink.message(bundleOf(stale));
      runUntil(12);
      malloryLink.message({ kind: 'input', seq: 1, tick: 21, dx: 0, dy: 5 });
      runUntil(30);
      expect(entityOf('mallory')).to.include({ x: 500, y: 505 });
      router.attach('forest', 2, 'ann', peer().value).message(bundleOf(newest));
      runUntil(60);
      // Her move counts in the restarted world too, on the entity the newest checkpoint gave her.
      expect(entityOf('mallory')).to.include({ id: newest.players['mallory'], x: 500, y: 505 });
      router.close();
    });

    it('should not restart the map for a newer bundle once the window is over: its inputs count, nothing else', () => {
      const { scheduler, runUntil } = virtualTime();
      const { router, xOf } = routerWith(policy(20), scheduler);
      const mallory = peer();
      const ann = peer();
      router.attach('forest', 2, 'mallory', mallory.value).message(bundleOf(stale));
      runUntil(40);
      router.attach('forest', 2, 'ann', ann.value).message(bundleOf(newest));
      runUntil(60);
      expect(xOf('ann')).to.equal(500);
      router.close();
    });
  });

  describe('with a window that collects bundles', () => {
    it('should wait for every player the newest checkpoint names, then start from it', () => {
      const { scheduler, runUntil } = virtualTime();
      const restored: (number | null)[] = [];
      const router = createMapRouter(SETTINGS, sign, scheduler, policy(100));
      router.events$.subscribe(({ event }) => event.type === 'restored' && restored.push(event.tick));
      const both = checkpointWorld(50, { ann: 1, bob: 2 });
      router.attach('forest', 2, 'ann', peer().value).message(bundleOf(both));
      runUntil(10);
      expect(restored).to.deep.equal([]);
      router.attach('forest', 2, 'bob', peer().value).message(bundleOf(both));
      expect(restored).to.deep.equal([50]);
      router.close();
    });

    it('should close at RestoreWindowMS on the scheduler when nobody brings one', () => {
      const scheduler = testScheduler();
      scheduler.run(({ expectObservable }) => {
        const router = createMapRouter(SETTINGS, sign, scheduler, policy(100));
        const restored$ = router.events$.pipe(
          map(({ event }) => event),
          filter((event) => event.type === 'restored'),
        );
        expectObservable(restored$, `^${'-'.repeat(148)}!`).toBe(`${'-'.repeat(110)}r`, {
          r: { type: 'restored', tick: null, bundles: 0 },
        });
        scheduler.schedule(() => void router.attach('forest', 2, 'zoe', peer().value), 10);
        scheduler.schedule(() => router.close(), 150);
      });
    });
  });

  describe('with one player flooding inputs during the window', () => {
    it("should hold inputs per player, so another player's inputs are not pushed out", () => {
      const { scheduler, runUntil } = virtualTime();
      const { router, xOf } = routerWith(policy(100), scheduler);
      const mallory = router.attach('forest', 2, 'mallory', peer().value);
      const ann = router.attach('forest', 2, 'ann', peer().value);
      for (let seq = 1; seq <= 5000; seq++) mallory.message({ kind: 'input', seq, tick: 0, dx: 0, dy: 0.25 });
      ann.message({ kind: 'input', seq: 1, tick: 0, dx: 5, dy: 0 });
      runUntil(110);
      expect(xOf('ann')).to.equal(505);
      router.close();
    });

    it('should drop and count what passes the per-player bound, cut that connection, and apply none past it', () => {
      const { scheduler, runUntil } = virtualTime();
      const { router, entityOf } = routerWith(policy(100), scheduler);
      const dropped: unknown[] = [];
      router.events$.subscribe(({ event }) => event.type === 'dropped' && dropped.push(event));
      const mallory = peer();
      const link = router.attach('forest', 2, 'mallory', mallory.value);
      for (let seq = 1; seq <= 5000; seq++) link.message({ kind: 'input', seq, tick: 0, dx: 0, dy: 1 });
      expect(mallory.closed).to.deep.equal(['ERR_INPUT_FLOOD']);
      // She comes back on a new connection before the map starts and sends again what she has no answer for:
      // what is held already is held once.
      const again = peer();
      const link2 = router.attach('forest', 2, 'mallory', again.value);
      for (let seq = 1; seq <= 64; seq++) link2.message({ kind: 'input', seq, tick: 0, dx: 0, dy: 1 });
      runUntil(105);
      expect(again.closed).to.deep.equal([]);
      expect(dropped).to.deep.equal([{ type: 'dropped', player: 'mallory', what: 'held', count: 5000 - 64 }]);
      // Once the map runs, the rest: each input applied once and in order, 70 steps of 1 in all.
      for (let seq = 65; seq <= 70; seq++) link2.message({ kind: 'input', seq, tick: 0, dx: 0, dy: 1 });
      runUntil(300);
      expect(entityOf('mallory')?.y).to.equal(570);
      router.close();
    });
  });

  describe('with inputs in a bundle the player never sent', () => {
    const checkpoint = checkpointWorld(30, { mallory: 0 });
    const forged = Array.from({ length: 300 }, (_, n) => ({ seq: n + 1, tick: 30, dx: 5, dy: 0 }));

    it('should move the player no farther than playing could from the checkpoint (10 ticks × maxStep)', () => {
      const { scheduler, runUntil } = virtualTime();
      const { router, xOf } = routerWith(policy(100), scheduler);
      router.attach('forest', 2, 'mallory', peer().value).message(bundleOf(checkpoint, forged));
      runUntil(20);
      expect(xOf('mallory')).to.equal(600);
      router.close();
    });

    it('should bound a late bundle the same way', () => {
      const { scheduler, runUntil } = virtualTime();
      const { router, xOf } = routerWith(policy(10), scheduler);
      const other = checkpointWorld(30, { mallory: 0, ann: 0 });
      router.attach('forest', 2, 'ann', peer().value);
      runUntil(20);
      router.attach('forest', 2, 'mallory', peer().value).message(bundleOf(other, forged));
      // A running map applies at most maxStep of a player's walk per tick: 100 units take 10 ticks.
      runUntil(200);
      expect(xOf('mallory')).to.equal(600);
      router.close();
    });
  });

  describe('with bundles that fail', () => {
    it('should refuse a second bundle from a player with ERR_RESTORE_REPEATED', () => {
      const { scheduler, runUntil } = virtualTime();
      const router = createMapRouter(SETTINGS, sign, scheduler, policy(100));
      const ann = peer();
      const link = router.attach('forest', 2, 'ann', ann.value);
      const world = checkpointWorld(30, { ann: 0, bob: 0 });
      link.message(bundleOf(world));
      link.message(bundleOf(world));
      runUntil(200);
      link.message(bundleOf(world));
      expect(ann.refusals()).to.deep.equal(['ERR_RESTORE_REPEATED', 'ERR_RESTORE_REPEATED']);
      router.close();
    });

    it('should answer a verification that throws with ERR_RESTORE_INVALID to that player alone', () => {
      const { scheduler, runUntil } = virtualTime();
      const { router, xOf } = routerWith(
        policy(100, () => {
          throw new RangeError('The value of "value" is out of range.');
        }),
        scheduler,
      );
      const mallory = peer();
      const ann = peer();
      const link = router.attach('forest', 2, 'mallory', mallory.value);
      router.attach('forest', 2, 'ann', ann.value).message({ kind: 'input', seq: 1, tick: 0, dx: 5, dy: 0 });
      expect(() => link.message(bundleOf(checkpointWorld(30, { mallory: 0 })))).not.to.throw();
      runUntil(120);
      expect(mallory.refusals()).to.deep.equal(['ERR_RESTORE_INVALID']);
      expect(ann.refusals()).to.deep.equal([]);
      expect(xOf('ann')).to.equal(505);
      router.close();
    });

    it("should cut a map's players with ERR_MAP_FAILED when its tick fails, and keep the router running", () => {
      const { scheduler, runUntil } = virtualTime();
      const router = createMapRouter(SETTINGS, sign, scheduler, policy(100));
      const failed: string[] = [];
      router.events$.subscribe(({ event }) => event.type === 'failed' && failed.push(event.code));
      // What verification lets through is trusted by the map: an entity the world hash cannot hold makes
      // its tick throw. Whatever throws, the map's players get a code and the process goes on.
      const world = checkpointWorld(30, { mallory: 0 });
      const broken = {
        ...bundleOf(world),
        entities: bundleOf(world).entities.map((e) => ({ ...e, hp: 70_000 })),
      };
      const mallory = peer();
      router.attach('forest', 2, 'mallory', mallory.value).message(broken);
      expect(() => runUntil(50)).not.to.throw();
      expect(mallory.closed).to.deep.equal(['ERR_MAP_FAILED']);
      expect(failed).to.deep.equal(['ERR_MAP_FAILED']);
      expect([...router.maps()]).to.deep.equal([]);
      router.close();
    });
  });
});
