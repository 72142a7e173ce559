import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_IDS_FILE, LEASES_FILE, createFileStore } from '../../../streams/coordinator/file-store.js';

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

  it('should keep whose each host id is across a reopen', async () => {
    const first = createFileStore(dir);
    await first.bindHostId('host-1', 'hoster');
    await first.bindHostId('host-2', 'hoster');
    await first.bindHostId('vps-1', '@service');
    const again = createFileStore(dir);
    expect(await again.hostIdOwner('host-1')).to.equal('hoster');
    expect(await again.hostIdOwner('vps-1')).to.equal('@service');
    expect(await again.hostIdOwner('host-3')).to.equal(undefined);
    expect(await again.hostIdCount('hoster')).to.equal(2);
  });

  it('should refuse to start on a host ids file it cannot read, rather than free every id', () => {
    writeFileSync(join(dir, HOST_IDS_FILE), '{"version":1,"hostIds":{"host-1":7}}');
    expect(() => createFileStore(dir)).to.throw(/not a warp-p2p host ids file/);
  });

  it('should refuse to start on a leases file it cannot read, rather than reuse epochs', () => {
    writeFileSync(join(dir, LEASES_FILE), '{"version":7}');
    expect(() => createFileStore(dir)).to.throw(/not a warp-p2p leases file/);
  });
});
