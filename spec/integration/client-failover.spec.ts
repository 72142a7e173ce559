import { expect } from 'chai';
import type { Config } from '../../config/schema.js';
import { hashWorld } from '../../lib/world/world.js';
import { quantize } from '../../lib/protocol/hot-codecs.js';
import { type Cluster, passwordOf, startCluster } from '../../streams/demo/local-cluster.js';
import { TrackedClient } from '../../streams/demo/tracked-client.js';
import { eventually } from '../support/eventually.js';
import { configOf } from '../support/players.js';

/** Checkpoints every second and a host silence noticed within 1.5 s, so the spec runs in seconds. */
const CONFIG_TEXT = `[P2P_NETWORK]
TimeoutMS=2000
[P2P_SYNC]
CheckpointIntervalTicks=20
[P2P_COORDINATOR]
HeartbeatIntervalMS=500
HeartbeatTimeoutMS=1500
; every client logs in from 127.0.0.1
LoginRateLimit=1000
`;
const PLAYERS = Array.from({ length: 20 }, (_, n) => `p${String(n + 1).padStart(2, '0')}`);

/** A tracked client that also keeps the world hash at each tick it saw on the VPS. */
class Player extends TrackedClient {
  readonly hashes = new Map<number, string>();

  constructor(name: string, url: string, config: Config) {
    super({ coordinatorUrl: url, player: name, password: passwordOf(name), config });
    this.client.world$.subscribe((world) => {
      if (this.status?.server?.kind === 'vps') this.hashes.set(world.tick, hashWorld(world));
    });
  }
}

describe('20 clients failing over to the VPS (coordinator, two hosts and the VPS as real processes)', function () {
  this.timeout(90_000);
  let cluster: Cluster;
  let config: Config;

  before(async () => {
    config = configOf(CONFIG_TEXT);
    cluster = await startCluster({
      hosts: { 'host-1': ['forest'], 'host-2': ['desert'] },
      players: PLAYERS,
      configText: CONFIG_TEXT,
    });
  });
  after(() => cluster.stop());

  const playThroughHostLoss = async (map: string, hostId: string, signal: 'SIGKILL' | 'SIGSTOP') => {
    const players = PLAYERS.map((name) => new Player(name, cluster.url, config));
    let mover: NodeJS.Timeout | undefined;
    try {
      players.forEach((p) => p.client.loadMap(map));
      await eventually(() => players.every((p) => p.connectedTo('p2p') && p.entity() !== undefined));
      expect(new Set(players.map((p) => p.status?.server?.id))).to.deep.equal(new Set([hostId]));
      const entityIds = new Map(players.map((p) => [p.name, p.entity()?.id]));
      players.forEach((p) => p.markStart());
      mover = setInterval(() => players.forEach((p, n) => p.move(n % 2, 1 - (n % 2))), 100);
      const firstTick = Math.max(...players.map((p) => p.world?.tick ?? 0));
      // Two checkpoints later every client holds a signed checkpoint it verified.
      await eventually(() => players.every((p) => (p.world?.tick ?? 0) > firstTick + 45));

      cluster.hosts.get(hostId)?.child.kill(signal);
      await eventually(
        () => players.every((p) => p.connectedTo('vps') && p.events.some((e) => e.type === 'restored')),
        30_000,
      );
      clearInterval(mover);
      for (const p of players) {
        expect(
          p.events.filter((e) => e.type === 'state').map((e) => e.type === 'state' && e.status.state),
        ).to.include('FAILING_OVER');
      }
      // Every input, acknowledged by the lost host or not, is in effect on the VPS, on the same entity.
      await eventually(() =>
        players.every((p) => {
          const now = p.entity();
          return (
            now?.id === entityIds.get(p.name) &&
            now?.x === quantize((p.start?.x ?? 0) + p.moved.dx) &&
            now?.y === quantize((p.start?.y ?? 0) + p.moved.dy)
          );
        }),
      );
      // And they all see one world: at a tick every client has seen on the VPS, one hash.
      const common = () =>
        [...(players[0]?.hashes.keys() ?? [])].filter((tick) => players.every((p) => p.hashes.has(tick)));
      await eventually(() => common().length > 0);
      const tick = common()[0] ?? -1;
      expect(new Set(players.map((p) => p.hashes.get(tick))).size).to.equal(1);
      // A frozen host shows first as a TIMEOUT (no update for UpdateTimeoutMS); nothing may desync or conflict.
      const syncErrors = players.flatMap((p) =>
        p.events.flatMap((e) => (e.type === 'sync_error' ? [e.error.type] : [])),
      );
      expect(syncErrors.filter((type) => type !== 'TIMEOUT')).to.deep.equal([]);
      expect(new Set(players.map((p) => p.world?.entities.size)).size).to.equal(1);
    } finally {
      clearInterval(mover);
      players.forEach((p) => p.client.disconnect());
    }
    expect(players.every((p) => p.status?.state === 'DISCONNECTED')).to.equal(true);
  };

  it('should bring every client to CONNECTED on the VPS with its inputs in effect when the host is SIGKILLed', () =>
    playThroughHostLoss('forest', 'host-1', 'SIGKILL'));

  it('should do the same when the host is frozen by SIGSTOP (noticed by silence)', () =>
    playThroughHostLoss('desert', 'host-2', 'SIGSTOP'));
});
