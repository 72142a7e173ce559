import { expect } from 'chai';
import { VPS_ID } from './support/cluster.js';
import { playFor, sleep, useCluster } from './support/hooks.js';
import { expectInvariants, heldLeases } from './support/invariants.js';

/** The shipped P2P_NETWORK.TimeoutMS (the system config keeps it). */
const TIMEOUT_MS = 5000;

describe('a frozen host (SIGSTOP for longer than TimeoutMS, then SIGCONT), in network namespaces', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('should move its clients to the VPS and have its lease revoked when it wakes', async () => {
    const c = cluster();
    c.fleet.walk();
    await playFor(c, 30);

    const host = c.server('host-1');
    host.signal('SIGSTOP');
    await sleep(TIMEOUT_MS + 2000);
    host.signal('SIGCONT');

    const summary = await expectInvariants(c);
    expect(summary.leases.get('forest')).to.include({ owner: VPS_ID, epoch: 2 });
    expect(summary.leases.get('desert')).to.include({ owner: 'host-2', epoch: 1 });
    // Awake again, host-1 registers anew announcing forest@1; the coordinator revokes it (its registration
    // answer keeps no lease), so host-1 holds nothing.
    expect(
      c.coordinator
        .jsonLines()
        .some((e) => e['event'] === 'lease.revoked' && e['map'] === 'forest' && e['hostId'] === 'host-1'),
    ).to.equal(true);
    expect([...heldLeases(host)]).to.deep.equal([]);
    for (const client of summary.clients) {
      if (client.map === 'forest') {
        expect(client.states.some((s) => s.startsWith('FAILING_OVER'))).to.equal(true);
        expect(client.restored).to.be.greaterThan(0);
      } else {
        expect(client.failovers).to.equal(0);
      }
    }
    expect(summary.moves).to.be.greaterThan(0);
  });
});
