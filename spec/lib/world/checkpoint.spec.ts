import { expect } from 'chai';
import type { CheckpointMessage } from '../../../lib/protocol/control-codecs.js';
import { checkpointBytes, checkpointChanges, expandCheckpoint } from '../../../lib/world/checkpoint.js';

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

describe('checkpoint bytes', () => {
  // Written out by hand: the canonical form a signature covers (DESIGN §5), players sorted by name.
  const canonical = (tick: number, lastInputs: [string, number][], players: [string, number][]) =>
    Buffer.from(
      JSON.stringify(['warp-p2p checkpoint v1', 'forest', 1, tick, 'ab"cd', lastInputs, players]),
      'utf8',
    );
  const players = { zoë: 1003, 'a"b': 1001, bob: 1002 };

  it('should be the canonical JSON array with each table sorted, whatever order the players joined in', () => {
    const payload = { map: 'forest', epoch: 1, tick: 100, hash: 'ab"cd', lastInputs: { bob: 3 }, players };
    const expected = canonical(
      100,
      [['bob', 3]],
      [
        ['a"b', 1001],
        ['bob', 1002],
        ['zoë', 1003],
      ],
    );
    expect(checkpointBytes(payload)).to.deep.equal(expected);
    // Again with the same tables (their JSON is kept), and with a changed table as a new object.
    expect(checkpointBytes(payload)).to.deep.equal(expected);
    const next = { ...payload, tick: 101, lastInputs: { bob: 4, cid: 1 } };
    expect(checkpointBytes(next)).to.deep.equal(
      canonical(
        101,
        [
          ['bob', 4],
          ['cid', 1],
        ],
        [
          ['a"b', 1001],
          ['bob', 1002],
          ['zoë', 1003],
        ],
      ),
    );
  });
});
