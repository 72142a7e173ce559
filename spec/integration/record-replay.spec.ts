import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { either } from 'fp-ts';
import { map } from 'rxjs';
import { loadConfig } from '../../config/load-config.js';
import { type ClientEvent, createP2PClient } from '../../streams/client/client.js';
import { wsConnector } from '../../streams/client/connector.js';
import { type Cluster, startCluster } from '../../streams/demo/local-cluster.js';
import { formatEntry, parseRecording } from '../../streams/replay/recording.js';
import { replayRecording } from '../../streams/replay/replay.js';
import { sessionSettings } from '../../streams/session/settings.js';
import { eventually } from '../support/eventually.js';

const bin = fileURLToPath(new URL('../../bin/warp-p2p.js', import.meta.url));
const replayCli = (...args: string[]) =>
  spawnSync(process.execPath, [bin, 'replay', ...args], { encoding: 'utf8' });

describe('recording a live session with a desync, then replaying it', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  let dir: string;
  let recording: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warp-record-'));
    cluster = await startCluster({
      hosts: { 'host-1': ['forest'] },
      players: [],
      allowGuests: true,
      configText: '',
      hostArgs: { 'host-1': ['--record', join(dir, 'host.jsonl')] },
    });
    const loaded = loadConfig({ text: '' });
    if (either.isLeft(loaded)) throw loaded.left;
    const config = loaded.right;
    // The injected fault: from the 40th delta on, the first one carrying a world hash arrives with an entity
    // the host never made (as a bug past the AEAD would): the reconstruction no longer hashes as the host's.
    let deltas = 0;
    let injected = false;
    const live = wsConnector({ settings: sessionSettings(config) });
    const client = createP2PClient(
      { coordinatorUrl: cluster.url, player: 'ann', config },
      {
        connect: (target, outbox$) =>
          live(target, outbox$).pipe(
            map((event) => {
              if (event.type !== 'message' || event.message.kind !== 'delta') return event;
              deltas += 1;
              if (deltas < 40 || event.message.hash === null || injected) return event;
              injected = true;
              const ghost = { id: 9999, kind: 'npc', x: 1, y: 1, vx: 0, vy: 0, hp: 1 } as const;
              return {
                ...event,
                message: { ...event.message, entities: [...event.message.entities, ghost] },
              };
            }),
          ),
      },
    );
    const lines: string[] = [];
    const events: ClientEvent[] = [];
    client.recording$.subscribe((entry) => lines.push(formatEntry(entry)));
    client.events$.subscribe((event) => events.push(event));
    client.loadMap('forest');
    const mover = setInterval(() => client.move(1, 1), 100);
    await eventually(() => events.some((e) => e.type === 'sync_error'));
    const after = lines.length;
    await eventually(() => lines.slice(after).filter((l) => l.includes('"kind":"hash"')).length >= 3);
    clearInterval(mover);
    client.disconnect();
    recording = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, 'session.jsonl'), recording);
    expect(await cluster.hosts.get('host-1')?.stop('SIGTERM')).to.equal(0); // flushes the host's recording
  });
  after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should rebuild the same world hashes and the same sync-error timeline from the recording alone', () => {
    const parsed = parseRecording(recording);
    if (either.isLeft(parsed)) throw parsed.left;
    const result = replayRecording(parsed.right);
    expect(result.syncErrors.recorded).to.have.length.greaterThan(0);
    expect(result.syncErrors.recorded[0]).to.match(/^DESYNC@/);
    expect(result.syncErrors.replayed).to.deep.equal(result.syncErrors.recorded);
    expect(result.hashChecks.length).to.be.greaterThan(5);
    expect(result.hashChecks.filter((c) => c.recorded !== c.replayed)).to.deep.equal([]);
    expect(result.missedHashes).to.deep.equal([]);
    expect(result.matches).to.equal(true);
    // The timeline tells the story: connected, the desync, the resync, the full state that repaired it.
    const kinds = result.timeline.map((e) => e.kind);
    const desyncAt = kinds.indexOf('sync_error');
    expect(kinds.slice(desyncAt)).to.include.ordered.members(['sync_error', 'resync_request', 'full_state']);
  });

  it('should print the timeline, a world at a tick and one entity from the CLI', () => {
    const path = join(dir, 'session.jsonl');
    const human = replayCli(path);
    expect(human.status).to.equal(0);
    expect(human.stdout).to.contain('sync error DESYNC');
    expect(human.stdout).to.contain('resync requested');
    expect(human.stdout).to.match(/hash points rebuilt: 0 differ, 0 not reached/);
    const json = JSON.parse(replayCli(path, '--json', '--until-tick', '20', '--entity', '1').stdout) as {
      matches: boolean;
      world: { tick: number; entities: { id: number }[] };
      entity: { id: number; track: { tick: number }[] };
    };
    expect(json.matches).to.equal(true);
    expect(json.world.tick).to.equal(20);
    expect(json.world.entities.map((e) => e.id)).to.include(1);
    expect(json.entity.track.length).to.be.greaterThan(20);
  });

  it("should rebuild every tick of the host's map from the host's recording, with the same hashes", () => {
    const human = replayCli(join(dir, 'host.jsonl'));
    expect(human.status, human.stderr).to.equal(0);
    expect(human.stdout).to.contain('host host-1');
    expect(human.stdout).to.contain('session session.established ann');
    expect(human.stdout).to.contain('ann joins at tick');
    expect(human.stdout).to.contain('resync requested');
    const parsed = parseRecording(readFileSync(join(dir, 'host.jsonl'), 'utf8'));
    if (either.isLeft(parsed)) throw parsed.left;
    const result = replayRecording(parsed.right);
    expect(result.hashChecks.length).to.be.greaterThan(50);
    expect(result.hashChecks.filter((c) => c.recorded !== c.replayed)).to.deep.equal([]);
    expect(result.matches).to.equal(true);
  });

  it('should name the line of a corrupt or truncated recording', () => {
    const lines = recording.split('\n');
    const corrupt = join(dir, 'corrupt.jsonl');
    writeFileSync(
      corrupt,
      [...lines.slice(0, 5), '{"t":1,"kind":"source","source":{"type":"warp"}}', ...lines.slice(5)].join(
        '\n',
      ),
    );
    const bad = replayCli(corrupt);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.contain('ERR_RECORDING_CORRUPT');
    expect(bad.stderr).to.contain('line 6: an unknown source type "warp"');

    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, recording.slice(0, recording.length - 20));
    const cut = replayCli(truncated);
    expect(cut.status).to.equal(1);
    expect(cut.stderr).to.contain('ERR_RECORDING_TRUNCATED');
    expect(cut.stderr).to.contain(`line ${lines.length - 1}: the recording stops mid-entry`);
  });
});
