import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type Cluster, passwordOf, startCluster } from '../../streams/demo/local-cluster.js';
import { CliProcess } from '../../streams/demo/cli-process.js';

const CONFIG_TEXT = `[P2P_SYNC]
CheckpointIntervalTicks=20
[P2P_COORDINATOR]
HeartbeatIntervalMS=500
HeartbeatTimeoutMS=1500
`;

type Line = Record<string, unknown>;
const isState = (state: string, kind?: string) => (e: Line) => {
  const status = e['status'] as { state?: string; server?: { kind?: string } | null } | undefined;
  return (
    e['type'] === 'state' && status?.state === state && (kind === undefined || status.server?.kind === kind)
  );
};

describe('warp-p2p client --json, with every role as a real CLI process', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  const clients: CliProcess[] = [];

  before(async () => {
    cluster = await startCluster({
      hosts: { 'host-1': ['forest'] },
      players: ['ann', 'bob'],
      configText: CONFIG_TEXT,
    });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.stop('SIGKILL')));
    await cluster.stop();
  });

  const startClient = (player: string, ...extra: string[]) => {
    const client = new CliProcess([
      'client',
      '--coordinator',
      cluster.url,
      '--player',
      player,
      '--password',
      passwordOf(player),
      '--map',
      'forest',
      '--config',
      cluster.configPath,
      '--json',
      ...extra,
    ]);
    clients.push(client);
    return client;
  };

  it('should play, report its state, answer commands, fail over to the VPS restored, and exit cleanly', async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'warp-client-log-')), 'ann.log');
    const ann = startClient('ann', '--log-file', logFile);
    const bob = startClient('bob');
    await Promise.all([ann, bob].map((c) => c.json(isState('CONNECTED', 'p2p'))));
    for (let n = 0; n < 5; n++) ann.child.stdin.write('move 2 0\n');
    ann.child.stdin.write('/p2p status\n');
    expect((await ann.json((e) => e['type'] === 'command'))['output']).to.match(
      /^CONNECTED p2p host-1 map forest/,
    );
    ann.child.stdin.write('/p2p debug on\n');
    expect(
      (await ann.json((e) => e['type'] === 'command' && e['line'] === '/p2p debug on'))['output'],
    ).to.equal('debug on');
    ann.child.stdin.write('jump\n');
    expect(await ann.json((e) => e['type'] === 'error')).to.include({ code: 'ERR_USAGE' });
    const metrics = await ann.json(
      (e) => e['type'] === 'metrics' && (e['stateUpdates'] as { total: number }).total > 40,
    );
    expect(metrics).to.have.keys([
      'type',
      'latency',
      'packetLoss',
      'bandwidthUsage',
      'stateUpdates',
      'syncErrors',
      'reconnects',
      'failovers',
      'lastFailoverMs',
      'updateJitterMs',
      'stallMs',
      'longestStallMs',
      'reconnectCauses',
    ]);

    await cluster.hosts.get('host-1')?.stop('SIGKILL');
    for (const client of [ann, bob]) {
      await client.json((e) => e['type'] === 'restored' && e['server'] === 'vps-1');
      await client.json(isState('CONNECTED', 'vps'));
      expect(
        client.lines
          .map((l) => JSON.parse(l) as Line)
          .filter((e) => e['type'] === 'state')
          .map((e) => (e['status'] as { state: string }).state),
      ).to.include('FAILING_OVER'); // RECONNECTING too, unless the coordinator's map.moved came first
    }
    expect(await ann.stop('SIGTERM')).to.equal(0);
    expect(ann.lines.at(-1)).to.satisfy((line: string) => isState('DISCONNECTED')(JSON.parse(line) as Line));
    // The log file: JSON lines {ts, level, component, event, data}, with every state change and the failover.
    const logged = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Line);
    expect(logged[0]).to.have.keys(['ts', 'level', 'component', 'event', 'data']);
    expect(logged.find((l) => l['event'] === 'failover')).to.include({ level: 'warn', component: 'client' });
    expect(
      logged
        .filter((l) => l['event'] === 'state')
        .map((l) => (l['data'] as { status: { state: string } }).status.state),
    ).to.include.members(['CONNECTED', 'FAILING_OVER', 'DISCONNECTED']);
  });
});
