import { expect } from 'chai';
import { either } from 'fp-ts';
import { type Bundle, restoreWorld, verifyBundle } from '../../../lib/world/restore.js';
import {
  DEFAULT_RULES,
  addPlayer,
  applyInput,
  createWorld,
  hashWorld,
  step,
} from '../../../lib/world/world.js';
import { signedRestore } from '../../support/bundles.js';
import { type HostIdentity, type TestPki, createTestPki } from '../../support/pki.js';

describe('restore bundles', () => {
  let pki: TestPki;
  let owner: HostIdentity;
  let stranger: HostIdentity;
  before(() => {
    pki = createTestPki();
    owner = pki.host('host-1');
    stranger = pki.host('host-2');
  });

  const world = step(addPlayer(createWorld(DEFAULT_RULES), 'ann', DEFAULT_RULES), DEFAULT_RULES);
  const bundle = (signer: HostIdentity, overrides: { epoch?: number; map?: string } = {}): Bundle => {
    const restore = signedRestore(world, signer, {
      map: overrides.map ?? 'forest',
      epoch: overrides.epoch ?? 1,
      lastInputs: { ann: 0 },
      inputs: [{ seq: 1, tick: 1, dx: 3, dy: 4 }],
    });
    return { player: 'ann', restore };
  };
  const expected = () => ({
    ca: pki.caCert,
    map: 'forest',
    epoch: 2,
    previousOwner: 'host-1',
    now: Date.now(),
  });
  const codeOf = (b: Bundle) => {
    const verdict = verifyBundle(b, expected());
    return either.isLeft(verdict) ? verdict.left.code : 'ok';
  };

  it('should accept a bundle signed by the previous owner for the previous epoch', () => {
    expect(codeOf(bundle(owner))).to.equal('ok');
  });

  it('should refuse a bundle signed by another host', () => {
    expect(codeOf(bundle(stranger))).to.equal('ERR_RESTORE_FORGED');
  });

  it('should refuse a bundle whose snapshot was altered', () => {
    const b = bundle(owner);
    const entities = b.restore.entities.map((e) => (e.kind === 'player' ? { ...e, x: e.x + 1 } : e));
    expect(codeOf({ ...b, restore: { ...b.restore, entities } })).to.equal('ERR_RESTORE_MISMATCH');
  });

  it('should refuse a bundle for another map', () => {
    expect(codeOf(bundle(owner, { map: 'desert' }))).to.equal('ERR_RESTORE_MISMATCH');
  });

  it('should refuse a bundle from an older epoch', () => {
    expect(codeOf(bundle(owner, { epoch: 0 }))).to.equal('ERR_RESTORE_EPOCH');
  });

  it('should restore the snapshot and re-apply the inputs after the checkpoint', () => {
    const restored = restoreWorld([bundle(owner)], DEFAULT_RULES, 10);
    const replayed = applyInput(world, 'ann', { seq: 1, dx: 3, dy: 4 }, DEFAULT_RULES).world;
    expect(restored && hashWorld(restored)).to.equal(hashWorld(replayed));
    expect(restoreWorld([], DEFAULT_RULES, 10)).to.equal(null);
  });

  describe("with values outside their types' ranges (a genuine checkpoint, an edited snapshot or inputs)", () => {
    type Restore = Bundle['restore'];
    const withAnn = (change: (e: Restore['entities'][number]) => object) => (r: Restore) => ({
      ...r,
      entities: r.entities.map((e) => (e.kind === 'player' ? { ...e, ...change(e) } : e)),
    });
    const cases: readonly [string, (r: Restore) => Restore][] = [
      ['hp 70000 (past u16)', withAnn(() => ({ hp: 70_000 }))],
      ['hp -1', withAnn(() => ({ hp: -1 }))],
      ['x past the wire grid (70000)', withAnn(() => ({ x: 70_000 }))],
      ['x below 0', withAnn(() => ({ x: -1 }))],
      ['x off the 1/32 grid', withAnn((e) => ({ x: (e as { x: number }).x + 0.001 }))],
      ['vx past any map', withAnn(() => ({ vx: 1e9 }))],
      ['an infinite velocity', withAnn(() => ({ vy: Infinity }))],
      ['entity id 2^32', withAnn(() => ({ id: 2 ** 32 }))],
      ['entity id 0xFFFFFFFF (no id left for the next player)', withAnn(() => ({ id: 0xffff_ffff }))],
      ['a kind that is not one', withAnn(() => ({ kind: 'ghost' }))],
      ['checkpoint tick 2^32', (r) => ({ ...r, checkpoint: { ...r.checkpoint, tick: 2 ** 32 } })],
      ['checkpoint tick -1', (r) => ({ ...r, checkpoint: { ...r.checkpoint, tick: -1 } })],
      ['a last input of 1.5', (r) => ({ ...r, checkpoint: { ...r.checkpoint, lastInputs: { ann: 1.5 } } })],
      ['input seq 2^32', (r) => ({ ...r, inputs: [{ seq: 2 ** 32, tick: 1, dx: 1, dy: 0 }] })],
      ['input seq -1', (r) => ({ ...r, inputs: [{ seq: -1, tick: 1, dx: 1, dy: 0 }] })],
      ['input tick 1e12', (r) => ({ ...r, inputs: [{ seq: 2, tick: 1e12, dx: 1, dy: 0 }] })],
      ['an input move of NaN', (r) => ({ ...r, inputs: [{ seq: 2, tick: 1, dx: NaN, dy: 0 }] })],
      ['no entities array', (r) => ({ ...r, entities: null as unknown as Restore['entities'] })],
      ['two entities with one id', (r) => ({ ...r, entities: [...r.entities, ...r.entities.slice(0, 1)] })],
    ];
    for (const [what, edit] of cases) {
      it(`should refuse ${what} with ERR_RESTORE_INVALID, never throw`, () => {
        const b = bundle(owner);
        let code: string | undefined;
        expect(() => (code = codeOf({ ...b, restore: edit(b.restore) }))).not.to.throw();
        expect(code).to.equal('ERR_RESTORE_INVALID');
      });
    }
  });

  describe('with inputs the player never sent (written into its own bundle)', () => {
    const forged = (count: number, dx: number): Bundle => {
      const b = bundle(owner);
      const inputs = Array.from({ length: count }, (_, n) => ({ seq: n + 1, tick: world.tick, dx, dy: 0 }));
      return { ...b, restore: { ...b.restore, inputs } };
    };
    const annX = (w: ReturnType<typeof restoreWorld>) => {
      const id = w?.players['ann'];
      return id === undefined ? undefined : w?.entities.get(id)?.x;
    };
    const startX = annX(world);

    it('should move the player no farther than it could walk in the ticks a host runs between checkpoints', () => {
      // 300 inputs of 5 units: 1500 units of walk. 10 ticks at 10 units a tick (maxStep) is what playing allows.
      const restored = restoreWorld([forged(300, 5)], DEFAULT_RULES, 10);
      expect((annX(restored) ?? 0) - (startX ?? 0)).to.equal(10 * DEFAULT_RULES.maxStep);
    });

    it('should count each input as the step the world allows (maxStep), not the step asked for', () => {
      const restored = restoreWorld([forged(300, 500)], DEFAULT_RULES, 10);
      expect((annX(restored) ?? 0) - (startX ?? 0)).to.equal(10 * DEFAULT_RULES.maxStep);
    });

    it('should re-apply every input of a bundle within that bound, as before', () => {
      const restored = restoreWorld([forged(8, 5)], DEFAULT_RULES, 10);
      expect((annX(restored) ?? 0) - (startX ?? 0)).to.equal(40);
    });
  });
});
