import { expect } from 'chai';
import { addAccount } from '../../streams/coordinator/accounts.js';
import { createCsr } from '../../lib/crypto/pki.js';
import {
  type World,
  createWorld,
  errorCodeOf,
  rawSocket,
  startCoordinator,
  startHost,
  stopWorld,
} from '../support/coordinator-harness.js';
import {
  fuzzMessages,
  fuzzSeed,
  invalidReply,
  requestTemplates,
  seededRandom,
} from '../support/coordinator-fuzz.js';

const MESSAGES = 600;
const BATCH = 40;
const LEGIT = '127.0.0.2';

describe('coordinator control protocol under fuzzing (real sockets on 127.0.0.1)', function () {
  this.timeout(60_000);
  let world: World;
  beforeEach(async () => {
    world = await createWorld();
    await addAccount(world.accountsPath, 'fuzzer', 'fuzz-pw', ['player']);
    await addAccount(world.accountsPath, 'mallory', 'mallory-pw', ['player', 'host']);
    // Limits high enough that the fuzzed logins and registrations reach the code behind them.
    await startCoordinator(world, 0, 0, { LoginRateLimit: 100_000, AccountFailureLimit: 100_000 });
  });
  afterEach(() => stopWorld(world));

  it('should answer random and mutated requests with replies or coded errors, stay up, and keep serving', async () => {
    const seed = fuzzSeed(20_170);
    const random = seededRandom(seed);
    const host = startHost(world, 'host-1');
    await host.next((e) => e.type === 'registered');
    const ann = await rawSocket(world, { localAddress: LEGIT });
    ann.request({ id: 1, type: 'login', name: 'ann', password: 'ann-pw' });
    await ann.answer(1);
    ann.request({ id: 2, type: 'assign', map: 'forest' });
    expect((await ann.answer(2))['result']).to.deep.include({ epoch: 1 });

    const messages = fuzzMessages(random, MESSAGES, requestTemplates(createCsr('fuzz-host', world.hostKeys)));
    const received: Record<string, unknown>[] = [];
    let sockets = 0;
    let raw: Awaited<ReturnType<typeof rawSocket>> | undefined;
    for (let start = 0; start < messages.length; start += BATCH) {
      // A fuzzed registration can make the socket a host that then never heartbeats: it is closed, as it should be.
      if (raw?.isOpen() !== true) {
        if (raw !== undefined) received.push(...raw.messages);
        raw = await rawSocket(world);
        sockets++;
        raw.request({ id: 1, type: 'login', name: 'fuzzer', password: 'fuzz-pw' });
        await raw.answer(1);
      }
      for (const text of messages.slice(start, start + BATCH))
        raw.send(random() < 0.05 ? Buffer.from(text) : text);
      // A request sent after the batch is answered: the coordinator is still reading this socket.
      const sentinel = 1_000_000 + start;
      raw.request({ id: sentinel, type: 'announce', maps: [], capacity: 1 });
      const answer = await raw.waitFor((m) => m['id'] === sentinel).catch(() => undefined);
      if (answer === undefined && raw.isOpen()) expect.fail(`seed ${seed}: no answer after message ${start}`);
      if (answer !== undefined)
        expect(errorCodeOf(answer) ?? 'ok', `seed ${seed}`).to.be.oneOf([
          'ok',
          'ERR_NOT_LOGGED_IN',
          'ERR_RATE_LIMITED',
        ]);
    }
    received.push(...(raw?.messages ?? []));
    raw?.close();

    for (const message of received)
      expect(invalidReply(message), `seed ${seed}: ${JSON.stringify(message).slice(0, 300)}`).to.equal(null);
    expect(received.length).to.be.at.least(MESSAGES / 4);
    expect(sockets).to.be.at.least(1);
    expect(world.coordinator.error, 'the coordinator stream').to.equal(undefined);

    // No hijack: the owner kept its map, and a legitimate player from elsewhere is still sent to it.
    expect(host.values.filter((e) => e.type === 'lease.revoked')).to.deep.equal([]);
    const bob = await rawSocket(world, { localAddress: LEGIT });
    bob.request({ id: 1, type: 'login', name: 'bob', password: 'bob-pw' });
    expect((await bob.answer(1))['ok']).to.equal(true);
    bob.request({ id: 2, type: 'assign', map: 'forest' });
    const assigned = (await bob.answer(2))['result'] as { owner: { id: string }; epoch: number };
    expect(assigned.owner.id).to.equal('host-1');
    expect(assigned.epoch).to.equal(1);
    bob.close();
    ann.close();
  });
});
