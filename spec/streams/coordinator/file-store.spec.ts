import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEASES_FILE, createFileStore } from '../../../streams/coordinator/file-store.js';

describe('createFileStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'warp-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should give a store opened on the same data dir every lease written before, and nothing else', async () => {
    const first = createFileStore(dir);
    await first.putLease({ map: 'forest', owner: 'host-1', epoch: 1, previous: null });
    await first.putLease({
      map: 'forest',
      owner: 'vps-1',
      epoch: 2,
      previous: { owner: 'host-1', epoch: 1 },
    });
    await first.putHost({
      id: 'host-1',
      kind: 'p2p',
      url: 'ws://h',
      maps: ['forest'],
      capacity: 1,
      load: 0,
      alive: true,
      connection: 'c',
    });
    await first.subscribe('forest', 'c');

    const again = createFileStore(dir);
    expect(await again.listLeases()).to.deep.equal([
      { map: 'forest', owner: 'vps-1', epoch: 2, previous: { owner: 'host-1', epoch: 1 } },
    ]);
    // Hosts and subscriptions are connections: they come back when those do.
    expect(await again.listHosts()).to.deep.equal([]);
    expect(await again.subscribers('forest')).to.deep.equal([]);
  });

  it('should refuse to start on a leases file it cannot read, rather than reuse epochs', () => {
    writeFileSync(join(dir, LEASES_FILE), '{"version":7}');
    expect(() => createFileStore(dir)).to.throw(/not a warp-p2p leases file/);
  });
});
