import { expect } from 'chai';
import type { Config } from '../../config/schema.js';
import { type Cluster, startCluster } from '../../streams/demo/local-cluster.js';
import { TrackedClient } from '../../streams/demo/tracked-client.js';
import { eventually } from '../support/eventually.js';
import { configOf, trackedPlayer, walkFor } from '../support/players.js';

const CONFIG_TEXT = `[P2P_NETWORK]
TimeoutMS=2000
[P2P_SYNC]
CheckpointIntervalTicks=20
[P2P_COORDINATOR]
HeartbeatIntervalMS=500
HeartbeatTimeoutMS=1500
LoginRateLimit=1000
`;
const PLAYERS = ['ann', 'bob', 'cy'];

describe('a VPS that dies with maps on it (coordinator, host and VPS as real processes)', function () {
  this.timeout(90_000);
  let cluster: Cluster;
  let config: Config;
  let players: TrackedClient[] = [];

  before(async () => {
    config = configOf(CONFIG_TEXT);
    cluster = await startCluster({
      hosts: { 'host-1': ['forest'] },
      players: PLAYERS,
      configText: CONFIG_TEXT,
    });
  });
  after(async () => {
    players.forEach((p) => p.client.disconnect());
    await cluster.stop();
  });

  it('should give the map to the VPS that comes back, restored from the bundles, with every move in effect', async () => {
    players = PLAYERS.map((name) => trackedPlayer(cluster, name, config));
    players.forEach((p) => p.client.loadMap('forest'));
    await eventually(() => players.every((p) => p.connectedTo('p2p') && p.entity() !== undefined));
    const ids = new Map(players.map((p) => [p.name, p.entity()?.id]));
    players.forEach((p) => p.markStart());
    await walkFor(players, 1500, (n) => [n - 1, 1]);
    cluster.hosts.get('host-1')?.child.kill('SIGKILL');
    await eventually(() => players.every((p) => p.connectedTo('vps') && p.missing() === 0), 20_000);
    // A checkpoint signed by the VPS under epoch 2 reaches every client before the VPS dies.
    await walkFor(players, 1500, (n) => [n - 1, 1]);

    await cluster.vps.stop('SIGKILL');
    await eventually(() => players.every((p) => p.status?.state !== 'CONNECTED'));
    const back = await cluster.startVps();
    await eventually(() => players.every((p) => p.connectedTo('vps') && p.missing() === 0), 30_000);
    for (const p of players) expect(p.entity()?.id).to.equal(ids.get(p.name));
    // Epoch 3 moved the map to nobody (no server alive); epoch 4 to the new VPS as it registered, which restored
    // it from the bundles the clients carried (signed by the dead VPS under epoch 2) instead of starting it empty.
    const restored = await back.json((e) => e['event'] === 'restore' && e['type'] === 'restored');
    expect(restored['tick']).to.be.a('number');
    const moves = await Promise.all(
      [3, 4].map((epoch) =>
        cluster.coordinator.json((e) => e['event'] === 'map.moved' && e['epoch'] === epoch),
      ),
    );
    expect(moves.map((e) => e['to'])).to.deep.equal([null, 'vps-1']);
  });
});
