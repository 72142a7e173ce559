import { expect } from 'chai';
import { either } from 'fp-ts';
import { loadConfig } from '../../config/load-config.js';
import type { Config } from '../../config/schema.js';
import { type Cluster, passwordOf, startCluster } from '../../streams/demo/local-cluster.js';
import { TrackedClient } from '../../streams/demo/tracked-client.js';
import { eventually } from '../support/eventually.js';

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
    const loaded = loadConfig({ text: CONFIG_TEXT });
    if (either.isLeft(loaded)) throw loaded.left;
    config = loaded.right;
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

  const walkFor = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      players.forEach((p, n) => p.move(n - 1, 1));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('should give the map to the VPS that comes back, restored from the bundles, with every move in effect', async () => {
    players = PLAYERS.map(
      (name) =>
        new TrackedClient({ coordinatorUrl: cluster.url, player: name, password: passwordOf(name), config }),
    );
    players.forEach((p) => p.client.loadMap('forest'));
    await eventually(() => players.every((p) => p.connectedTo('p2p') && p.entity() !== undefined));
    const ids = new Map(players.map((p) => [p.name, p.entity()?.id]));
    players.forEach((p) => p.markStart());
    await walkFor(1500);
    cluster.hosts.get('host-1')?.child.kill('SIGKILL');
    await eventually(() => players.every((p) => p.connectedTo('vps') && p.missing() === 0), 20_000);
    // A checkpoint signed by the VPS under epoch 2 reaches every client before the VPS dies.
    await walkFor(1500);

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
