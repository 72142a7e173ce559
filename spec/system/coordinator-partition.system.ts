import { expect } from 'chai';
import { VPS_ID } from './support/cluster.js';
import { playFor, sleep, useCluster } from './support/hooks.js';
import { expectInvariants, heldLeases } from './support/invariants.js';

/** Longer than the shipped HeartbeatTimeoutMS (3000): the coordinator takes the host for dead. */
const PARTITION_MS = 6000;

describe('a host cut off from the coordinator only (6 s), in network namespaces', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('should move its map to the VPS, and the host should drop the map once it is back in touch', async () => {
    const c = cluster();
    c.fleet.walk();
    await playFor(c, 30);

    await c.lab.partition('host-1', 'coordinator');
    await sleep(PARTITION_MS);
    await c.lab.heal();

    // The move was needless (the host was alive) but safe: forest is the VPS's under epoch 2, every client of it
    // followed with every move, and host-1, back in touch, holds nothing: never two owners.
    const summary = await expectInvariants(c);
    expect(summary.leases.get('forest')).to.include({ owner: VPS_ID, epoch: 2 });
    expect(summary.leases.get('desert')).to.include({ owner: 'host-2', epoch: 1 });
    expect([...heldLeases(c.server('host-1'))]).to.deep.equal([]);
  });
});
