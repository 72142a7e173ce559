import { expect } from 'chai';
import { either } from 'fp-ts';
import { signWithKey } from '../../../lib/crypto/pki.js';
import type { RestoreMessage } from '../../../lib/protocol/control-codecs.js';
import { checkpointBytes } from '../../../lib/world/checkpoint.js';
import { type Bundle, restoreWorld, verifyBundle } from '../../../lib/world/restore.js';
import {
  DEFAULT_RULES,
  addPlayer,
  applyInput,
  createWorld,
  hashWorld,
  step,
} from '../../../lib/world/world.js';
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
    const payload = {
      map: overrides.map ?? 'forest',
      epoch: overrides.epoch ?? 1,
      tick: world.tick,
      hash: hashWorld(world),
      lastInputs: { ann: 0 },
      players: world.players,
    };
    const restore: RestoreMessage = {
      kind: 'restore',
      checkpoint: {
        kind: 'checkpoint',
        ...payload,
        signature: signWithKey(signer.keys.privateKeyPem, checkpointBytes(payload)).toString('base64'),
      },
      entities: [...world.entities.values()],
      certificate: signer.certificatePem,
      inputs: [{ seq: 1, tick: 1, dx: 3, dy: 4 }],
    };
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
    const restored = restoreWorld([bundle(owner)], DEFAULT_RULES);
    const replayed = applyInput(world, 'ann', { seq: 1, dx: 3, dy: 4 }, DEFAULT_RULES).world;
    expect(restored && hashWorld(restored)).to.equal(hashWorld(replayed));
    expect(restoreWorld([], DEFAULT_RULES)).to.equal(null);
  });
});
