import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { type Cluster, startCluster } from '../../streams/demo/local-cluster.js';
import type { CliProcess } from '../../streams/demo/cli-process.js';
import { TrackedClient } from '../../streams/demo/tracked-client.js';
import { eventually } from '../support/eventually.js';
import { configOf, trackedPlayer, walkFor } from '../support/players.js';

/** RestartGraceMS: longer than the hosts' longest reconnect delay (2 s), so a live VPS is back within it. */
const CONFIG_TEXT = `[P2P_NETWORK]
TimeoutMS=2000
[P2P_SYNC]
CheckpointIntervalTicks=20
[P2P_COORDINATOR]
HeartbeatIntervalMS=500
HeartbeatTimeoutMS=1500
LoginRateLimit=1000
RestartGraceMS=3000
`;
const FOREST = ['ann', 'bob'];
const DESERT = ['cy', 'dee'];

describe('a coordinator restart (coordinator, hosts and VPS as real processes)', function () {
  this.timeout(90_000);
  let cluster: Cluster;
  let config: Config;
  let players: TrackedClient[] = [];
  const player = (name: string) => trackedPlayer(cluster, name, config);

  before(async () => {
    config = configOf(CONFIG_TEXT);
    cluster = await startCluster({
      hosts: { 'host-1': ['forest'], 'host-2': ['desert'] },
      players: [...FOREST, ...DESERT, 'eve'],
      configText: CONFIG_TEXT,
    });
  });
  after(async () => {
    players.forEach((p) => p.client.disconnect());
    await cluster.stop();
  });

  /** The epochs a coordinator moved or assigned the map under (an assign grants one when the owner is gone). */
  const epochs = (coordinator: CliProcess, map: string) => [
    ...new Set(
      coordinator.lines.flatMap((line) => {
        const e = JSON.parse(line) as Record<string, unknown>;
        return (e['event'] === 'map.moved' || e['event'] === 'map.assigned') && e['map'] === map
          ? [e['epoch']]
          : [];
      }),
    ),
  ];

  it('should keep a map the VPS holds, and move one whose host died meanwhile under a new epoch, restored', async () => {
    players = [...FOREST, ...DESERT].map(player);
    players.forEach((p) => p.client.loadMap(FOREST.includes(p.name) ? 'forest' : 'desert'));
    await eventually(() => players.every((p) => p.connectedTo('p2p') && p.entity() !== undefined));
    const ids = new Map(players.map((p) => [p.name, p.entity()?.id]));
    players.forEach((p) => p.markStart());
    await walkFor(players, 1500, (n) => [n % 2, 1]);
    // forest goes to the VPS, which then holds it by lease only (the VPS offers no map of its own).
    cluster.hosts.get('host-1')?.child.kill('SIGKILL');
    await eventually(
      () => players.every((p) => p.status?.state === 'CONNECTED' && p.missing() === 0),
      20_000,
    );
    await walkFor(players, 1500, (n) => [n % 2, 1]);

    // The coordinator goes away; while it is down, desert's host dies too.
    const before = cluster.coordinator;
    await before.stop('SIGKILL');
    cluster.hosts.get('host-2')?.child.kill('SIGKILL');
    await walkFor(players, 1000, (n) => [n % 2, 1]);
    const after = await cluster.restartCoordinator();

    await eventually(() => players.every((p) => p.connectedTo('vps') && p.missing() === 0), 30_000);
    for (const p of players) expect(p.entity()?.id).to.equal(ids.get(p.name));
    // desert moved once, under epoch 2 after the restart (never a second epoch 1); forest stayed under 2.
    expect(epochs(after, 'desert')).to.deep.equal([2]);
    expect(epochs(after, 'forest')).to.deep.equal([2]);
    const leases = JSON.parse(
      readFileSync(join(dirname(cluster.configPath), 'data', 'leases.json'), 'utf8'),
    ) as {
      leases: { map: string; owner: string; epoch: number }[];
    };
    expect(leases.leases.map(({ map, owner, epoch }) => ({ map, owner, epoch }))).to.have.deep.members([
      { map: 'forest', owner: 'vps-1', epoch: 2 },
      { map: 'desert', owner: 'vps-1', epoch: 2 },
    ]);
    // A new player asking for the map the VPS holds is sent there, not refused as an unknown map.
    const eve = player('eve');
    players.push(eve);
    eve.client.loadMap('forest');
    await eventually(() => eve.connectedTo('vps'), 20_000);
  });
});
