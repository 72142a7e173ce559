import { expect } from 'chai';
import { VPS_ID } from './support/cluster.js';
import { playFor, useCluster } from './support/hooks.js';
import { expectInvariants } from './support/invariants.js';

describe('both P2P hosts SIGKILLed at once, in network namespaces', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('should move every map and every client to the VPS with every move in effect', async () => {
    const c = cluster();
    c.fleet.walk();
    await playFor(c, 30);

    c.server('host-1').signal('SIGKILL');
    c.server('host-2').signal('SIGKILL');

    const summary = await expectInvariants(c);
    expect(summary.leases.get('forest')).to.include({ owner: VPS_ID, epoch: 2 });
    expect(summary.leases.get('desert')).to.include({ owner: VPS_ID, epoch: 2 });
    for (const client of summary.clients) {
      expect(client.states.some((s) => s.startsWith('FAILING_OVER'))).to.equal(true);
      expect(client.restored).to.be.greaterThan(0);
    }
    expect(summary.moves).to.be.greaterThan(0);
  });
});
