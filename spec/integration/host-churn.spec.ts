import { expect } from 'chai';
import type { Config } from '../../config/schema.js';
import { type Cluster, startCluster } from '../../streams/demo/local-cluster.js';
import { TrackedClient } from '../../streams/demo/tracked-client.js';
import { eventually } from '../support/eventually.js';
import { configOf, trackedPlayer } from '../support/players.js';

/** The shipped heartbeat (every 1 s, dead after 3 s): churn faster than that once silenced a host entirely. */
const CONFIG_TEXT = `[P2P_COORDINATOR]
LoginRateLimit=1000
`;

describe('client churn on a healthy host (coordinator, host and VPS as real processes)', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  let config: Config;
  const clients: TrackedClient[] = [];

  before(async () => {
    config = configOf(CONFIG_TEXT);
    cluster = await startCluster({
      hosts: { 'host-1': ['forest'] },
      players: ['steady', 'churner'],
      configText: CONFIG_TEXT,
    });
  });
  after(async () => {
    clients.forEach((c) => c.client.disconnect());
    await cluster.stop();
  });
  const join = (name: string) => {
    const client = trackedPlayer(cluster, name, config);
    clients.push(client);
    client.client.loadMap('forest');
    return client;
  };

  it('should keep the host alive and its map where it is while a player joins and leaves several times a second', async () => {
    const steady = join('steady');
    await eventually(() => steady.connectedTo('p2p'));
    const until = Date.now() + 6000;
    let rounds = 0;
    while (Date.now() < until) {
      const churner = join('churner');
      await eventually(() => churner.connectedTo('p2p'));
      churner.client.disconnect();
      rounds += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(rounds).to.be.greaterThan(6);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const events = cluster.coordinator.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.filter((e) => e['event'] === 'host.lost' || e['event'] === 'map.moved')).to.deep.equal([]);
    expect(steady.connectedTo('p2p')).to.equal(true);
    expect(
      steady.events.filter((e) => e.type === 'state').map((e) => e.type === 'state' && e.status.state),
    ).to.not.include('RECONNECTING');
  });
});
