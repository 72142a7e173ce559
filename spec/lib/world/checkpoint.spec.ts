import { expect } from 'chai';
import type { CheckpointMessage } from '../../../lib/protocol/control-codecs.js';
import { checkpointChanges, expandCheckpoint } from '../../../lib/world/checkpoint.js';

const checkpoint = (
  tick: number,
  lastInputs: Record<string, number>,
  players: Record<string, number>,
): CheckpointMessage => ({
  kind: 'checkpoint',
  map: 'forest',
  epoch: 1,
  tick,
  hash: '0123456789abcdef',
  lastInputs,
  players,
  signature: `sig${tick}`.padEnd(8, '='),
});

describe('checkpoint changes', () => {
  const before = checkpoint(100, { ann: 4, bob: 7, cid: 1 }, { ann: 1001, bob: 1002, cid: 1003 });
  const after = checkpoint(200, { ann: 9, bob: 7, dan: 2 }, { ann: 1001, bob: 1002, dan: 1004 });

  it('should carry only what changed, and rebuild the whole checkpoint from the one before', () => {
    const changes = checkpointChanges(before, after);
    expect(changes).to.deep.include({
      since: 100,
      tick: 200,
      lastInputs: { ann: 9, dan: 2 },
      players: { dan: 1004 },
      removed: { lastInputs: ['cid'], players: ['cid'] },
      signature: after.signature,
    });
    expect(expandCheckpoint(before, changes)).to.deep.equal(after);
  });

  it('should send nothing per player when nothing changed', () => {
    const same = { ...before, tick: 200 };
    expect(checkpointChanges(before, same)).to.deep.include({
      lastInputs: {},
      players: {},
      removed: { lastInputs: [], players: [] },
    });
    expect(expandCheckpoint(before, checkpointChanges(before, same))).to.deep.equal(same);
  });

  it('should rebuild a player who left and came back (a new entity, no input yet) exactly', () => {
    const rejoined = checkpoint(200, { bob: 7, cid: 1 }, { ann: 1005, bob: 1002, cid: 1003 });
    expect(expandCheckpoint(before, checkpointChanges(before, rejoined))).to.deep.equal(rejoined);
  });

  it('should refuse to rebuild against another checkpoint, map or epoch, or none', () => {
    const changes = checkpointChanges(before, after);
    expect(expandCheckpoint(null, changes)).to.equal(null);
    expect(expandCheckpoint({ ...before, tick: 99 }, changes)).to.equal(null);
    expect(expandCheckpoint({ ...before, map: 'cave' }, changes)).to.equal(null);
    expect(expandCheckpoint({ ...before, epoch: 2 }, changes)).to.equal(null);
  });
});
