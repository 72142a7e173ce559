// A game's own program, written against the installed package as its README says: plain JavaScript, no loader,
// no TypeScript. It starts the installed CLI's coordinator, a P2P host and a VPS, plays a map with a library
// client, kills the host and waits for the client to come back on the VPS. Each step prints one JSON line;
// the consumer spec reads them. Every child process is killed before it exits, whatever happened.
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { P2PConnectionState, createP2PClient, loadConfig } from 'warp-p2p';
import { retryBackoff } from 'warp-p2p/operators';

const say = (step, data = {}) => console.log(JSON.stringify({ step, ...data }));

// A lost host is noticed within 1.5 s, not the shipped 15 s: the failover, not the wait, is under test.
writeFileSync(
  'p2p.ini',
  '[P2P_COORDINATOR]\nHeartbeatIntervalMS=500\nHeartbeatTimeoutMS=1500\n[P2P_SYNC]\nCheckpointIntervalTicks=20\n',
);
const config = loadConfig({ path: 'p2p.ini' });
if (config._tag === 'Left') throw config.left;

const children = [];
/** `warp-p2p ARGS…` as installed (node_modules/.bin), and its JSON events. */
const cli = (...args) => {
  const child = spawn('node_modules/.bin/warp-p2p', [...args, '--config', 'p2p.ini', '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const events = [];
  const waiting = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    events.push(event);
    for (const w of waiting.splice(0)) {
      if (w.match(event)) w.resolve(event);
      else waiting.push(w);
    }
  });
  /** The first event that matches, seen before or after now. */
  const next = (match) =>
    new Promise((resolve) => {
      const seen = events.find(match);
      if (seen !== undefined) resolve(seen);
      else waiting.push({ match, resolve });
    });
  return { child, next };
};

const cleanUp = () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
};
process.on('exit', cleanUp);

/** `warp-p2p account add NAME …`: the accounts file the coordinator reads. */
const addAccount = (name, ...flags) =>
  promisify(execFile)('node_modules/.bin/warp-p2p', [
    'account',
    'add',
    name,
    ...flags,
    '--accounts',
    'accounts.json',
  ]);

try {
  say('operators', { retryBackoff: typeof retryBackoff });
  await addAccount('hoster', '--host', '--password', 'hoster-pw');
  await addAccount('ada', '--password', 'ada-pw');
  const coordinator = cli(
    'coordinator',
    ...[
      '--port',
      '0',
      '--data-dir',
      'coordinator-data',
      '--accounts',
      'accounts.json',
      '--service-key',
      'sk',
    ],
  );
  const { url } = await coordinator.next((e) => e.event === 'listening');
  say('coordinator', { url });
  const host = cli(
    'host',
    ...['--coordinator', url, '--id', 'host-1', '--port', '0', '--maps', 'forest'],
    ...['--account', 'hoster', '--password', 'hoster-pw'],
  );
  const vps = cli('vps', '--coordinator', url, '--port', '0', '--service-key', 'sk', '--id', 'vps-1');
  const listening = await host.next((e) => e.event === 'listening');
  await Promise.all([host, vps].map((p) => p.next((e) => e.type === 'registered')));
  say('servers', { aead: listening.aead });

  const client = createP2PClient({
    coordinatorUrl: url,
    player: 'ada',
    password: 'ada-pw',
    config: config.right,
  });
  const connectedTo = (kind) =>
    firstValueFrom(
      client.state$.pipe(
        filter((s) => s.state === P2PConnectionState.CONNECTED && s.server?.kind === kind),
        timeout(30_000),
      ),
    );
  const onHost = connectedTo('p2p');
  client.loadMap('forest');
  say('connected', (await onHost).server);

  const onVps = connectedTo('vps');
  host.child.kill('SIGKILL');
  say('killed', { host: 'host-1' });
  say('failed-over', (await onVps).server);
  client.disconnect();
} catch (error) {
  say('failed', { message: String(error?.stack ?? error) });
  process.exitCode = 1;
} finally {
  cleanUp();
}
