import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Subject, firstValueFrom, switchMap, take, timeout } from 'rxjs';
import { defaultConfig } from '../../config/load-config.js';
import type { Message } from '../../lib/protocol/messages.js';
import { playerAgent$ } from '../../streams/coordinator/player-agent.js';
import type { ChannelEvent } from '../../streams/session/channel.js';
import { clientSession } from '../../streams/session/session.js';
import { sessionSettings } from '../../streams/session/settings.js';
import { connectWebSocket } from '../../streams/session/ws-duplex.js';
import { CliProcess } from '../../streams/demo/cli-process.js';
import { Recorder, isAssigned, isLoggedIn, isMoved } from '../support/coordinator-harness.js';

/** A real client handshake with the host at `url`; resolves with the first channel event or rejects with its code. */
const handshake = (url: string, hostId: string, ticket: string, caPem: string): Promise<ChannelEvent> =>
  firstValueFrom(
    connectWebSocket(url).pipe(
      switchMap((duplex) =>
        clientSession(duplex, {
          settings: sessionSettings(defaultConfig),
          ticket,
          hostId,
          ca: new X509Certificate(caPem),
          outbox$: new Subject<Message>(),
        }),
      ),
      take(1),
      timeout(10_000),
    ),
  );

describe('coordinator, host and VPS as real processes on 127.0.0.1', () => {
  let dir: string;
  const processes: CliProcess[] = [];
  const start = (args: string[]) => {
    const child = new CliProcess(args);
    processes.push(child);
    return child;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warp-roles-'));
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should admit a ticketed player on the owner, then move the map to the VPS when the host is killed', async () => {
    const accounts = join(dir, 'accounts.json');
    expect(
      await start(['account', 'add', 'hoster', '--host', '--password', 'hp', '--accounts', accounts]).exited,
    ).to.equal(0);
    expect(
      await start(['account', 'add', 'ann', '--password', 'ap', '--accounts', accounts]).exited,
    ).to.equal(0);

    const coordinator = start([
      'coordinator',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'data'),
      '--accounts',
      accounts,
      '--service-key',
      'sk',
      '--json',
    ]);
    const url = (await coordinator.json((e) => e['event'] === 'listening'))['url'] as string;
    const host = start([
      'host',
      '--coordinator',
      url,
      '--id',
      'host-1',
      '--port',
      '0',
      '--maps',
      'forest',
      '--account',
      'hoster',
      '--password',
      'hp',
      '--json',
    ]);
    const vps = start([
      'vps',
      '--coordinator',
      url,
      '--port',
      '0',
      '--service-key',
      'sk',
      '--id',
      'vps-1',
      '--json',
    ]);
    await host.json((e) => e['type'] === 'registered');
    await vps.json((e) => e['type'] === 'registered');

    const maps = new Subject<string>();
    const player = new Recorder(
      playerAgent$(
        {
          coordinatorUrl: url,
          player: 'ann',
          password: 'ap',
          reconnectDelayMs: 100,
          maxReconnectDelayMs: 500,
        },
        maps,
      ),
    );
    try {
      maps.next('forest');
      const login = await player.next(isLoggedIn);
      const { assignment } = await player.next(isAssigned);
      expect(assignment.owner.id).to.equal('host-1');
      await host.json((e) => e['type'] === 'lease.granted' && e['map'] === 'forest');

      const onHost = await handshake(assignment.owner.url, 'host-1', assignment.ticket, login.caCertificate);
      expect(onHost).to.include({ type: 'established', hostId: 'host-1', player: null });
      expect((onHost as { certificate: string }).certificate).to.contain('BEGIN CERTIFICATE');
      await host.json((e) => e['event'] === 'session.established' && e['player'] === 'ann');

      // The VPS ticket issued up front is refused until the VPS holds the map: no split brain.
      const early = await handshake(
        assignment.vps?.url ?? '',
        'vps-1',
        assignment.vps?.ticket ?? '',
        login.caCertificate,
      ).catch((error: { code?: string }) => error.code);
      expect(early).to.equal('ERR_LEASE_REVOKED');

      await host.stop('SIGKILL');
      const moved = await player.next(isMoved);
      expect(moved.owner?.id).to.equal('vps-1');
      expect(moved.epoch).to.equal(2);
      await vps.json((e) => e['type'] === 'lease.granted' && e['map'] === 'forest' && e['restore'] === true);
      const onVps = await handshake(moved.owner?.url ?? '', 'vps-1', moved.ticket ?? '', login.caCertificate);
      expect(onVps.type).to.equal('established');
      expect(await coordinator.json((e) => e['event'] === 'map.moved')).to.include({
        map: 'forest',
        from: 'host-1',
        to: 'vps-1',
      });
    } finally {
      player.subscription.unsubscribe();
    }
    expect(await coordinator.stop()).to.equal(0);
  });
});
