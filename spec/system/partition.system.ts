import { expect } from 'chai';
import { playFor, sleep, useCluster } from './support/hooks.js';
import { expectInvariants } from './support/invariants.js';

/** Shorter than the shipped TimeoutMS (5000), so no side may give the other up. */
const PARTITION_MS = 2000;

describe('a 2 s partition between a host and its clients only (iptables DROP), in network namespaces', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('should keep the clients on their host, with every move in effect once it heals', async () => {
    const c = cluster();
    c.fleet.walk();
    await playFor(c, 30);

    // The clients' namespace holds the desert players too: their host, host-2, stays reachable.
    await c.lab.partition('host-1', 'clients');
    await sleep(PARTITION_MS);
    await c.lab.heal();

    const summary = await expectInvariants(c);
    expect(summary.leases.get('forest')).to.include({ owner: 'host-1', epoch: 1 });
    expect(summary.leases.get('desert')).to.include({ owner: 'host-2', epoch: 1 });
    expect(c.coordinator.jsonLines().filter((e) => e['event'] === 'map.moved')).to.deep.equal([]);
    for (const client of summary.clients) {
      // Connected once, and never anything else after: no reconnect, no failover.
      expect(
        client.states.filter((s) => !s.startsWith('CONNECTING') && !s.startsWith('AUTHENTICATING')),
      ).to.deep.equal(['DISCONNECTED -', `CONNECTED ${client.map === 'forest' ? 'host-1' : 'host-2'}`]);
      expect(client.failovers).to.equal(0);
    }
    expect(summary.moves).to.be.greaterThan(0);
  });
});
