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
