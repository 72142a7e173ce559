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
