import { expect } from 'chai';
import type { Config } from '../../config/schema.js';
import { type Cluster, startCluster } from '../../streams/demo/local-cluster.js';
import { TrackedClient } from '../../streams/demo/tracked-client.js';
import { eventually } from '../support/eventually.js';
import { configOf, trackedPlayer } from '../support/players.js';

/** Tickets that live two seconds: a session of a few seconds outlives several of them. */
const CONFIG_TEXT = `[P2P_NETWORK]
TimeoutMS=2000
[P2P_SECURITY]
TokenValiditySeconds=2
[P2P_SYNC]
CheckpointIntervalTicks=20
[P2P_COORDINATOR]
HeartbeatIntervalMS=500
HeartbeatTimeoutMS=1500
LoginRateLimit=1000
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const states = (p: TrackedClient) => p.events.flatMap((e) => (e.type === 'state' ? [e.status.state] : []));

describe('a session longer than its tickets (coordinator, host and VPS as real processes)', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  let config: Config;
  let player: TrackedClient | undefined;

  before(async () => {
    config = configOf(CONFIG_TEXT);
    cluster = await startCluster({
      hosts: { 'host-1': ['forest'] },
      players: ['ann'],
      configText: CONFIG_TEXT,
    });
  });
  after(async () => {
    player?.client.disconnect();
    await cluster.stop();
  });

  it('should reconnect to its host and then fail over to the VPS long after its first tickets expired', async () => {
    player = trackedPlayer(cluster, 'ann', config);
    const ann = player;
    ann.client.loadMap('forest');
    await eventually(() => ann.connectedTo('p2p') && ann.entity() !== undefined);
    await sleep(4500);

    expect(ann.client.command('/p2p reconnect')).to.equal('reconnecting');
    await eventually(() => ann.connectedTo('p2p') && states(ann).includes('RECONNECTING'));
    expect(states(ann)).to.not.include('FAILING_OVER');

    await sleep(3000);
    ann.markStart();
    ann.move(3, 0);
    cluster.hosts.get('host-1')?.child.kill('SIGKILL');
    await eventually(() => ann.connectedTo('vps') && ann.missing() === 0, 20_000);
    const refusals = ann.events.filter((e) => e.type === 'error' || e.type === 'retrying');
    expect(refusals.map((e) => ('code' in e ? e.code : null))).to.not.include('ERR_TICKET_EXPIRED');
  });
});
