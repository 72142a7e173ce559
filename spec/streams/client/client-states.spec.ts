import { expect } from 'chai';
import { type Observable, map, merge, mergeMap } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { Assignment } from '../../../lib/coordinator/protocol.js';
import { P2PError } from '../../../lib/errors.js';
import { type ClientEvent, createP2PClient } from '../../../streams/client/client.js';
import type { ConnectionStatus, LinkEvent } from '../../../streams/client/connection-state.js';
import type { Connector } from '../../../streams/client/connector.js';
import type { HostReport, PlayerAgentEvent } from '../../../streams/coordinator/player-agent.js';
import { testScheduler } from '../../support/marbles.js';

const assignment: Assignment = {
  map: 'forest',
  epoch: 1,
  owner: { id: 'host-1', url: 'ws://host-1', kind: 'p2p' },
  ticket: 't-host',
  vps: { id: 'vps-1', url: 'ws://vps-1', kind: 'vps', ticket: 't-vps' },
};
const AGENT: Record<string, PlayerAgentEvent> = {
  l: { type: 'logged-in', player: 'ann', caCertificate: 'CA', ticketPublicKey: 'K' },
  a: { type: 'assigned', assignment },
  m: {
    type: 'map.moved',
    map: 'forest',
    epoch: 2,
    owner: { id: 'vps-1', url: 'ws://vps-1', kind: 'vps' },
    ticket: 't-moved',
  },
};
const LINK: Record<string, LinkEvent> = {
  o: { type: 'open' },
  e: { type: 'established', hostId: 'h', player: 'ann', certificate: null },
  f: {
    type: 'message',
    message: {
      kind: 'full_state',
      tick: 7,
      lastInput: 0,
      hash: '0000000000000000',
      entities: [],
      players: {},
    },
  },
};
const lost = new P2PError('ERR_CONNECTION_CLOSED', 'peer closed');
const notServed = new P2PError('ERR_LEASE_REVOKED', 'the VPS does not serve forest under this epoch');
const forged = new P2PError('ERR_HANDSHAKE_SIGNATURE', 'transcript signature does not verify');

/** One letter per status, so the expected marbles read as the state machine's path. */
const letter = (status: ConnectionStatus): string => {
  const server = status.server?.id ?? null;
  switch (status.state) {
    case 'DISCONNECTED':
      return status.map === null ? 'd' : 'D';
    case 'CONNECTING':
      return server === null ? 'c' : 'h';
    case 'AUTHENTICATING':
      return 'a';
    case 'CONNECTED':
      return server === 'vps-1' ? 'V' : 'C';
    case 'RECONNECTING':
      return 'R';
    case 'FAILING_OVER':
      return 'F';
  }
};

interface Scenario {
  /** The coordinator's events for this player (l: logged in, a: assigned, m: map moved to the VPS). */
  readonly agent?: string;
  /** One marble per connection attempt, by server id (the last repeats); `#` is `errors[server]`. */
  readonly scripts: Readonly<Record<string, readonly string[]>>;
  readonly errors?: Readonly<Record<string, P2PError>>;
  /** Tickets the servers refuse from a virtual time on, with the error (an expired ticket, say). */
  readonly refused?: Readonly<Record<string, readonly [number, P2PError]>>;
  /** What the coordinator answers when the client asks for its map again (fresh tickets). */
  readonly renewed?: PlayerAgentEvent;
  /** What to do at which virtual time. */
  readonly at?: readonly (readonly [number, (client: ReturnType<typeof createP2PClient>) => void])[];
}

const run = (
  scenario: Scenario,
  check: (
    state$: Observable<string>,
    helpers: Parameters<Parameters<TestScheduler['run']>[0]>[0],
    scheduler: TestScheduler,
  ) => void,
) => {
  const attempts: Record<string, number> = {};
  const reports: HostReport[] = [];
  const events: ClientEvent[] = [];
  const eventTimes: (readonly [number, ClientEvent['type']])[] = [];
  const scheduler = testScheduler();
  scheduler.run((helpers) => {
    const connect: Connector = (target) => {
      const [from, refusal] = scenario.refused?.[target.ticket] ?? [Infinity, null];
      if (scheduler.now() >= from) return helpers.cold('-#', {}, refusal);
      const id = target.server.id;
      const n = (attempts[id] = (attempts[id] ?? 0) + 1);
      const scripts = scenario.scripts[id] ?? ['-'];
      return helpers.cold(
        scripts[Math.min(n, scripts.length) - 1] ?? '-',
        LINK,
        scenario.errors?.[id] ?? lost,
      );
    };
    const client = createP2PClient(
      { coordinatorUrl: 'ws://coordinator', player: 'ann' },
      {
        scheduler,
        connect,
        coordinator: (_maps$, reports$, renew$) => {
          reports$.subscribe((r) => reports.push(r));
          const renewed = scenario.renewed;
          return merge(
            helpers.cold(scenario.agent ?? 'l 9ms a', AGENT),
            renew$.pipe(mergeMap(() => (renewed === undefined ? [] : [renewed]))),
          );
        },
      },
    );
    client.events$.subscribe((e) => {
      events.push(e);
      eventTimes.push([scheduler.now(), e.type]);
    });
    scheduler.schedule(() => client.loadMap('forest'), 1);
    for (const [time, act] of scenario.at ?? []) scheduler.schedule(() => act(client), time);
    // Virtual time runs until nothing is scheduled: the client's timers stop only when it is disconnected.
    scheduler.schedule(() => client.disconnect(), 7000);
    check(client.state$.pipe(map(letter)), helpers, scheduler);
  });
  return { attempts, reports, events, eventTimes };
};

const window = '^ 6000ms !';

describe('client connection state machine (marbles, virtual time)', () => {
  it('should go CONNECTING → AUTHENTICATING → CONNECTED on a first connect', () => {
    const { attempts } = run({ scripts: { 'host-1': ['-o-e'] } }, (state$, { expectObservable }) =>
      expectObservable(state$, window).toBe('dc 8ms ha-C'),
    );
    expect(attempts).to.deep.equal({ 'host-1': 1 });
  });

  it('should fail over at once, without retries, when the host fails verification, and report it', () => {
    const { attempts, reports, events } = run(
      { scripts: { 'host-1': ['-o-#'], 'vps-1': ['-o-e'] }, errors: { 'host-1': forged } },
      (state$, { expectObservable }) => expectObservable(state$, window).toBe('dc 8ms ha-F--V'),
    );
    expect(attempts).to.deep.equal({ 'host-1': 1, 'vps-1': 1 });
    expect(reports).to.deep.equal([{ map: 'forest', hostId: 'host-1', code: 'ERR_HANDSHAKE_SIGNATURE' }]);
    expect(events).to.deep.include({
      type: 'failover',
      reason: 'error',
      from: 'host-1',
      to: 'vps-1',
      code: 'ERR_HANDSHAKE_SIGNATURE',
    });
  });

  it('should get fresh tickets and connect again when its ticket has expired, with no failover and no report', () => {
    const expired = new P2PError('ERR_TICKET_EXPIRED', 'host refused: ticket has expired');
    const { attempts, reports, events } = run(
      {
        scripts: { 'host-1': ['-o-e 20ms #', '-o-e'] },
        refused: { 't-host': [500, expired] },
        renewed: { type: 'assigned', assignment: { ...assignment, ticket: 't-host-2' } },
      },
      (state$, { expectObservable }) => expectObservable(state$, window).toBe('dc 8ms ha-C 20ms R 1003ms C'),
    );
    expect(attempts).to.deep.equal({ 'host-1': 2 });
    expect(reports).to.deep.equal([]);
    expect(events.filter((e) => e.type === 'failover')).to.deep.equal([]);
  });

  it('should go RECONNECTING on a lost socket and back to CONNECTED when a retry works', () => {
    const { attempts } = run(
      { scripts: { 'host-1': ['-o-e 20ms #', '-o-e'] } },
      (state$, { expectObservable }) => expectObservable(state$, window).toBe('dc 8ms ha-C 20ms R 1002ms C'),
    );
    expect(attempts).to.deep.equal({ 'host-1': 2 });
  });

  it('should fail over to the VPS once MaxRetries retries, ReconnectDelay apart, have failed', () => {
    const { attempts, events } = run(
      { scripts: { 'host-1': ['-o-e 20ms #', '-#'], 'vps-1': ['-o-e'] } },
      (state$, { expectObservable }) =>
        expectObservable(state$, window).toBe('dc 8ms ha-C 20ms R 3002ms F--V'),
    );
    expect(attempts).to.deep.equal({ 'host-1': 4, 'vps-1': 1 });
    expect(
      events.filter((e) => e.type === 'retrying').map((e) => e.type === 'retrying' && e.attempt),
    ).to.deep.equal([1, 2, 3]);
  });

  it('should fail over without waiting for retries when the coordinator pushes map.moved', () => {
    const { attempts, events } = run(
      { agent: 'l 9ms a 29ms m', scripts: { 'host-1': ['-o-e 20ms #'], 'vps-1': ['-o-e'] } },
      (state$, { expectObservable }) => expectObservable(state$, window).toBe('dc 8ms ha-C 20ms R 5ms F--V'),
    );
    expect(attempts).to.deep.equal({ 'host-1': 1, 'vps-1': 1 });
    expect(events).to.deep.include({
      type: 'failover',
      reason: 'moved',
      from: 'host-1',
      to: 'vps-1',
      code: null,
    });
  });

  it('should stay FAILING_OVER while the VPS is unreachable, retrying with doubling backoff and saying so', () => {
    const { events } = run(
      {
        scripts: { 'host-1': ['-o-#'], 'vps-1': ['-#'] },
        errors: { 'host-1': forged },
        at: [[5000, (client) => client.disconnect()]],
      },
      (state$, { expectObservable }) => expectObservable(state$).toBe('dc 8ms ha-F 4986ms (d|)'),
    );
    const unreachable = events.filter((e) => e.type === 'vps_unreachable');
    expect(unreachable.map((e) => e.type === 'vps_unreachable' && [e.attempt, e.code])).to.deep.equal([
      [1, 'ERR_CONNECTION_CLOSED'],
      [2, 'ERR_CONNECTION_CLOSED'],
      [3, 'ERR_CONNECTION_CLOSED'],
    ]);
  });

  it('should go back to the host when it gave up on it but the VPS does not serve the map', () => {
    const { attempts, events } = run(
      {
        scripts: { 'host-1': ['-o-e 20ms #', '-#', '-#', '-#', '-o-e'], 'vps-1': ['-#'] },
        errors: { 'vps-1': notServed },
      },
      (state$, { expectObservable }) =>
        expectObservable(state$, window).toBe('dc 8ms ha-C 20ms R 3002ms FR 1002ms C'),
    );
    expect(attempts).to.deep.equal({ 'host-1': 5, 'vps-1': 1 });
    expect(events).to.deep.include({
      type: 'retrying',
      server: 'host-1',
      attempt: 1,
      code: 'ERR_LEASE_REVOKED',
    });
  });

  it('should keep trying the VPS the coordinator named, even if it refuses at first (it may not hold the lease yet)', () => {
    const { attempts } = run(
      {
        agent: 'l 9ms a 29ms m',
        scripts: { 'host-1': ['-o-e 20ms #'], 'vps-1': ['-#', '-o-e'] },
        errors: { 'vps-1': notServed },
      },
      (state$, { expectObservable }) =>
        expectObservable(state$, window).toBe('dc 8ms ha-C 20ms R 5ms F 1003ms V'),
    );
    expect(attempts).to.deep.equal({ 'host-1': 1, 'vps-1': 2 });
  });

  it('should reconnect on /p2p reconnect', () => {
    const { attempts } = run(
      {
        scripts: { 'host-1': ['-o-e'] },
        at: [[100, (client) => expect(client.command('/p2p reconnect')).to.equal('reconnecting')]],
      },
      (state$, { expectObservable }) => expectObservable(state$, window).toBe('dc 8ms ha-C 86ms R 1002ms C'),
    );
    expect(attempts).to.deep.equal({ 'host-1': 2 });
  });

  it('should fail over on /p2p failover', () => {
    const { attempts } = run(
      {
        scripts: { 'host-1': ['-o-e'], 'vps-1': ['-o-e'] },
        at: [[100, (client) => expect(client.command('/p2p failover')).to.equal('failing over to the VPS')]],
      },
      (state$, { expectObservable }) => expectObservable(state$, window).toBe('dc 8ms ha-C 86ms F--V'),
    );
    expect(attempts).to.deep.equal({ 'host-1': 1, 'vps-1': 1 });
  });

  it('should raise a TIMEOUT sync error when no update follows the last for UpdateTimeoutMS', () => {
    const { eventTimes, events } = run(
      { scripts: { 'host-1': ['-o-e-f'] } },
      (state$, { expectObservable }) => expectObservable(state$, window).toBe('dc 8ms ha-C'),
    );
    expect(eventTimes.filter(([, type]) => type === 'sync_error')).to.deep.equal([[1015, 'sync_error']]);
    expect(events).to.deep.include({
      type: 'sync_error',
      error: { type: 'TIMEOUT', tick: 7, detail: 'no state update in time' },
    });
  });

  it('should answer /p2p status and the usage line', () => {
    const answers: string[] = [];
    run(
      {
        scripts: { 'host-1': ['-o-e'] },
        at: [[100, (client) => answers.push(client.command('/p2p status'), client.command('/p2p jump'))]],
      },
      (state$, { expectObservable }) => expectObservable(state$, window).toBe('dc 8ms ha-C'),
    );
    expect(answers).to.deep.equal([
      'CONNECTED p2p host-1 map forest',
      'usage: /p2p status | /p2p metrics | /p2p debug on|off | /p2p reconnect | /p2p failover',
    ]);
  });

  describe('disconnect()', () => {
    const scripts = { 'host-1': ['-o-e 20ms #', '-#'], 'vps-1': ['-o 1000ms e'] };
    const cases: readonly (readonly [string, number, string])[] = [
      ['CONNECTING', 5, 'dc 3ms (d|)'],
      ['AUTHENTICATING', 12, 'dc 8ms ha(d|)'],
      ['CONNECTED', 20, 'dc 8ms ha-C 6ms (d|)'],
      ['RECONNECTING', 500, 'dc 8ms ha-C 20ms R 465ms (d|)'],
      ['FAILING_OVER', 3038, 'dc 8ms ha-C 20ms R 3002ms F(d|)'],
    ];
    for (const [state, time, expected] of cases) {
      it(`should end in DISCONNECTED from ${state}, and complete`, () => {
        run({ scripts, at: [[time, (client) => client.disconnect()]] }, (state$, { expectObservable }) =>
          expectObservable(state$).toBe(expected),
        );
      });
    }
  });
});
