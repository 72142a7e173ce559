import { expect } from 'chai';
import { either } from 'fp-ts';
import { type DeltaMessage, type EntityState, quantize } from '../../../lib/protocol/hot-codecs.js';
import { KIND_BYTES, decodePayload, encodePayload } from '../../../lib/protocol/messages.js';
import {
  DEFAULT_RULES,
  type World,
  addPlayer,
  applyDelta,
  applyInput,
  applyInputs,
  createWorld,
  diff,
  hashWorld,
  removePlayer,
  step,
} from '../../../lib/world/world.js';

/** A small seeded generator so property cases are random yet repeatable. */
const random = (seed: number) => () => {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return seed / 2 ** 32;
};

const randomWorld = (next: () => number, tick: number): World => {
  const entities = new Map<number, EntityState>();
  const count = Math.floor(next() * 12);
  for (let i = 0; i < count; i++) {
    const id = 1 + Math.floor(next() * 20);
    entities.set(id, {
      id,
      kind: next() < 0.5 ? 'npc' : 'player',
      x: quantize(next() * 1000),
      y: quantize(next() * 1000),
      vx: quantize(next() * 4 - 2),
      vy: quantize(next() * 4 - 2),
      hp: Math.floor(next() * 100),
    });
  }
  return { tick, entities, players: {}, lastInputs: {} };
};

const rules = DEFAULT_RULES;

describe('world model', () => {
  describe('properties over 300 random pairs of worlds', () => {
    it('should rebuild b exactly from a and diff(a, b)', () => {
      const next = random(1);
      for (let n = 0; n < 300; n++) {
        const a = randomWorld(next, n);
        const b = randomWorld(next, n + 1);
        const rebuilt = applyDelta(a, diff(a, b));
        if (rebuilt === null) throw new Error('a delta against its own baseline must apply');
        expect(hashWorld(rebuilt)).to.equal(hashWorld(b));
        expect([...rebuilt.entities.values()].sort((p, q) => p.id - q.id)).to.deep.equal(
          [...b.entities.values()].sort((p, q) => p.id - q.id),
        );
      }
    });

    it('should hash equal exactly when the worlds are equal, whatever the insertion order', () => {
      const next = random(2);
      for (let n = 0; n < 300; n++) {
        const a = randomWorld(next, 5);
        const reversed: World = { ...a, entities: new Map([...a.entities].reverse()) };
        expect(hashWorld(reversed)).to.equal(hashWorld(a));
        const b = randomWorld(next, 5);
        const equal = diff(a, b).entities.length === 0 && diff(a, b).removed.length === 0;
        expect(hashWorld(a) === hashWorld(b)).to.equal(equal);
      }
    });
  });

  describe('with values near zero, through the wire', () => {
    /** A delta as the client gets it: encoded by the host, decoded from its bytes. */
    const overTheWire = (delta: DeltaMessage): DeltaMessage => {
      const bytes = encodePayload(delta);
      const decoded = decodePayload(KIND_BYTES.delta, bytes, 0, bytes.length);
      if (either.isLeft(decoded) || decoded.right.kind !== 'delta') throw new Error('a delta must decode');
      return decoded.right;
    };

    it('should never hold -0: quantize gives +0 for every tiny negative value', () => {
      for (const value of [-0, -0.001, -0.01, -1 / 64 + 1e-9])
        expect(Object.is(quantize(value), 0)).to.equal(true);
    });

    it('should agree on the hash on host and client after every tick of 300 random walks', () => {
      const next = random(5);
      for (let n = 0; n < 300; n++) {
        const walk = { ...rules, seed: Math.floor(next() * 2 ** 31), npcCount: 20, npcSpeed: next() * 3 };
        let host = addPlayer(createWorld(walk), 'ann', walk);
        let client = host;
        for (let tick = 0; tick < 25; tick++) {
          const before = host;
          const input = { seq: tick + 1, dx: next() * 0.05 - 0.04, dy: next() * 0.05 - 0.04 };
          host = step(applyInput(host, 'ann', input, walk).world, walk);
          const delta = diff(before, host);
          const received = overTheWire({ kind: 'delta', lastInput: 0, hash: hashWorld(host), ...delta });
          const rebuilt = applyDelta(client, received);
          if (rebuilt === null) throw new Error('a delta against its own baseline must apply');
          client = rebuilt;
          expect(hashWorld(client), `walk ${n} tick ${host.tick}`).to.equal(received.hash);
        }
      }
    });
  });

  it('should give the same world when the same inputs are replayed', () => {
    const play = () => {
      let world = addPlayer(addPlayer(createWorld(rules), 'ann', rules), 'bob', rules);
      const next = random(3);
      for (let seq = 1; seq <= 200; seq++) {
        world = applyInput(
          world,
          seq % 2 === 0 ? 'ann' : 'bob',
          { seq, dx: next() * 30 - 15, dy: next() * 30 - 15 },
          rules,
        ).world;
        world = step(world, rules);
      }
      return world;
    };
    expect(hashWorld(play())).to.equal(hashWorld(play()));
    expect(play().tick).to.equal(200);
  });

  it('should keep the map alive without players: NPCs move', () => {
    const start = createWorld(rules);
    const later = step(step(start, rules), rules);
    expect(diff(start, later).entities.length).to.equal(rules.npcCount);
  });

  describe('applyInput', () => {
    const world = addPlayer(createWorld(rules), 'ann', rules);
    const ann = (w: World) => w.entities.get(w.players['ann'] as number) as EntityState;

    it('should move a player within its step', () => {
      const { world: moved, conflict } = applyInput(world, 'ann', { seq: 1, dx: 3, dy: -4 }, rules);
      expect(conflict).to.equal(false);
      expect(ann(moved)).to.include({ x: 503, y: 496 });
      expect(moved.lastInputs['ann']).to.equal(1);
    });

    it('should clamp an impossibly long step and report a conflict', () => {
      const { world: moved, conflict } = applyInput(world, 'ann', { seq: 1, dx: 300, dy: 400 }, rules);
      expect(conflict).to.equal(true);
      expect(ann(moved)).to.include({ x: 506, y: 508 });
    });

    it('should clamp a move off the map and report a conflict', () => {
      let w = world;
      for (let seq = 1; seq <= 60; seq++) w = applyInput(w, 'ann', { seq, dx: 10, dy: 0 }, rules).world;
      const { world: moved, conflict } = applyInput(w, 'ann', { seq: 61, dx: 10, dy: 0 }, rules);
      expect(ann(moved).x).to.equal(1000);
      expect(conflict).to.equal(true);
    });

    it('should ignore an input that is not newer than the last applied', () => {
      const once = applyInput(world, 'ann', { seq: 5, dx: 1, dy: 0 }, rules).world;
      expect(applyInput(once, 'ann', { seq: 5, dx: 1, dy: 0 }, rules).world).to.equal(once);
    });

    it('should apply a run of inputs (applyInputs) exactly as one after another, conflicts in order', () => {
      const next = random(11);
      const start = addPlayer(addPlayer(world, 'bob', rules), 'cy', rules);
      const players = ['ann', 'bob', 'cy', 'nobody'];
      // Seqs that repeat and go back, steps too long, and a player with no entity.
      const inputs = Array.from({ length: 300 }, () => ({
        player: players[Math.floor(next() * players.length)] as string,
        input: { seq: 1 + Math.floor(next() * 120), dx: next() * 60 - 30, dy: next() * 60 - 30 },
      }));
      let oneByOne = start;
      const conflicts: string[] = [];
      for (const { player, input } of inputs) {
        const applied = applyInput(oneByOne, player, input, rules);
        oneByOne = applied.world;
        if (applied.conflict) conflicts.push(player);
      }
      const run = applyInputs(start, inputs, rules);
      expect(hashWorld(run.world)).to.equal(hashWorld(oneByOne));
      expect(run.world.lastInputs).to.deep.equal(oneByOne.lastInputs);
      expect(run.conflicts).to.deep.equal(conflicts);
      expect(conflicts).to.not.be.empty;
      expect(applyInputs(start, [], rules).world).to.equal(start);
    });
  });

  it('should add and remove players with stable entity ids', () => {
    const w = addPlayer(addPlayer(createWorld(rules), 'ann', rules), 'bob', rules);
    expect(w.players).to.deep.equal({ ann: 1000, bob: 1001 });
    expect(removePlayer(w, 'ann').entities.has(1000)).to.equal(false);
  });
});
