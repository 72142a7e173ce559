import { expect } from 'chai';
import { ACK_INTERVAL_TICKS } from '../../../lib/protocol/limits.js';
import type {
  CheckpointChangesMessage,
  CheckpointMessage,
  FullStateMessage,
} from '../../../lib/protocol/control-codecs.js';
import type { DeltaMessage } from '../../../lib/protocol/hot-codecs.js';
import { checkpointChanges } from '../../../lib/world/checkpoint.js';
import {
  type SyncInput,
  type SyncStep,
  ackPhase,
  initialSync,
  isAckTick,
  predictSelf,
  restoreBundle,
  syncReducer,
} from '../../../lib/sync/sync-state.js';
import {
  DEFAULT_RULES,
  type World,
  addPlayer,
  applyInput,
  createWorld,
  diff,
  hashWorld,
  step,
} from '../../../lib/world/world.js';

const settings = { ringSize: 8, conflictThreshold: 2 };
const reduce = syncReducer(settings);
const run = (inputs: readonly SyncInput[], from: SyncStep = initialSync('ann', settings)): SyncStep[] => {
  const steps: SyncStep[] = [];
  inputs.reduce((previous, input) => {
    const next = reduce(previous, input);
    steps.push(next);
    return next;
  }, from);
  return steps;
};
const last = (steps: readonly SyncStep[]): SyncStep => steps.at(-1) as SyncStep;

const joined = addPlayer(createWorld(DEFAULT_RULES), 'ann', DEFAULT_RULES);
const fullState = (world: World): FullStateMessage => ({
  kind: 'full_state',
  tick: world.tick,
  lastInput: world.lastInputs['ann'] ?? 0,
  hash: hashWorld(world),
  entities: [...world.entities.values()],
  players: { ...world.players },
});
const deltaOf = (baseline: World, world: World, withHash = true): DeltaMessage => {
  const d = diff(baseline, world);
  return {
    kind: 'delta',
    tick: world.tick,
    baseTick: baseline.tick,
    lastInput: world.lastInputs['ann'] ?? 0,
    hash: withHash ? hashWorld(world) : null,
    entities: d.entities,
    removed: d.removed,
  };
};
const msg = (
  m: FullStateMessage | DeltaMessage | CheckpointMessage | CheckpointChangesMessage,
): SyncInput => ({
  type: 'message',
  message: m,
});
const annOf = (world: World) => world.entities.get(world.players['ann'] as number);

describe('sync manager (pure reducer)', () => {
  it('should apply a full state and then deltas to their baseline, acknowledging the full state and on its ack phase', () => {
    const worlds = [joined];
    const lastTick = 2 * ACK_INTERVAL_TICKS + 1;
    for (let n = 1; n <= lastTick; n++) worlds.push(step(worlds[n - 1] as World, DEFAULT_RULES));
    const deltas = worlds.slice(1).map((world, n) => msg(deltaOf(worlds[n] as World, world)));
    const steps = run([msg(fullState(joined)), ...deltas]);
    const acks = steps.flatMap((s) => s.out);
    // After the full state, on ann's phase tick of every ACK_INTERVAL_TICKS.
    const first = ACK_INTERVAL_TICKS - ackPhase('ann') || ACK_INTERVAL_TICKS;
    expect(acks).to.deep.equal([
      { kind: 'ack', tick: 0 },
      { kind: 'ack', tick: first },
      { kind: 'ack', tick: first + ACK_INTERVAL_TICKS },
    ]);
    expect(hashWorld(last(steps).world as World)).to.equal(hashWorld(worlds[lastTick] as World));
    expect(steps.flatMap((s) => s.errors)).to.deep.equal([]);
  });

  it('should ack on a phase of its own, and at least every ACK_INTERVAL_TICKS when ticks are skipped', () => {
    const players = Array.from({ length: 40 }, (_, n) => `bot-${n}`);
    expect(new Set(players.map(ackPhase)).size).to.be.greaterThan(ACK_INTERVAL_TICKS / 2);
    const phase = ackPhase('ann');
    const onPhase = 2 * ACK_INTERVAL_TICKS - phase;
    expect(isAckTick('ann', onPhase, onPhase - 1)).to.equal(true);
    expect(isAckTick('ann', onPhase + 1, onPhase)).to.equal(false);
    expect(isAckTick('ann', onPhase, onPhase)).to.equal(false);
    // Coalesced deltas jumped over the phase tick: the bound still holds.
    expect(isAckTick('ann', onPhase + ACK_INTERVAL_TICKS + 1, onPhase)).to.equal(true);
  });

  it('should report DESYNC for a missing baseline and ask for a full state once until it comes', () => {
    const a = step(joined, DEFAULT_RULES);
    const b = step(a, DEFAULT_RULES);
    const steps = run([
      msg(fullState(joined)),
      msg(deltaOf(a, b)),
      msg(deltaOf(a, step(b, DEFAULT_RULES))),
      msg(fullState(b)),
    ]);
    expect(steps[1]?.errors.map((e) => e.type)).to.deep.equal(['DESYNC']);
    expect(steps[1]?.out).to.deep.equal([{ kind: 'resync_request', reason: 'DESYNC', tick: 2 }]);
    expect(steps[2]?.out).to.deep.equal([]); // still waiting for the full state
    expect(last(steps).out).to.deep.equal([{ kind: 'ack', tick: 2 }]);
    expect(last(steps).state.resyncPending).to.equal(false);
  });

  it('should report DESYNC when its reconstruction does not hash to what the host sent', () => {
    const next = step(joined, DEFAULT_RULES);
    const lying = { ...deltaOf(joined, next), hash: '0123456789abcdef' };
    const steps = run([msg(fullState(joined)), msg(lying)]);
    expect(last(steps).errors).to.deep.include({
      type: 'DESYNC',
      tick: 1,
      detail: 'world hash differs at tick 1',
    });
  });

  it('should predict its own entity from unacknowledged inputs and reconcile when the host processes them', () => {
    const steps = run([
      msg(fullState(joined)),
      { type: 'move', dx: 3, dy: 0 },
      { type: 'move', dx: 0, dy: 4 },
    ]);
    expect(steps[1]?.out).to.deep.equal([{ kind: 'input', seq: 1, tick: 0, dx: 3, dy: 0 }]);
    const start = annOf(joined);
    expect(predictSelf(last(steps).state)).to.deep.include({
      x: (start?.x ?? 0) + 3,
      y: (start?.y ?? 0) + 4,
    });
    // The host has processed input 1 only: the authoritative position plus input 2 is what shows.
    const host = step(
      applyInput(joined, 'ann', { seq: 1, dx: 3, dy: 0 }, DEFAULT_RULES).world,
      DEFAULT_RULES,
    );
    const after = last(run([msg(deltaOf(joined, host))], last(steps)));
    expect(after.errors).to.deep.equal([]);
    expect(after.state.acked).to.equal(1);
    expect(predictSelf(after.state)).to.deep.include({ x: (start?.x ?? 0) + 3, y: (start?.y ?? 0) + 4 });
  });

  it('should report a CONFLICT when the host puts it farther than ConflictThreshold from its prediction', () => {
    const steps = run([msg(fullState(joined)), { type: 'move', dx: 50, dy: 0 }]);
    const clamped = step(
      applyInput(joined, 'ann', { seq: 1, dx: 50, dy: 0 }, DEFAULT_RULES).world,
      DEFAULT_RULES,
    );
    const after = last(run([msg(deltaOf(joined, clamped))], last(steps)));
    expect(after.errors.map((e) => e.type)).to.deep.equal(['CONFLICT']);
    // Snapped: the prediction is the host's position now.
    expect(predictSelf(after.state)).to.deep.include({ x: annOf(clamped)?.x, y: annOf(clamped)?.y });
  });

  it("should take a full state's last input as the truth, even if lower (a VPS restored from an older checkpoint)", () => {
    const moved = [1, 2].reduce(
      (world, seq) => applyInput(world, 'ann', { seq, dx: 3, dy: 0 }, DEFAULT_RULES).world,
      joined,
    );
    const host = step(moved, DEFAULT_RULES);
    const before = last(
      run([
        msg(fullState(joined)),
        { type: 'move', dx: 3, dy: 0 },
        { type: 'move', dx: 3, dy: 0 },
        msg(deltaOf(joined, host)),
      ]),
    );
    expect(before.state.acked).to.equal(2);
    // The VPS has input 1 only: input 2 is unprocessed again, and the player is shown where it will be.
    const restored = applyInput(joined, 'ann', { seq: 1, dx: 3, dy: 0 }, DEFAULT_RULES).world;
    const after = last(run([msg(fullState(restored))], before));
    expect(after.state.acked).to.equal(1);
    expect(predictSelf(after.state)).to.deep.include({ x: annOf(host)?.x });
  });

  it("should number its inputs after a full state's last input it never sent (the player's earlier session)", () => {
    // The host kept the player's entity from a session before this one, with 30 inputs applied.
    const earlier = [...Array(30).keys()].reduce(
      (world, n) => applyInput(world, 'ann', { seq: n + 1, dx: 1, dy: 0 }, DEFAULT_RULES).world,
      joined,
    );
    const steps = run([
      { type: 'connected', certificate: 'PEM' },
      { type: 'move', dx: 2, dy: 0 },
      msg(fullState(earlier)),
      { type: 'move', dx: 2, dy: 0 },
    ]);
    // The move made before the full state goes again as 31, and the next one is 32: both count on the host.
    expect(steps[2]?.out.filter((m) => m.kind === 'input')).to.deep.equal([
      { kind: 'input', seq: 31, tick: 0, dx: 2, dy: 0 },
    ]);
    expect(last(steps).out).to.deep.equal([{ kind: 'input', seq: 32, tick: earlier.tick, dx: 2, dy: 0 }]);
    expect(predictSelf(last(steps).state)).to.deep.include({ x: (annOf(earlier)?.x ?? 0) + 4 });
  });

  it('should report TIMEOUT and ask for a full state', () => {
    const steps = run([msg(fullState(joined)), { type: 'timeout' }]);
    expect(last(steps).errors.map((e) => e.type)).to.deep.equal(['TIMEOUT']);
    expect(last(steps).out).to.deep.equal([{ kind: 'resync_request', reason: 'TIMEOUT', tick: 0 }]);
  });

  it('should send every unprocessed input again on a new connection', () => {
    const steps = run([
      msg(fullState(joined)),
      { type: 'move', dx: 1, dy: 0 },
      { type: 'move', dx: 1, dy: 0 },
      { type: 'connected', certificate: 'PEM' },
    ]);
    expect(last(steps).out.map((m) => m.kind === 'input' && m.seq)).to.deep.equal([1, 2]);
  });

  it('should not make moves past maxUnprocessedInputs unprocessed ones, and make them again once the host processes some', () => {
    const bounded = { ...settings, maxUnprocessedInputs: 2 };
    const reduceBounded = syncReducer(bounded);
    const move: SyncInput = { type: 'move', dx: 1, dy: 0 };
    let at = [msg(fullState(joined)), move, move, move].reduce(reduceBounded, initialSync('ann', bounded));
    expect(at.state.inputs.map((i) => i.seq)).to.deep.equal([1, 2]);
    expect(at.out).to.deep.equal([]);
    at = reduceBounded(at, { type: 'connected', certificate: 'PEM' });
    expect(at.out.map((m) => m.kind === 'input' && m.seq)).to.deep.equal([1, 2]);
    at = reduceBounded(at, msg({ ...fullState(joined), lastInput: 1 }));
    at = reduceBounded(at, move);
    expect(at.out.map((m) => m.kind === 'input' && m.seq)).to.deep.equal([3]);
  });

  it('should keep the newest checkpoint matching its reconstruction, and bundle the inputs since', () => {
    const checkpoint = (world: World, hash = hashWorld(world)): CheckpointMessage => ({
      kind: 'checkpoint',
      map: 'forest',
      epoch: 1,
      tick: world.tick,
      hash,
      lastInputs: { ...world.lastInputs },
      players: { ...world.players },
      signature: 'c2ln',
    });
    const moved = applyInput(joined, 'ann', { seq: 1, dx: 2, dy: 0 }, DEFAULT_RULES).world;
    const next = step(moved, DEFAULT_RULES);
    const steps = run([
      { type: 'connected', certificate: 'HOST-PEM' },
      msg(fullState(joined)),
      { type: 'move', dx: 2, dy: 0 },
      msg(deltaOf(joined, next)),
      msg(checkpoint(next, 'ffffffffffffffff')), // does not match: not kept
      { type: 'move', dx: 0, dy: 1 },
      msg(checkpoint(next)),
    ]);
    expect(steps[4]?.state.kept).to.equal(null);
    const bundle = restoreBundle(last(steps).state);
    expect(bundle?.checkpoint.tick).to.equal(1);
    expect(bundle?.certificate).to.equal('HOST-PEM');
    expect(bundle?.inputs).to.deep.equal([{ seq: 2, tick: 1, dx: 0, dy: 1 }]);
    expect(bundle?.entities).to.have.length(next.entities.size);
  });

  it('should rebuild a checkpoint sent as changes and keep it whole; changes with no base on this connection are skipped', () => {
    const whole = (world: World): CheckpointMessage => ({
      kind: 'checkpoint',
      map: 'forest',
      epoch: 1,
      tick: world.tick,
      hash: hashWorld(world),
      lastInputs: { ...world.lastInputs },
      players: { ...world.players },
      signature: 'c2ln',
    });
    const next = step(joined, DEFAULT_RULES);
    const changes = checkpointChanges(whole(joined), whole(next));
    const steps = run([
      { type: 'connected', certificate: 'HOST-PEM' },
      msg(fullState(joined)),
      msg(whole(joined)),
      msg(deltaOf(joined, next)),
      msg(changes),
    ]);
    expect(last(steps).state.kept?.checkpoint).to.deep.equal(whole(next));
    const reconnected = run([{ type: 'connected', certificate: 'HOST-PEM' }, msg(changes)], last(steps));
    expect(last(reconnected).state.lastCheckpoint).to.equal(null);
  });

  it('should have no bundle before a checkpoint is kept', () => {
    expect(restoreBundle(last(run([msg(fullState(joined))])).state)).to.equal(null);
  });
});
