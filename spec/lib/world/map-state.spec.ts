import { expect } from 'chai';
import { type MapRules, type MapState, advanceMap, initialMapState } from '../../../lib/world/map-state.js';
import { DEFAULT_RULES, createWorld } from '../../../lib/world/world.js';

const rules: MapRules = {
  map: 'forest',
  epoch: 1,
  world: DEFAULT_RULES,
  hashEvery: 1000,
  checkpointEvery: 1000,
  historyTicks: 4,
  maxUnackedTicks: 100,
  sign: () => 'AAAA',
};

describe('advanceMap history', () => {
  it("should keep only the worlds clients' next deltas are against, back to historyTicks", () => {
    let state: MapState = initialMapState(createWorld(DEFAULT_RULES));
    const tick = (congested: string[]) => {
      const step = advanceMap(state, [], new Set(congested), rules);
      state = step.state;
      return step.out.map(({ player, message }) =>
        message.kind === 'delta' ? `${player}:delta/${message.baseTick}` : `${player}:${message.kind}`,
      );
    };
    state = advanceMap(
      state,
      [
        { type: 'join', player: 'ann' },
        { type: 'join', player: 'bob' },
      ],
      new Set(),
      rules,
    ).state;
    expect([...state.history.keys()]).to.deep.equal([1]);

    expect(tick([])).to.deep.equal(['ann:delta/1', 'bob:delta/1']);
    expect([...state.history.keys()]).to.deep.equal([2]);

    // Bob is backed up: his last tick sent stays, for his next delta; nothing between is kept.
    expect(tick(['bob'])).to.deep.equal(['ann:delta/2']);
    expect(tick(['bob'])).to.deep.equal(['ann:delta/3']);
    expect([...state.history.keys()].sort()).to.deep.equal([2, 4]);
    expect(tick([])).to.deep.equal(['ann:delta/4', 'bob:delta/2']);
    expect([...state.history.keys()]).to.deep.equal([5]);

    // Backed up for longer than historyTicks: his baseline is dropped, and he gets a full state.
    for (let i = 0; i < 4; i++) tick(['bob']);
    expect([...state.history.keys()]).to.deep.equal([9]);
    expect(tick([])).to.deep.equal(['ann:delta/9', 'bob:full_state']);
  });
});

describe('advanceMap with a player who leaves and comes back', () => {
  const graceRules: MapRules = { ...rules, awayTicks: 5 };
  const run = (state: MapState, events: Parameters<typeof advanceMap>[1] = []) =>
    advanceMap(state, events, new Set(), graceRules);
  const ann = (state: MapState) => state.world.entities.get(state.world.players['ann'] ?? -1);
  const joined = () => {
    let state = run(initialMapState(createWorld(DEFAULT_RULES)), [{ type: 'join', player: 'ann' }]).state;
    for (let seq = 1; seq <= 3; seq++)
      state = run(state, [
        { type: 'message', player: 'ann', message: { kind: 'input', seq, tick: 0, dx: 4, dy: 0 } },
      ]).state;
    return state;
  };

  it('should keep its entity, position and last input while it is away, and re-attach it on return', () => {
    const before = joined();
    const moved = ann(before);
    expect(moved?.x).to.equal(512);
    let state = run(before, [{ type: 'leave', player: 'ann' }]).state;
    for (let i = 0; i < 3; i++) state = run(state).state;
    expect(ann(state)).to.include({ id: moved?.id, x: 512 });

    const back = run(state, [{ type: 'join', player: 'ann' }]);
    expect(ann(back.state)).to.include({ id: moved?.id, x: 512 });
    const full = back.out.find((o) => o.player === 'ann')?.message;
    expect(full).to.include({ kind: 'full_state', lastInput: 3 });
  });

  it('should apply an input re-sent after the return exactly once', () => {
    let state = run(joined(), [{ type: 'leave', player: 'ann' }]).state;
    const resent = [2, 3, 4].map((seq) => ({
      type: 'message' as const,
      player: 'ann',
      message: { kind: 'input' as const, seq, tick: 0, dx: 4, dy: 0 },
    }));
    state = run(state, [{ type: 'join', player: 'ann' }, ...resent]).state;
    expect(ann(state)?.x).to.equal(516);
    expect(state.world.lastInputs['ann']).to.equal(4);
  });

  it('should remove the entity once the player has been away for awayTicks', () => {
    let state = run(joined(), [{ type: 'leave', player: 'ann' }]).state;
    for (let i = 0; i < 4; i++) state = run(state).state;
    expect(ann(state)).to.not.equal(undefined);
    state = run(state).state;
    expect(state.world.players).to.not.have.property('ann');
  });

  it('should send a second session of the same player a full state (it starts from nothing)', () => {
    const state = joined();
    const again = run(state, [{ type: 'join', player: 'ann' }]);
    expect(again.out.find((o) => o.player === 'ann')?.message.kind).to.equal('full_state');
    expect(ann(again.state)?.x).to.equal(512);
  });
});

describe('advanceMap with more inputs than a tick can take', () => {
  const input = (seq: number, dx: number, dy = 0) => ({
    type: 'message' as const,
    player: 'ann',
    message: { kind: 'input' as const, seq, tick: 0, dx, dy },
  });
  const inputs = (from: number, to: number, dx: number) =>
    Array.from({ length: to - from + 1 }, (_, n) => input(from + n, dx));
  const queueRules = (maxQueuedInputs: number): MapRules => ({
    ...rules,
    world: { ...DEFAULT_RULES, maxQueuedInputs },
  });
  const start = (mapRules: MapRules) =>
    advanceMap(
      initialMapState(createWorld(DEFAULT_RULES)),
      [{ type: 'join', player: 'ann' }],
      new Set(),
      mapRules,
    ).state;
  const x = (state: MapState) => state.world.entities.get(state.world.players['ann'] ?? -1)?.x;
  const ticks = (state: MapState, n: number, mapRules: MapRules) => {
    let at = state;
    for (let i = 0; i < n; i++) at = advanceMap(at, [], new Set(), mapRules).state;
    return at;
  };

  it('should move a player at most maxStep a tick, however many inputs one frame holds', () => {
    const mapRules = queueRules(256);
    const flooded = advanceMap(start(mapRules), inputs(1, 256, 10), new Set(), mapRules);
    expect(x(flooded.state)).to.equal(510);
    expect(flooded.state.world.lastInputs['ann']).to.equal(1);
    const later = ticks(flooded.state, 2, mapRules);
    expect(x(later)).to.equal(530);
    expect(later.world.lastInputs['ann']).to.equal(3);
  });

  it('should apply every input of a burst the queue holds, in order, one step a tick', () => {
    const mapRules = queueRules(32);
    const burst = advanceMap(start(mapRules), inputs(1, 20, -10), new Set(), mapRules);
    expect(burst.dropped).to.deep.equal([]);
    const drained = ticks(burst.state, 19, mapRules);
    expect(x(drained)).to.equal(300);
    expect(drained.world.lastInputs['ann']).to.equal(20);
  });

  it('should take several short steps in one tick, up to maxStep in all', () => {
    const mapRules = queueRules(32);
    const first = advanceMap(start(mapRules), inputs(1, 5, 3), new Set(), mapRules).state;
    expect([x(first), first.world.lastInputs['ann']]).to.deep.equal([509, 3]);
    const second = ticks(first, 1, mapRules);
    expect([x(second), second.world.lastInputs['ann']]).to.deep.equal([515, 5]);
  });

  it('should apply the input of a client that sends one a tick in that tick', () => {
    const mapRules = queueRules(32);
    let state = start(mapRules);
    for (let seq = 1; seq <= 5; seq++) {
      state = advanceMap(state, [input(seq, 10)], new Set(), mapRules).state;
      expect(state.world.lastInputs['ann']).to.equal(seq);
    }
    expect(x(state)).to.equal(550);
  });

  it('should not count an input applied or queued already when it is sent again', () => {
    const mapRules = queueRules(4);
    const first = advanceMap(start(mapRules), inputs(1, 4, 10), new Set(), mapRules);
    const again = advanceMap(first.state, inputs(1, 4, 10), new Set(), mapRules);
    expect(again.dropped).to.deep.equal([]);
    expect(ticks(again.state, 2, mapRules).world.lastInputs['ann']).to.equal(4);
  });

  describe('past maxQueuedInputs', () => {
    const mapRules = queueRules(8);

    it('should drop the surplus and count it', () => {
      const flooded = advanceMap(start(mapRules), inputs(1, 12, 10), new Set(), mapRules);
      expect(flooded.dropped).to.deep.equal([{ player: 'ann', inputs: 4 }]);
    });

    it('should apply nothing sent after a dropped input until the player joins again, so none is acknowledged', () => {
      const flooded = advanceMap(start(mapRules), inputs(1, 12, 10), new Set(), mapRules);
      const more = advanceMap(flooded.state, inputs(13, 14, 10), new Set(), mapRules);
      expect(more.dropped).to.deep.equal([{ player: 'ann', inputs: 2 }]);
      const drained = ticks(more.state, 10, mapRules);
      // Acknowledged as applied (lastInput): the queue, never an input after the first one dropped.
      expect(drained.world.lastInputs['ann']).to.equal(8);
      expect(x(drained)).to.equal(580);

      // The client connects again and sends what the host did not apply: all of it counts now.
      const back = advanceMap(
        drained,
        [{ type: 'join', player: 'ann' }, ...inputs(9, 14, 10)],
        new Set(),
        mapRules,
      );
      expect(back.dropped).to.deep.equal([]);
      expect(ticks(back.state, 5, mapRules).world.lastInputs['ann']).to.equal(14);
    });
  });
});
