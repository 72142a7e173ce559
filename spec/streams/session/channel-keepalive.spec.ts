import { expect } from 'chai';
import { NEVER, type Observable, ReplaySubject, map, merge, takeUntil, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { Message } from '../../../lib/protocol/messages.js';
import { type ChannelEvent, keepalivePhaseMs, runChannel } from '../../../streams/session/channel.js';
import { type Duplex, createMemoryDuplexPair } from '../../../streams/session/duplex.js';
import type { HandshakeResult } from '../../../streams/session/handshake.js';
import { testScheduler } from '../../support/marbles.js';
import { sessionKeys } from '../../support/keys.js';
import { baseSettings } from '../../support/session-harness.js';

const settings = { ...baseSettings, timeoutMs: 10_000 };
const app: Message = { kind: 'app', payload: Buffer.from('state') };

interface Side {
  readonly outbox$: Observable<Message>;
  readonly keepaliveMs: number;
}

/**
 * Both ends of an established channel (keys as a handshake would leave them) over an in-memory pair, in
 * virtual time: the times at which each side received a ping.
 */
const pingsReceived = (
  scheduler: TestScheduler,
  host: Side,
  client: Side,
  untilMs: number,
  // All zeros: the first ping a whole period in (keepalivePhaseMs).
  transcript = Buffer.alloc(32),
) => {
  const [clientEnd, hostEnd] = createMemoryDuplexPair();
  const keys = sessionKeys();
  const handshake = (role: 'client' | 'host'): HandshakeResult => ({
    role,
    keys,
    transcript,
    hostId: 'host-1',
    certificate: null,
    ticket: null,
    takeReply: () => null,
  });
  const pings = { host: [] as number[], client: [] as number[] };
  const record = (side: 'host' | 'client') => (event: ChannelEvent) => {
    if (event.type === 'message' && event.message.kind === 'ping') pings[side].push(scheduler.now());
  };
  const channel = (end: Duplex, role: 'client' | 'host', side: Side) =>
    runChannel(buffered(end), { settings, handshake: handshake(role), ...side, scheduler }).pipe(
      map(record(role)),
    );
  scheduler.run(() => {
    merge(channel(hostEnd, 'host', host), channel(clientEnd, 'client', client))
      .pipe(takeUntil(timer(untilMs, scheduler)))
      .subscribe();
  });
  return pings;
};

/** Frames that arrive before the channel listens wait for it (each side sends its finished as it starts). */
const buffered = (end: Duplex): Duplex => {
  const frames = new ReplaySubject<Buffer>(Number.POSITIVE_INFINITY);
  end.in$.subscribe(frames);
  return { ...end, in$: frames };
};

/** `app` every 20 ms from 0 to `lastMs`. */
const sendingUntil = (scheduler: TestScheduler, lastMs: number) =>
  timer(0, 20, scheduler).pipe(
    map(() => app),
    takeUntil(timer(lastMs + 1, scheduler)),
  );

describe('channel keepalive', () => {
  it('should ping from a host only after a whole period with nothing else to send', () => {
    const scheduler = testScheduler();
    const pings = pingsReceived(
      scheduler,
      { outbox$: sendingUntil(scheduler, 100), keepaliveMs: 50 },
      { outbox$: NEVER, keepaliveMs: 1000 },
      260,
    );
    // Checks at 50 and 100 find frames sent 10 and 0 ms before; from 150 on the host is idle.
    expect(pings.client).to.deep.equal([150, 200, 250]);
  });

  it('should start the pings at a phase of the connection, from its transcript', () => {
    const scheduler = testScheduler();
    const transcript = Buffer.alloc(32);
    transcript.writeUInt32BE(1020, 0); // 1020 % 50 = 20
    expect(keepalivePhaseMs(transcript, 50)).to.equal(20);
    const pings = pingsReceived(
      scheduler,
      { outbox$: NEVER, keepaliveMs: 1000 },
      { outbox$: NEVER, keepaliveMs: 50 },
      200,
      transcript,
    );
    expect(pings.host).to.deep.equal([20, 70, 120, 170]);
  });

  it('should ping from a client on the clock, sending or not (its pongs are its round-trip samples)', () => {
    const scheduler = testScheduler();
    const pings = pingsReceived(
      scheduler,
      { outbox$: NEVER, keepaliveMs: 1000 },
      { outbox$: sendingUntil(scheduler, 260), keepaliveMs: 50 },
      260,
    );
    expect(pings.host).to.deep.equal([50, 100, 150, 200, 250]);
  });
});
