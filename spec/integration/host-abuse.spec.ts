import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { BehaviorSubject, firstValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import { type TicketKeys, generateTicketKeys, issueTicket } from '../../lib/crypto/tickets.js';
import type { Message } from '../../lib/protocol/messages.js';
import { DEFAULT_RULES } from '../../lib/world/world.js';
import type { SessionServerEvent } from '../../streams/host/session-server.js';
import { clientHandshake } from '../../streams/session/handshake.js';
import { fromWebSocket } from '../../streams/session/ws-duplex.js';
import { eventually } from '../support/eventually.js';
import { TEST_WORLD, type TestHostServer, startTestHostServer } from '../support/host-server.js';
import { type TestPki, createTestPki } from '../support/pki.js';
import { type RawSession, openRawSession } from '../support/raw-session.js';
import { connectTcp, pingFrames, upgrade, upgradeHead } from '../support/raw-tcp.js';
import { baseSettings } from '../support/session-harness.js';
import type { SyncClient } from '../support/sync-client.js';

/** A short handshake deadline, so stalled connections end within a spec (unless an attacker must sit idle). */
const settings = { ...baseSettings, timeoutMs: 2000 };
/** How long each of the two windows a legitimate player's updates are counted over lasts. */
const WINDOW_MS = 1500;
const SETTLE_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const times = <T>(n: number, make: (n: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i + 1));

/**
 * The state updates a playing client got while `attack` ran, against as many in a window as long just before it: a
 * ratio of counts. The attack is started, not awaited, so a host it blocks shows in the second window.
 */
const updateRatio = async (player: SyncClient, attack: () => void): Promise<number> => {
  // Updates held back while the spec set up (handshakes of its own) arrive together: not a window's worth.
  await sleep(SETTLE_MS);
  const before = player.deltas;
  await sleep(WINDOW_MS);
  const base = player.deltas - before;
  const at = player.deltas;
  attack();
  await sleep(WINDOW_MS);
  return (player.deltas - at) / base;
};

/** Resolves with the close, or null when the connection is still open after `ms` (a spec's bound, not a timing). */
const closedWithin = <T>(closed: Promise<T>, ms: number): Promise<T | null> =>
  Promise.race([closed, sleep(ms).then(() => null)]);

/** A host's load as host-role.ts counts it: established sessions, from the server's own events, at every event. */
const loads = (events: readonly SessionServerEvent[]): number[] => {
  let load = 0;
  return events.map((event) => {
    if (event.event === 'session.established') load += 1;
    else if (event.event === 'session.closed' && event.established) load -= 1;
    return load;
  });
};

const closedCodes = (server: TestHostServer, player: string | null) =>
  server.events.flatMap((e) => (e.event === 'session.closed' && e.player === player ? [e.code] : []));

describe('host session server under attack, over real WebSockets on 127.0.0.1', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let ticketKeys: TicketKeys;
  const sockets: { terminate: () => void }[] = [];

  before(async () => {
    pki = createTestPki();
    ticketKeys = await generateTicketKeys();
  });
  afterEach(() => {
    sockets.forEach((s) => s.terminate());
    sockets.length = 0;
  });

  const ticketFor = (player: string) =>
    issueTicket(ticketKeys.privateKey, {
      player,
      map: 'forest',
      host: 'host-1',
      mapEpoch: 1,
      validitySeconds: 60,
      now: Date.now(),
    });
  const rawSession = async (server: TestHostServer, player: string): Promise<RawSession> => {
    const session = await openRawSession(server.url, {
      hostId: 'host-1',
      ticket: await ticketFor(player),
      caPem: pki.ca.certificatePem,
      settings,
    });
    sockets.push(session.socket);
    return session;
  };
  /** A playing client, and proof it plays: its first updates. */
  const player = async (server: TestHostServer, name: string) => {
    const client = await server.join(name);
    await eventually(() => client.deltas > 5);
    return client;
  };

  describe('with one connection flooding messages', () => {
    let server: TestHostServer;
    let ann: SyncClient;

    beforeEach(async () => {
      // The default TimeoutMS: a hand-driven attacker sends no keepalive while the spec counts the first window.
      server = await startTestHostServer(pki, ticketKeys, 'host-1', { settings: baseSettings });
      ann = await player(server, 'ann');
    });
    afterEach(() => server.close());

    it('should cut a burst of pings with ERR_RATE_LIMITED then ERR_TOO_MANY_REJECTIONS, and keep the others playing', async () => {
      const mallory = await rawSession(server, 'mallory');
      const ping = (id: number): Message => ({ kind: 'ping', id, time: id });
      const frames = times(1000, (f) => mallory.frame(times(256, (n) => ping(f * 256 + n))));
      const ratio = await updateRatio(ann, () => frames.forEach(mallory.send));
      // The host stops reading a connection it cut for a flood: its close ends after TimeoutMS.
      const closed = await closedWithin(mallory.closed, 10_000);
      expect(mallory.errors()).to.include('ERR_RATE_LIMITED');
      expect(mallory.received.filter((m) => m.kind === 'pong').length).to.be.below(64);
      expect(closed?.reason).to.equal('ERR_TOO_MANY_REJECTIONS');
      expect(closedCodes(server, 'mallory')).to.deep.equal(['ERR_TOO_MANY_REJECTIONS']);
      expect(ratio).to.be.at.least(0.9);
      expect(ann.error).to.equal(undefined);
      await player(server, 'bob');
    });

    it('should cut a flood of WebSocket ping frames, answering none', async () => {
      const raw = await connectTcp(server.url);
      sockets.push({ terminate: () => raw.socket.destroy() });
      await upgrade(raw, server.url);
      const ratio = await updateRatio(ann, () => raw.socket.write(pingFrames(1_000_000)));
      expect(await closedWithin(raw.closed, 10_000)).to.not.equal(null);
      // A pong frame from the server starts 0x8a; the 101 answer and a close frame carry none.
      expect(raw.received().includes(0x8a)).to.equal(false);
      expect(raw.received().includes('ERR_TOO_MANY_REJECTIONS')).to.equal(true);
      expect(closedCodes(server, null)).to.include('ERR_TOO_MANY_REJECTIONS');
      expect(ratio).to.be.at.least(0.9);
      expect(ann.error).to.equal(undefined);
    });

    it('should move a player who sends 256 inputs in one frame no faster than one step a tick, and cut the next flood with ERR_INPUT_FLOOD', async () => {
      const mallory = await rawSession(server, 'mallory');
      const xs: number[] = [];
      server.mapEvents.subscribe(({ event }) => {
        if (event.type !== 'ticked') return;
        const id = event.world.players['mallory'];
        const x = id === undefined ? undefined : event.world.entities.get(id)?.x;
        if (x !== undefined) xs.push(x);
      });
      await eventually(() => xs.length > 0);
      const input = (seq: number): Message => ({ kind: 'input', seq, tick: 0, dx: 10, dy: 0 });
      const ratio = await updateRatio(ann, () => {
        mallory.send(mallory.frame(times(256, input)));
      });
      await eventually(() => xs.length > 40);
      const steps = xs.slice(1).map((x, n) => x - (xs[n] as number));
      expect(Math.max(...steps)).to.be.at.most(DEFAULT_RULES.maxStep);
      expect((xs.at(-1) as number) - (xs[0] as number)).to.be.at.most(
        DEFAULT_RULES.maxStep * (xs.length - 1),
      );

      mallory.send(mallory.frame(times(256, (n) => input(256 + n))));
      const closed = await closedWithin(mallory.closed, 5000);
      expect(closed?.reason).to.equal('ERR_INPUT_FLOOD');
      expect(mallory.errors()).to.include('ERR_INPUT_FLOOD');
      expect(ratio).to.be.at.least(0.9);
      expect(ann.error).to.equal(undefined);
    });
  });

  describe('with unauthenticated connections', () => {
    let server: TestHostServer;
    let ann: SyncClient;
    const leases$ = new BehaviorSubject<ReadonlyMap<string, number>>(new Map([['forest', 1]]));

    beforeEach(async () => {
      server = await startTestHostServer(pki, ticketKeys, 'host-1', {
        settings: { ...settings, maxHandshakeSlots: 5 },
        leases$,
        world: TEST_WORLD,
        maxPendingHandshakes: 3,
      });
      ann = await player(server, 'ann');
    });
    afterEach(() => server.close());

    it('should close an HTTP upgrade that stalls, after TimeoutMS, with ERR_HANDSHAKE_TIMEOUT', async () => {
      const stalled = await connectTcp(server.url);
      const silent = await connectTcp(server.url);
      sockets.push(
        { terminate: () => stalled.socket.destroy() },
        { terminate: () => silent.socket.destroy() },
      );
      stalled.socket.write(upgradeHead(server.url)); // never the blank line that ends the headers
      expect(await closedWithin(stalled.closed, 10_000)).to.not.equal(null);
      expect(await closedWithin(silent.closed, 10_000)).to.not.equal(null);
      expect(closedCodes(server, null).filter((c) => c === 'ERR_HANDSHAKE_TIMEOUT')).to.have.length(2);
      expect(ann.error).to.equal(undefined);
    });

    it('should refuse a connection past MaxPendingHandshakes from one address before its upgrade', async () => {
      const held = await Promise.all(times(3, () => connectTcp(server.url)));
      held.forEach((raw) => sockets.push({ terminate: () => raw.socket.destroy() }));
      const extra = await connectTcp(server.url);
      sockets.push({ terminate: () => extra.socket.destroy() });
      expect(await closedWithin(extra.closed, 1000)).to.not.equal(null);
      // Refused at once, not timed out: those before it are still open.
      expect(held.every((raw) => !raw.socket.destroyed && raw.socket.readyState === 'open')).to.equal(true);
      expect(closedCodes(server, null)).to.include('ERR_RATE_LIMITED');
    });

    it('should refuse connections past MaxHandshakeSlots from every address together', async () => {
      const fromAddress = (address: string) => connectTcp(server.url, address);
      const held = await Promise.all([
        ...times(3, () => fromAddress('127.0.0.2')),
        ...times(2, () => fromAddress('127.0.0.3')),
      ]);
      held.forEach((raw) => sockets.push({ terminate: () => raw.socket.destroy() }));
      const extra = await fromAddress('127.0.0.4');
      sockets.push({ terminate: () => extra.socket.destroy() });
      expect(await closedWithin(extra.closed, 1000)).to.not.equal(null);
      expect(held.every((raw) => raw.socket.readyState === 'open')).to.equal(true);
      // The players already playing are not touched; and a slot given back is free for the next one.
      held.forEach((raw) => raw.socket.destroy());
      await Promise.all(held.map((raw) => raw.closed));
      await player(server, 'bob');
      expect(ann.error).to.equal(undefined);
    });
  });

  describe('with a flood of handshakes', () => {
    let server: TestHostServer;
    let ann: SyncClient;

    beforeEach(async () => {
      server = await startTestHostServer(pki, ticketKeys, 'host-1', { settings, maxPendingHandshakes: 16 });
      ann = await player(server, 'ann');
    });
    afterEach(() => server.close());

    /** A valid hello: the socket, and the host's welcome once it has verified it (null: refused or closed). */
    const hello = async (ticket: string) => {
      const socket = new WebSocket(server.url);
      socket.on('error', () => undefined);
      sockets.push(socket);
      const opened = await new Promise<boolean>((resolve) => {
        socket.once('open', () => resolve(true));
        socket.once('close', () => resolve(false));
      });
      if (!opened) return { socket, welcome: Promise.resolve(null) };
      const welcome = firstValueFrom(
        clientHandshake(fromWebSocket(socket), {
          ticket,
          hostId: 'host-1',
          ca: new X509Certificate(pki.ca.certificatePem),
          encrypted: true,
          limits: settings.limits,
        }),
      ).catch(() => null);
      return { socket, welcome };
    };

    it('should keep the others playing through 250 valid handshakes a second, abandoned after the welcome', async () => {
      const tickets = await Promise.all(times(375, (n) => ticketFor(`flood-${n}`)));
      let running = true;
      const flood = (async () => {
        for (const ticket of tickets) {
          if (!running) break;
          void hello(ticket).then(async ({ socket, welcome }) => {
            await welcome;
            socket.terminate();
          });
          await sleep(4);
        }
      })();
      const ratio = await updateRatio(ann, () => undefined);
      running = false;
      await flood;
      expect(ratio).to.be.at.least(0.9);
      expect(ann.error).to.equal(undefined);
      await player(server, 'bob');
    });

    it("should refuse one player's ticket replayed into handshakes past MaxHandshakesPerPlayerPerSecond, and let another player in", async () => {
      const ticket = await ticketFor('mallory');
      const outcomes: string[] = [];
      for (let n = 0; n < 3 * settings.handshakesPerPlayerPerSecond; n += 1) {
        const socket = new WebSocket(server.url);
        socket.on('error', () => undefined);
        sockets.push(socket);
        await new Promise((resolve) => socket.once('open', resolve));
        const outcome = await firstValueFrom(
          clientHandshake(fromWebSocket(socket), {
            ticket,
            hostId: 'host-1',
            ca: new X509Certificate(pki.ca.certificatePem),
            encrypted: true,
            limits: settings.limits,
          }),
        ).then(
          () => 'welcome',
          (error: { code?: string }) => error.code ?? 'unknown',
        );
        outcomes.push(outcome);
        socket.terminate();
      }
      expect(outcomes.filter((o) => o === 'welcome').length).to.be.at.least(
        settings.handshakesPerPlayerPerSecond,
      );
      expect(outcomes.filter((o) => o !== 'welcome')).to.include('ERR_RATE_LIMITED');
      expect(outcomes.filter((o) => o !== 'welcome' && o !== 'ERR_RATE_LIMITED')).to.deep.equal([]);
      expect(ann.error).to.equal(undefined);
      await player(server, 'bob');
    });

    it('should end hellos left without a finished after TimeoutMS, refusing those past the cap, and keep the others playing', async () => {
      const tickets = await Promise.all(times(24, (n) => ticketFor(`idle-${n}`)));
      const ratio = await updateRatio(ann, () => tickets.forEach((ticket) => void hello(ticket)));
      const codes = () =>
        server.events.flatMap((e) => (e.event === 'session.closed' && !e.established ? [e.code] : []));
      await eventually(() => codes().length >= 24, 10_000);
      expect(codes()).to.have.length(24);
      expect(codes().filter((c) => c === 'ERR_HANDSHAKE_TIMEOUT')).to.have.length(16);
      expect(codes().filter((c) => c === 'ERR_RATE_LIMITED')).to.have.length(8);
      expect(ratio).to.be.at.least(0.9);
      expect(ann.error).to.equal(undefined);
    });

    it("should never count a host's load below zero, whatever stage a handshake is abandoned at", async () => {
      const abandon = {
        tcp: async () => (await connectTcp(server.url)).socket.destroy(),
        upgraded: async () => {
          const raw = await connectTcp(server.url);
          await upgrade(raw, server.url);
          raw.socket.destroy();
        },
        hello: async () => (await hello(await ticketFor('at-hello'))).socket.terminate(),
        welcome: async () => {
          const { socket, welcome } = await hello(await ticketFor('at-welcome'));
          await welcome;
          socket.terminate();
        },
        finished: async () => (await rawSession(server, 'at-finished')).socket.terminate(),
        established: async () => {
          const session = await rawSession(server, 'established');
          await eventually(() => session.received.some((m) => m.kind === 'full_state'));
          session.socket.terminate();
        },
        // The repro of the issue: two valid hellos of one player, both abandoned after the welcome.
        twice: async () => {
          const ticket = await ticketFor('twice');
          const [a, b] = await Promise.all([hello(ticket), hello(ticket)]);
          await Promise.all([a.welcome, b.welcome]);
          a.socket.terminate();
          b.socket.terminate();
        },
        replaced: async () => {
          const first = await rawSession(server, 'replaced');
          const second = await rawSession(server, 'replaced');
          await eventually(() => first.errors().includes('ERR_SESSION_REPLACED'));
          second.socket.terminate();
        },
      };
      for (const run of Object.values(abandon)) await run();
      await Promise.all(Object.values(abandon).map((run) => run()));
      await eventually(
        () =>
          server.events.filter((e) => e.event === 'session.established').length ===
          server.events.filter((e) => e.event === 'session.closed' && e.established).length + 1,
      );
      expect(Math.min(...loads(server.events))).to.equal(0);
      expect(loads(server.events).at(-1)).to.equal(1);
      expect(ann.error).to.equal(undefined);
    });
  });
});
