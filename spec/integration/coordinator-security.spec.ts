import { connect } from 'node:net';
import { expect } from 'chai';
import { WebSocket } from 'ws';
import type { Config } from '../../config/schema.js';
import { createCsr, generateRsaKeyPair } from '../../lib/crypto/pki.js';
import { addAccount } from '../../streams/coordinator/accounts.js';
import {
  type World,
  SERVICE_KEY,
  createWorld,
  errorCodeOf,
  rawSocket,
  startCoordinator,
  startHost,
  stopWorld,
  testConfig,
} from '../support/coordinator-harness.js';

/** The attacker's sockets come from 127.0.0.1; a legitimate client from another loopback address. */
const LEGIT = '127.0.0.2';
const ATTACK_LIMIT = testConfig.P2P_COORDINATOR.LoginRateLimit;

/** Rejects when `promise` does not settle within `ms`: what the spec waits for must happen, not hang mocha. */
const within = <T>(ms: number, promise: Promise<T>, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);

type Raw = Awaited<ReturnType<typeof rawSocket>>;

/** Waits for the answers to requests `ids` and counts their error codes ('ok' for a success). */
const codesOf = async (raw: Raw, ids: readonly number[]): Promise<Record<string, number>> => {
  const codes: Record<string, number> = {};
  for (const id of ids) {
    const answer = await raw.answer(id, 15_000);
    const code = answer['ok'] === true ? 'ok' : (errorCodeOf(answer) ?? 'none');
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return codes;
};

/** An upgrade the coordinator turns away: its HTTP status and coded header. */
const refusedUpgrade = (url: string, localAddress: string) =>
  within(
    5000,
    new Promise<{ status: number; code: string | undefined }>((resolve, reject) => {
      const socket = new WebSocket(url, { localAddress });
      socket.on('unexpected-response', (_request, response) => {
        resolve({ status: response.statusCode ?? 0, code: response.headers['x-warp-error'] as string });
        socket.terminate();
      });
      socket.on('error', () => undefined);
      socket.on('open', () => {
        socket.close();
        reject(new Error(`an upgrade from ${localAddress} was accepted`));
      });
    }),
    'refusal',
  );

describe('coordinator under attack (real sockets on 127.0.0.1)', () => {
  let world: World;

  const setUp = async (settings: Partial<Config['P2P_COORDINATOR']> = {}) => {
    world = await createWorld();
    await addAccount(world.accountsPath, 'mallory', 'mallory-pw', ['player', 'host']);
    await startCoordinator(world, 0, 0, settings);
    const host = startHost(world, 'host-1');
    await host.next((e) => e.type === 'registered');
    return host;
  };
  afterEach(() => stopWorld(world));

  const register = (overrides: Record<string, unknown>) => ({
    id: 1,
    type: 'register',
    role: 'p2p',
    hostId: 'evil-1',
    account: 'mallory',
    password: 'mallory-pw',
    csr: createCsr((overrides['hostId'] as string | undefined) ?? 'evil-1', world.hostKeys),
    url: 'ws://127.0.0.1:1/evil',
    maps: [],
    capacity: 10,
    leases: [],
    ...overrides,
  });

  /** A legitimate player from another address logs in and gets `map`; resolves with the assignment. */
  const served = async (name = 'bob', password = 'bob-pw', map = 'forest') => {
    const raw = await rawSocket(world, { localAddress: LEGIT });
    try {
      raw.request({ id: 1, type: 'login', name, password });
      expect((await raw.answer(1, 15_000))['ok'], `${name} logs in`).to.equal(true);
      raw.request({ id: 2, type: 'assign', map });
      const answer = await raw.answer(2, 15_000);
      expect(answer['ok'], `${name} gets ${map}`).to.equal(true);
      return answer['result'] as { owner: { id: string }; epoch: number };
    } finally {
      raw.close();
    }
  };

  const expectUp = async () => {
    expect(world.coordinator.error, 'the coordinator stream').to.equal(undefined);
    const health = await fetch(`${world.url.replace('ws://', 'http://')}/healthz`);
    expect(health.status).to.equal(200);
  };

  describe('with deeply nested JSON', () => {
    it('should refuse 16 KB of nested arrays with ERR_REQUEST_TOO_DEEP and stay up', async () => {
      await setUp();
      const raw = await rawSocket(world);
      raw.send(`${'['.repeat(8000)}${']'.repeat(8000)}`);
      expect(errorCodeOf(await raw.answer(null))).to.equal('ERR_REQUEST_TOO_DEEP');
      raw.close();
      await expectUp();
      expect((await served()).owner.id).to.equal('host-1');
    });

    it('should refuse a valid request carrying a nested value, and nested objects', async () => {
      await setUp();
      const raw = await rawSocket(world);
      raw.send(`{"id":3,"type":"login","name":"ann","password":${'['.repeat(5000)}${']'.repeat(5000)}}`);
      raw.send(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`);
      await raw.waitFor(
        () => raw.messages.filter((n) => errorCodeOf(n) === 'ERR_REQUEST_TOO_DEEP').length === 2,
      );
      raw.close();
      await expectUp();
      expect((await served()).owner.id).to.equal('host-1');
    });
  });

  describe('with idle and stalled sockets', () => {
    const bounds = {
      AuthTimeoutMS: 400,
      MaxUnauthenticatedPerAddress: 4,
      MaxUnauthenticated: 6,
      HttpTimeoutMS: 400,
    };

    it('should refuse more unauthenticated sockets from one address than the bound, coded', async () => {
      await setUp(bounds);
      const idle = await Promise.all([1, 2, 3, 4].map(() => rawSocket(world)));
      expect(await refusedUpgrade(world.url, '127.0.0.1')).to.deep.equal({
        status: 503,
        code: 'ERR_CONNECTION_LIMIT',
      });
      // Another address is not held up by this one's sockets.
      expect((await served()).owner.id).to.equal('host-1');
      idle.forEach((s) => s.close());
      await Promise.all(idle.map((s) => s.closed));
      await expectUp();
    });

    it('should refuse past the total bound, and admit again once the idle sockets time out', async () => {
      await setUp(bounds);
      const idle = [
        ...(await Promise.all([1, 2, 3, 4].map(() => rawSocket(world)))),
        ...(await Promise.all([1, 2].map(() => rawSocket(world, { localAddress: '127.0.0.3' })))),
      ];
      expect((await refusedUpgrade(world.url, '127.0.0.4')).code).to.equal('ERR_CONNECTION_LIMIT');
      await within(5000, Promise.all(idle.map((s) => s.closed)), 'idle sockets closed');
      expect((await served()).owner.id).to.equal('host-1');
      await expectUp();
    });

    it('should close a socket that does not authenticate in time with ERR_AUTH_TIMEOUT, and keep one that does', async () => {
      await setUp(bounds);
      const idle = await rawSocket(world);
      const player = await rawSocket(world, { localAddress: LEGIT });
      player.request({ id: 1, type: 'login', name: 'bob', password: 'bob-pw' });
      expect((await player.answer(1))['ok']).to.equal(true);
      expect(await within(5000, idle.closed, 'idle socket closed')).to.deep.equal({
        code: 4008,
        reason: 'ERR_AUTH_TIMEOUT',
      });
      expect(errorCodeOf(await idle.answer(null))).to.equal('ERR_AUTH_TIMEOUT');
      // Logged in before the deadline: still served after it.
      player.request({ id: 2, type: 'assign', map: 'forest' });
      expect((await player.answer(2))['ok']).to.equal(true);
      player.close();
      await expectUp();
    });

    it('should close a stalled HTTP upgrade and a socket that sends nothing', async () => {
      await setUp(bounds);
      const { port } = new URL(world.url);
      const stalled = [0, 1].map(
        (n) =>
          new Promise<void>((resolve) => {
            const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
              if (n === 0)
                socket.write(
                  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n',
                );
            });
            socket.on('error', () => undefined);
            socket.on('close', () => resolve());
            socket.resume();
          }),
      );
      await within(5000, Promise.all(stalled), 'stalled sockets closed');
      expect((await served()).owner.id).to.equal('host-1');
      await expectUp();
    });
  });

  describe('with leases no one granted', () => {
    it('should ignore a higher epoch or an unknown lease claimed by another host account, coded', async () => {
      const host = await setUp();
      const before = await served('ann', 'ann-pw');
      expect(before).to.deep.include({ epoch: 1 });
      const raw = await rawSocket(world);
      raw.request(
        register({
          leases: [
            { map: 'forest', epoch: 1001 },
            { map: 'forest', epoch: 1 },
            { map: 'desert', epoch: 5 },
          ],
        }),
      );
      const answer = await raw.answer(1);
      expect(answer['ok']).to.equal(true);
      expect((answer['result'] as { leases: unknown[] }).leases).to.deep.equal([]);
      expect(
        await world.coordinator.next((e) => e.event === 'lease.refused' && e.map === 'forest'),
      ).to.deep.include({ hostId: 'evil-1', epoch: 1001, code: 'ERR_LEASE_UNKNOWN' });
      expect(await raw.waitFor((m) => m['push'] === 'lease.revoked' && m['epoch'] === 1001)).to.include({
        map: 'forest',
      });
      // The owner keeps its map, and the next player is sent to it.
      expect(await world.store.getLease('forest')).to.include({ owner: 'host-1', epoch: 1 });
      expect(await world.store.getLease('desert')).to.equal(undefined);
      const after = await served();
      expect(after.owner.id).to.equal('host-1');
      expect(after.epoch).to.equal(1);
      expect(host.values.filter((e) => e.type === 'lease.revoked')).to.deep.equal([]);
      raw.close();
      await expectUp();
    });
  });

  describe('with a host id of another account', () => {
    it('should refuse to register or certify it, also after a restart, and for the VPS id space', async () => {
      const host = await setUp();
      const vps = startHost(world, 'vps-1', { role: 'vps', maps: [] });
      await vps.next((e) => e.type === 'registered');
      host.subscription.unsubscribe();
      await world.coordinator.next((e) => e.event === 'host.lost' && e.hostId === 'host-1');

      const attempt = async (body: Record<string, unknown>, localAddress = '127.0.0.5') => {
        const raw = await rawSocket(world, { localAddress });
        raw.request(body);
        const answer = await raw.answer(1);
        raw.close();
        return answer;
      };
      const impostor = generateRsaKeyPair();
      const asHost1 = register({ hostId: 'host-1', csr: createCsr('host-1', impostor) });
      const refused = await attempt(asHost1);
      expect(errorCodeOf(refused)).to.equal('ERR_HOST_ID_TAKEN');
      expect(refused['result']).to.equal(undefined);
      expect(errorCodeOf(await attempt(register({ hostId: 'vps-1' }), '127.0.0.6'))).to.equal(
        'ERR_HOST_ID_TAKEN',
      );
      expect(
        errorCodeOf(
          await attempt(
            register({
              hostId: 'host-1',
              role: 'vps',
              account: undefined,
              password: undefined,
              serviceKey: SERVICE_KEY,
            }),
            '127.0.0.7',
          ),
        ),
      ).to.equal('ERR_HOST_ID_TAKEN');

      // Durable: a restarted coordinator still knows whose id it is.
      vps.subscription.unsubscribe();
      world.coordinator.subscription.unsubscribe();
      await startCoordinator(world);
      expect(errorCodeOf(await attempt(asHost1, '127.0.0.8'))).to.equal('ERR_HOST_ID_TAKEN');
      const back = startHost(world, 'host-1');
      await back.next((e) => e.type === 'registered');
      expect((await served()).owner.id).to.equal('host-1');
      await expectUp();
    });
  });

  describe('with password guessing', () => {
    it('should rate-limit guesses through register per address, and answer the right password the same', async () => {
      await setUp();
      const raw = await rawSocket(world);
      const ids = Array.from({ length: 30 }, (_, n) => n + 1);
      for (const id of ids) raw.request(register({ id, account: 'hoster', password: `guess-${id}` }));
      const codes = await codesOf(raw, ids);
      expect(codes['ERR_AUTH_FAILED'] ?? 0).to.be.at.most(ATTACK_LIMIT);
      expect(codes['ERR_RATE_LIMITED']).to.be.at.least(30 - ATTACK_LIMIT);
      raw.request(register({ id: 99, account: 'hoster', password: 'host-pw' }));
      expect(errorCodeOf(await raw.answer(99))).to.equal('ERR_RATE_LIMITED');
      raw.close();
      expect((await served()).owner.id).to.equal('host-1');
      await expectUp();
    });

    it('should lock an account for a guessing address, not for its owner elsewhere, and for all after ten addresses guessed', async () => {
      await setUp({ AccountFailureLimit: 3 });
      const login = async (address: string, password: string) => {
        const raw = await rawSocket(world, { localAddress: address });
        raw.request({ id: 1, type: 'login', name: 'ann', password });
        const code = errorCodeOf(await raw.answer(1));
        raw.close();
        return code;
      };
      const guesses = async (address: string) => {
        for (let k = 0; k < 3; k++) expect(await login(address, `guess-${k}`)).to.equal('ERR_AUTH_FAILED');
      };
      await guesses('127.0.0.11');
      expect(await login('127.0.0.11', 'ann-pw')).to.equal('ERR_RATE_LIMITED');
      expect(await login('127.0.0.40', 'ann-pw')).to.not.equal('ERR_RATE_LIMITED');
      for (let n = 12; n <= 20; n++) await guesses(`127.0.0.${n}`);
      expect(await login('127.0.0.41', 'ann-pw')).to.equal('ERR_RATE_LIMITED');
      expect((await served()).owner.id).to.equal('host-1');
      await expectUp();
    });

    it('should not let a flood of checks from one address reach the hashing, while another address is served', async () => {
      await setUp();
      const sockets = await Promise.all(Array.from({ length: 8 }, () => rawSocket(world)));
      const ids = Array.from({ length: 50 }, (_, n) => n + 1);
      sockets.forEach((raw, s) => {
        for (const id of ids)
          raw.request(
            id % 2 === 0
              ? register({ id, account: 'hoster', password: `flood-${s}-${id}` })
              : { id, type: 'login', name: `nobody-${s}-${id}`, password: 'x' },
          );
      });
      const legit = served();
      const answers = await Promise.all(sockets.map((raw) => codesOf(raw, ids)));
      const failed = answers.reduce((sum, codes) => sum + (codes['ERR_AUTH_FAILED'] ?? 0), 0);
      const limited = answers.reduce((sum, codes) => sum + (codes['ERR_RATE_LIMITED'] ?? 0), 0);
      expect(failed).to.be.at.most(ATTACK_LIMIT);
      expect(failed + limited).to.equal(400);
      expect((await legit).owner.id).to.equal('host-1');
      sockets.forEach((raw) => raw.close());
      await expectUp();
    });

    it('should compare the service key over its bytes: same length in characters, other length in bytes', async () => {
      await setUp();
      const raw = await rawSocket(world);
      const key = `${SERVICE_KEY.slice(0, -1)}é`;
      expect(key.length).to.equal(SERVICE_KEY.length);
      raw.request(
        register({ hostId: 'vps-9', role: 'vps', account: undefined, password: undefined, serviceKey: key }),
      );
      expect(errorCodeOf(await raw.answer(1))).to.equal('ERR_AUTH_FAILED');
      raw.close();
      expect((await served()).owner.id).to.equal('host-1');
      await expectUp();
    });

    it('should answer an unknown name and a wrong password alike, on login and register', async () => {
      await setUp();
      const answers: Record<string, unknown>[] = [];
      for (const [n, body] of [
        { id: 1, type: 'login', name: 'ann', password: 'nope' },
        { id: 1, type: 'login', name: 'nobody', password: 'nope' },
        { id: 1, type: 'login', name: 'ann' },
        register({ account: 'hoster', password: 'nope' }),
        register({ account: 'nobody', password: 'nope' }),
      ].entries()) {
        const raw = await rawSocket(world, { localAddress: `127.0.0.${20 + n}` });
        raw.request(body);
        answers.push((await raw.answer(1))['error'] as Record<string, unknown>);
        raw.close();
      }
      expect(new Set(answers.map((a) => JSON.stringify(a)))).to.have.lengthOf(1);
      expect(answers[0]).to.include({ code: 'ERR_AUTH_FAILED' });
      await expectUp();
    });
  });
});
