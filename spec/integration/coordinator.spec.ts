import { expect } from 'chai';
import { either } from 'fp-ts';
import { importTicketPublicKey, verifyTicket } from '../../lib/crypto/tickets.js';
import { createCsr, generateRsaKeyPair } from '../../lib/crypto/pki.js';
import {
  type World,
  SERVICE_KEY,
  createWorld,
  errorCodeOf,
  isAssigned,
  isLoggedIn,
  isMoved,
  rawSocket,
  startCoordinator,
  startHost,
  startPlayer,
  stopWorld,
} from '../support/coordinator-harness.js';

describe('coordinator over real sockets', () => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
    await startCoordinator(world);
  });
  afterEach(() => stopWorld(world));

  it('should log a player in, assign a map, and issue a ticket that verifies on the owner and one for the VPS', async () => {
    const host = startHost(world, 'host-1');
    startHost(world, 'vps-1', { role: 'vps', maps: [] });
    await host.next((e) => e.type === 'registered');
    await world.coordinator.next((e) => e.event === 'host.registered' && e.hostId === 'vps-1');
    const { events, maps } = startPlayer(world, 'ann', 'ann-pw');
    maps.next('forest');
    const login = await events.next(isLoggedIn);
    const { assignment } = await events.next(isAssigned);
    expect(assignment.owner).to.deep.equal({ id: 'host-1', url: 'ws://127.0.0.1:1/host-1', kind: 'p2p' });
    expect(assignment.epoch).to.equal(1);

    const publicKey = await importTicketPublicKey(login.ticketPublicKey);
    const onOwner = await verifyTicket(publicKey, assignment.ticket, { audience: 'host-1', now: Date.now() });
    expect(either.isRight(onOwner) && onOwner.right).to.include({
      player: 'ann',
      map: 'forest',
      mapEpoch: 1,
    });
    const onVps = await verifyTicket(publicKey, assignment.vps?.ticket ?? '', {
      audience: 'vps-1',
      now: Date.now(),
    });
    expect(either.isRight(onVps)).to.equal(true);
    const granted = await host.next((e) => e.type === 'lease.granted');
    expect(granted).to.include({ map: 'forest', epoch: 1 });
  });

  it('should give a map to the host with the most spare capacity, and keep it there', async () => {
    const small = startHost(world, 'host-small', { capacity: 5 });
    const big = startHost(world, 'host-big', { capacity: 50 });
    await small.next((e) => e.type === 'registered');
    await big.next((e) => e.type === 'registered');
    const ann = startPlayer(world, 'ann', 'ann-pw');
    ann.maps.next('desert');
    expect((await ann.events.next(isAssigned)).assignment.owner.id).to.equal('host-big');
    const bob = startPlayer(world, 'bob', 'bob-pw', { 'host-small': 1, 'host-big': 300 });
    bob.maps.next('desert');
    expect((await bob.events.next(isAssigned)).assignment.owner.id).to.equal('host-big');
  });

  it('should break a capacity tie by the latency the client measured', async () => {
    const a = startHost(world, 'host-a');
    const b = startHost(world, 'host-b');
    await a.next((e) => e.type === 'registered');
    await b.next((e) => e.type === 'registered');
    const ann = startPlayer(world, 'ann', 'ann-pw', { 'host-a': 120, 'host-b': 15 });
    ann.maps.next('forest');
    expect((await ann.events.next(isAssigned)).assignment.owner.id).to.equal('host-b');
  });

  describe('when the owner is lost', () => {
    const setUp = async () => {
      const owner = startHost(world, 'host-1');
      const vps = startHost(world, 'vps-1', { role: 'vps', maps: [] });
      await owner.next((e) => e.type === 'registered');
      await vps.next((e) => e.type === 'registered');
      const players = [startPlayer(world, 'ann', 'ann-pw'), startPlayer(world, 'bob', 'bob-pw')];
      players.forEach((p) => p.maps.next('forest'));
      for (const p of players) await p.events.next(isAssigned);
      return { owner, vps, players };
    };

    it('should move the map to the VPS under epoch + 1 and push map.moved to every subscribed client', async () => {
      const { owner, vps, players } = await setUp();
      owner.subscription.unsubscribe(); // closes host-1's control socket
      for (const p of players) {
        const moved = await p.events.next(isMoved);
        expect(moved).to.include({ map: 'forest', epoch: 2 });
        expect(moved.owner).to.deep.equal({ id: 'vps-1', url: 'ws://127.0.0.1:1/vps-1', kind: 'vps' });
        const login = await p.events.next(isLoggedIn);
        const ticket = await verifyTicket(
          await importTicketPublicKey(login.ticketPublicKey),
          moved.ticket ?? '',
          {
            audience: 'vps-1',
            now: Date.now(),
          },
        );
        expect(either.isRight(ticket) && ticket.right.mapEpoch).to.equal(2);
      }
      expect(await vps.next((e) => e.type === 'lease.granted')).to.include({
        map: 'forest',
        epoch: 2,
        restore: true,
      });
    });

    it('should also move it when the owner stops heartbeating', async () => {
      const raw = await rawSocket(world);
      raw.request({
        id: 1,
        type: 'register',
        role: 'p2p',
        hostId: 'host-silent',
        account: 'hoster',
        password: 'host-pw',
        csr: createCsr('host-silent', world.hostKeys),
        url: 'ws://127.0.0.1:1/silent',
        maps: ['cave'],
        capacity: 10,
        leases: [],
      });
      expect((await raw.answer(1))['ok']).to.equal(true);
      const vps = startHost(world, 'vps-1', { role: 'vps', maps: [] });
      await vps.next((e) => e.type === 'registered');
      const ann = startPlayer(world, 'ann', 'ann-pw');
      ann.maps.next('cave');
      expect((await ann.events.next(isAssigned)).assignment.owner.id).to.equal('host-silent');
      expect(await ann.events.next(isMoved)).to.include({ map: 'cave', epoch: 2 });
      expect(await world.coordinator.next((e) => e.event === 'host.lost')).to.include({
        hostId: 'host-silent',
        reason: 'heartbeat timeout',
      });
      raw.close();
    });

    it('should revoke the lease of the old host when it comes back', async () => {
      const { owner, players } = await setUp();
      owner.subscription.unsubscribe();
      await players[0]?.events.next(isMoved);
      const raw = await rawSocket(world);
      raw.request({
        id: 1,
        type: 'register',
        role: 'p2p',
        hostId: 'host-1',
        account: 'hoster',
        password: 'host-pw',
        csr: createCsr('host-1', world.hostKeys),
        url: 'ws://127.0.0.1:1/host-1',
        maps: ['forest'],
        capacity: 10,
        leases: [{ map: 'forest', epoch: 1 }],
      });
      expect(await raw.waitFor((m) => m['push'] === 'lease.revoked')).to.include({ map: 'forest', epoch: 1 });
      const answer = await raw.answer(1);
      expect((answer['result'] as { leases: unknown[] }).leases).to.deep.equal([]);
      raw.close();
    });
  });

  it('should lose no map across a coordinator restart: hosts re-announce, clients resubscribe', async () => {
    const host = startHost(world, 'host-1');
    const vps = startHost(world, 'vps-1', { role: 'vps', maps: [] });
    await host.next((e) => e.type === 'registered');
    await vps.next((e) => e.type === 'registered');
    const ann = startPlayer(world, 'ann', 'ann-pw');
    ann.maps.next('forest');
    const before = (await ann.events.next(isAssigned)).assignment;

    const port = Number(new URL(world.url).port);
    world.coordinator.subscription.unsubscribe();
    await ann.events.next((e) => e.type === 'disconnected');
    await startCoordinator(world, port, 3000);

    const assignments = () => ann.events.values.filter(isAssigned);
    await ann.events.next((e) => isAssigned(e) && assignments().length === 2, 10_000);
    const after = assignments()[1]?.assignment;
    expect(after?.owner).to.deep.equal(before.owner);
    expect(after?.epoch).to.equal(before.epoch);
    expect(await world.store.getLease('forest')).to.include({ map: 'forest', owner: 'host-1', epoch: 1 });

    // Resubscribed: a loss after the restart still reaches the client.
    host.subscription.unsubscribe();
    expect(await ann.events.next(isMoved)).to.include({ map: 'forest', epoch: 2 });
  });

  describe('with bad input', () => {
    const expectCode = async (body: Record<string, unknown> | string, code: string) => {
      const raw = await rawSocket(world);
      if (typeof body === 'string') raw.send(body);
      else raw.request(body);
      const id = typeof body === 'string' ? null : (body['id'] as number);
      expect(errorCodeOf(await raw.answer(id))).to.equal(code);
      raw.close();
    };
    const register = (overrides: Record<string, unknown>) => ({
      id: 7,
      type: 'register',
      role: 'p2p',
      hostId: 'host-x',
      account: 'hoster',
      password: 'host-pw',
      csr: createCsr('host-x', world.hostKeys),
      url: 'ws://127.0.0.1:1/x',
      maps: ['forest'],
      capacity: 10,
      leases: [],
      ...overrides,
    });

    it('should refuse a wrong password and an unknown account alike', async () => {
      await expectCode({ id: 1, type: 'login', name: 'ann', password: 'nope' }, 'ERR_AUTH_FAILED');
      await expectCode({ id: 1, type: 'login', name: 'nobody', password: 'x' }, 'ERR_AUTH_FAILED');
    });

    it('should refuse a host whose account lacks the host role', async () => {
      await expectCode(register({ account: 'ann', password: 'ann-pw' }), 'ERR_AUTH_ROLE');
    });

    it('should refuse a VPS with a wrong service key', async () => {
      await expectCode(register({ role: 'vps', serviceKey: `${SERVICE_KEY}!` }), 'ERR_AUTH_FAILED');
    });

    it('should refuse a CSR for another subject, and one with a bad signature', async () => {
      await expectCode(register({ csr: createCsr('host-y', world.hostKeys) }), 'ERR_CSR_SUBJECT');
      const csr = createCsr('host-x', generateRsaKeyPair());
      const lines = csr.trim().split('\n');
      const last = lines.length - 2;
      lines[last] =
        `${(lines[last] as string).slice(0, 10)}${(lines[last] as string)[10] === 'A' ? 'B' : 'A'}${(lines[last] as string).slice(11)}`;
      await expectCode(register({ csr: lines.join('\n') }), 'ERR_CSR_SIGNATURE');
    });

    it('should refuse a second live registration of the same host id', async () => {
      const host = startHost(world, 'host-x');
      await host.next((e) => e.type === 'registered');
      await expectCode(register({}), 'ERR_HOST_DUPLICATE');
      expect((await world.store.getHost('host-x'))?.alive).to.equal(true);
    });

    it('should refuse an unknown map, and a map request before login', async () => {
      const raw = await rawSocket(world);
      raw.request({ id: 1, type: 'assign', map: 'forest' });
      expect(errorCodeOf(await raw.answer(1))).to.equal('ERR_NOT_LOGGED_IN');
      raw.request({ id: 2, type: 'login', name: 'ann', password: 'ann-pw' });
      await raw.answer(2);
      raw.request({ id: 3, type: 'assign', map: 'atlantis' });
      expect(errorCodeOf(await raw.answer(3))).to.equal('ERR_MAP_UNKNOWN');
      expect(await world.store.listLeases()).to.deep.equal([]);
      raw.close();
    });

    it('should refuse malformed JSON, an invalid request, and an oversized one', async () => {
      await expectCode('{"id": 1, "type": ', 'ERR_REQUEST_MALFORMED');
      await expectCode({ id: 4, type: 'assign', map: '../etc' }, 'ERR_REQUEST_MALFORMED');
      // Too large to be read at all, so the refusal cannot name the request id.
      await expectCode(
        JSON.stringify({ id: 5, type: 'login', name: 'ann', password: 'x'.repeat(70_000) }),
        'ERR_REQUEST_TOO_LARGE',
      );
    });

    it('should rate-limit a flood of logins from one address', async () => {
      const raw = await rawSocket(world);
      for (let id = 1; id <= 6; id++) raw.request({ id, type: 'login', name: 'ann', password: 'ann-pw' });
      expect((await raw.answer(5))['ok']).to.equal(true);
      expect(errorCodeOf(await raw.answer(6))).to.equal('ERR_RATE_LIMITED');
      raw.close();
    });

    it('should change nothing else: the coordinator still serves valid requests', async () => {
      const host = startHost(world, 'host-1');
      await host.next((e) => e.type === 'registered');
      await expectCode('not json', 'ERR_REQUEST_MALFORMED');
      await expectCode(register({ csr: createCsr('host-zzz', world.hostKeys) }), 'ERR_CSR_SUBJECT');
      expect((await world.store.listHosts()).map((h) => h.id)).to.deep.equal(['host-1']);
      const ann = startPlayer(world, 'ann', 'ann-pw');
      ann.maps.next('forest');
      expect((await ann.events.next(isAssigned)).assignment.owner.id).to.equal('host-1');
    });
  });

  it('should serve /healthz and /metrics on the same port', async () => {
    const host = startHost(world, 'host-1');
    await host.next((e) => e.type === 'registered');
    const base = world.url.replace('ws://', 'http://');
    const health = await fetch(`${base}/healthz`);
    expect(health.status).to.equal(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).to.match(/warp_coordinator_hosts\{kind="p2p"\} 1/);
    expect(metrics).to.contain('warp_coordinator_assignments_total 0');
  });
});
