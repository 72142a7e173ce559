import { expect } from 'chai';
import { playFor, sleep, useCluster } from './support/hooks.js';
import { expectInvariants } from './support/invariants.js';

/** Longer than the shipped TimeoutMS (5000): both sides drop the session; the host stays the map's owner. */
const PARTITION_MS = 7000;

describe('a 7 s partition between a host and its clients only (longer than TimeoutMS), in network namespaces', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('should bring the clients back to their host on their own entities, with every move in effect', async () => {
    const c = cluster();
    c.fleet.walk();
    await playFor(c, 30);

    await c.lab.partition('host-1', 'clients');
    await sleep(PARTITION_MS);
    await c.lab.heal();

    // The host kept talking to the coordinator, so the map stays its own; the sessions were dropped (RECONNECTING),
    // and `expectInvariants` checks that each client is back on the entity it walked, every move in effect.
    const summary = await expectInvariants(c);
    expect(summary.leases.get('forest')).to.include({ owner: 'host-1', epoch: 1 });
    expect(c.coordinator.jsonLines().filter((e) => e['event'] === 'map.moved')).to.deep.equal([]);
    for (const client of summary.clients.filter((x) => x.map === 'forest'))
      expect(client.states.some((s) => s.startsWith('RECONNECTING'))).to.equal(true);
  });
});
