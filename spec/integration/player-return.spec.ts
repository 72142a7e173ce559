import { expect } from 'chai';
import type { Config } from '../../config/schema.js';
import { quantize } from '../../lib/protocol/hot-codecs.js';
import { type Cluster, startCluster } from '../../streams/demo/local-cluster.js';
import { TrackedClient } from '../../streams/demo/tracked-client.js';
import { eventually } from '../support/eventually.js';
import { configOf, trackedPlayer } from '../support/players.js';

const CONFIG_TEXT = `[P2P_NETWORK]
TimeoutMS=2000
[P2P_COORDINATOR]
HeartbeatIntervalMS=500
HeartbeatTimeoutMS=1500
LoginRateLimit=1000
`;
const PLAYERS = ['ann', 'bob', 'cy', 'dee'];

/** Every move the client made is in effect on the entity it had when it started. */
const inEffect = (p: TrackedClient, id: number | undefined) => {
  const now = p.entity();
  return (
    now?.id === id &&
    now?.x === quantize((p.start?.x ?? 0) + p.moved.dx) &&
    now?.y === quantize((p.start?.y ?? 0) + p.moved.dy)
  );
};

const states = (p: TrackedClient) => p.events.flatMap((e) => (e.type === 'state' ? [e.status.state] : []));

describe('a player who leaves its host and comes back (coordinator, host and VPS as real processes)', function () {
  this.timeout(60_000);
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
  after(() => cluster.stop());
  afterEach(() => {
    players.forEach((p) => p.client.disconnect());
    players = [];
  });

  const join = async (names: readonly string[]) => {
    players = names.map((name) => trackedPlayer(cluster, name, config));
    players.forEach((p) => p.client.loadMap('forest'));
    await eventually(() => players.every((p) => p.connectedTo('p2p') && p.entity() !== undefined));
    players.forEach((p) => p.markStart());
    return new Map(players.map((p) => [p.name, p.entity()?.id]));
  };

  const walk = async (steps: number) => {
    for (let n = 0; n < steps; n++) {
      players.forEach((p, i) => p.move(i % 2 === 0 ? 3 : -2, 1));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  };

  it('should keep its entity, position and every move across /p2p reconnect', async () => {
    const ids = await join(PLAYERS);
    await walk(20);
    await eventually(() => players.every((p) => inEffect(p, ids.get(p.name))));
    players.forEach((p) => expect(p.client.command('/p2p reconnect')).to.equal('reconnecting'));
    await walk(10); // moves made while reconnecting are sent once the connection is back
    await eventually(() => players.every((p) => p.connectedTo('p2p') && inEffect(p, ids.get(p.name))));
    players.forEach((p) => expect(states(p)).to.include('RECONNECTING'));
  });

  it('should keep them too when /p2p failover is refused by the VPS and the client goes back to its host', async () => {
    const ids = await join(['ann', 'bob']);
    await walk(10);
    players.forEach((p) => expect(p.client.command('/p2p failover')).to.equal('failing over to the VPS'));
    // The VPS refuses a map the coordinator never moved (ERR_LEASE_REVOKED): the client goes back to its host.
    await eventually(() =>
      players.every((p) => p.events.some((e) => e.type === 'retrying' && e.code === 'ERR_LEASE_REVOKED')),
    );
    players.forEach((p) => expect(states(p)).to.include('FAILING_OVER'));
    await walk(5);
    await eventually(
      () => players.every((p) => p.connectedTo('p2p') && inEffect(p, ids.get(p.name))),
      20_000,
    );
  });

  it('should close the first session of a player who logs in again with ERR_SESSION_REPLACED, for good', async () => {
    const ids = await join(['cy']);
    const first = players[0] as TrackedClient;
    await walk(10);
    await eventually(() => inEffect(first, ids.get('cy')));
    const second = trackedPlayer(cluster, 'cy', config);
    players.push(second);
    second.client.loadMap('forest');
    await eventually(() => second.connectedTo('p2p') && first.status?.state === 'DISCONNECTED');
    expect(first.events).to.deep.include({
      type: 'error',
      code: 'ERR_SESSION_REPLACED',
      message: (first.events.find((e) => e.type === 'error') as { message: string } | undefined)?.message,
    });
    await eventually(() => second.entity()?.id === ids.get('cy') && second.entity()?.x === first.entity()?.x);
    // The replaced session stays down: it does not come back to take the player from the new one.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(first.status?.state).to.equal('DISCONNECTED');
    expect(second.connectedTo('p2p')).to.equal(true);
  });
});
