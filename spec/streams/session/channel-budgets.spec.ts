import { expect } from 'chai';
import { NEVER, takeUntil, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { ignoreRejection } from '../../../lib/errors.js';
import { type SessionKeys, finishedMac, generateKeyShare } from '../../../lib/crypto/key-schedule.js';
import type { Message } from '../../../lib/protocol/messages.js';
import { type ChannelEvent, runChannel } from '../../../streams/session/channel.js';
import { createMemoryDuplexPair } from '../../../streams/session/duplex.js';
import { createInboundReader } from '../../../streams/session/inbound.js';
import type { SessionSettings } from '../../../streams/session/settings.js';
import { batchBody, sealedFrame } from '../../support/frames.js';
import { sessionKeys } from '../../support/keys.js';
import { testScheduler } from '../../support/marbles.js';
import { baseSettings } from '../../support/session-harness.js';

const settings: SessionSettings = {
  ...baseSettings,
  timeoutMs: 10_000,
  maxRejections: 32,
  budgets: {
    pingsPerSecond: 10,
    rekeysPerMinute: 6,
    resyncsPerSecond: 4,
    inputsPerSecond: 100,
    queuedInputs: 16,
    otherMessagesPerSecond: 256,
  },
};

const ping = (id: number): Message => ({ kind: 'ping', id, time: id });
const input = (seq: number): Message => ({ kind: 'input', seq, tick: 0, dx: 1, dy: 0 });
const times = (n: number, make: (n: number) => Message) => Array.from({ length: n }, (_, i) => make(i + 1));

/** What a run saw: the channel's events and error on one side, the messages the peer got from it. */
interface Seen {
  readonly events: ChannelEvent[];
  readonly peerGot: Message[];
  error: string | null;
}

/**
 * One side of an established channel (`role`) over an in-memory pair, driven by a hand-made peer in virtual time:
 * the peer sends each batch of `batches` at its time, sealed as a real peer would, and reads what comes back.
 */
const run = (
  scheduler: TestScheduler,
  role: 'client' | 'host',
  batches: readonly { readonly at: number; readonly messages: readonly Message[] }[],
  untilMs = 5000,
): Seen => {
  const [peerEnd, ownEnd] = createMemoryDuplexPair();
  const keys: SessionKeys = sessionKeys();
  const transcript = Buffer.alloc(32);
  const [peerSend, peerReceive, peerFinished] =
    role === 'host'
      ? [keys.clientToHost, keys.hostToClient, keys.clientFinishedKey]
      : [keys.hostToClient, keys.clientToHost, keys.hostFinishedKey];
  const seen: Seen = { events: [], peerGot: [], error: null };
  const reader = createInboundReader(settings, ignoreRejection, (message) => seen.peerGot.push(message));
  reader.useKeys([peerReceive]);
  let seq = 0;
  const send = (messages: readonly Message[]) =>
    peerEnd.send(sealedFrame(peerSend, seq++, batchBody(...messages)));
  scheduler.run(() => {
    peerEnd.in$.subscribe({ next: (frame) => reader.read(frame), error: () => undefined });
    runChannel(ownEnd, {
      settings,
      handshake: {
        role,
        keys,
        transcript,
        hostId: 'host-1',
        certificate: null,
        ticket: null,
        takeReply: () => null,
      },
      outbox$: NEVER,
      scheduler,
    })
      .pipe(takeUntil(timer(untilMs, scheduler)))
      .subscribe({
        next: (event) => seen.events.push(event),
        error: (error: unknown) => (seen.error = (error as { code?: string }).code ?? 'uncoded'),
      });
    send([{ kind: 'finished', verify: finishedMac(peerFinished, transcript).toString('base64') }]);
    for (const batch of batches) scheduler.schedule(() => send(batch.messages), batch.at);
  });
  return seen;
};

const rejected = (seen: Seen) => seen.events.flatMap((e) => (e.type === 'rejected' ? [e.error.code] : []));
const received = (seen: Seen, kind: Message['kind']) =>
  seen.events.filter((e) => e.type === 'message' && e.message.kind === kind).length;
const got = (seen: Seen, kind: Message['kind']) => seen.peerGot.filter((m) => m.kind === kind);

describe('channel budgets (what a peer may send a host)', () => {
  describe('pings', () => {
    it('should answer MaxPingsPerSecond at once, drop the rest with ERR_RATE_LIMITED and tell the peer once', () => {
      const seen = run(testScheduler(), 'host', [{ at: 10, messages: times(15, ping) }]);
      expect(got(seen, 'pong')).to.have.length(10);
      expect(rejected(seen)).to.deep.equal(Array(5).fill('ERR_RATE_LIMITED'));
      expect(got(seen, 'error').map((m) => m.kind === 'error' && m.code)).to.deep.equal(['ERR_RATE_LIMITED']);
      expect(seen.error).to.equal(null);
    });

    it('should answer pings again as the budget refills', () => {
      const seen = run(testScheduler(), 'host', [
        { at: 10, messages: times(12, ping) },
        { at: 1010, messages: times(10, ping) },
        { at: 1110, messages: times(2, ping) },
      ]);
      expect(got(seen, 'pong')).to.have.length(21);
      expect(got(seen, 'error')).to.have.length(2);
    });

    it('should cut a connection that keeps sending past the budget (ERR_TOO_MANY_REJECTIONS)', () => {
      const seen = run(testScheduler(), 'host', [{ at: 10, messages: times(200, ping) }]);
      expect(got(seen, 'pong')).to.have.length(10);
      expect(seen.error).to.equal('ERR_TOO_MANY_REJECTIONS');
    });
  });

  describe('rekeys', () => {
    it('should rotate keys MaxRekeysPerMinute times and refuse more with ERR_RATE_LIMITED', () => {
      const rekey = (epoch: number): Message => ({
        kind: 'rekey',
        epoch,
        publicKey: generateKeyShare().publicKey.toString('base64'),
      });
      const seen = run(testScheduler(), 'host', [{ at: 10, messages: times(8, rekey) }]);
      expect(seen.events.filter((e) => e.type === 'epoch')).to.have.length(6);
      expect(rejected(seen)).to.deep.equal(['ERR_RATE_LIMITED', 'ERR_RATE_LIMITED']);
      expect(seen.error).to.equal(null);
    });
  });

  describe('resync requests', () => {
    it('should pass MaxResyncsPerSecond on and drop the rest', () => {
      const resync = (tick: number): Message => ({ kind: 'resync_request', reason: 'DESYNC', tick });
      const seen = run(testScheduler(), 'host', [{ at: 10, messages: times(10, resync) }]);
      expect(received(seen, 'resync_request')).to.equal(4);
      expect(rejected(seen)).to.have.length(6);
    });
  });

  describe('inputs', () => {
    it('should pass a burst of MaxQueuedInputs and then MaxInputsPerSecond on', () => {
      const seen = run(testScheduler(), 'host', [
        { at: 10, messages: times(16, input) },
        { at: 20, messages: [input(17)] },
        { at: 30, messages: [input(18)] },
      ]);
      expect(received(seen, 'input')).to.equal(18);
      expect(seen.error).to.equal(null);
    });

    it('should cut a connection past the input budget with ERR_INPUT_FLOOD, telling the peer first', () => {
      // A dropped input cannot be skipped: the client would take it as applied once a later one is. So the
      // connection ends, and the client sends again, on its next one, every input the host did not apply.
      const seen = run(testScheduler(), 'host', [{ at: 10, messages: times(17, input) }]);
      expect(received(seen, 'input')).to.equal(16);
      expect(got(seen, 'error').map((m) => m.kind === 'error' && m.code)).to.deep.equal(['ERR_INPUT_FLOOD']);
      expect(seen.error).to.equal('ERR_INPUT_FLOOD');
    });
  });

  describe('every other message', () => {
    it('should pass MaxOtherMessagesPerSecond on, then drop and in the end cut', () => {
      const ack = (tick: number): Message => ({ kind: 'ack', tick });
      const seen = run(testScheduler(), 'host', [
        { at: 10, messages: times(200, ack) },
        { at: 10, messages: times(100, ack) },
      ]);
      expect(received(seen, 'ack')).to.equal(256);
      expect(seen.error).to.equal('ERR_TOO_MANY_REJECTIONS');
    });
  });

  describe('on the client side', () => {
    it('should budget nothing: a host is the one peer a client has', () => {
      const seen = run(testScheduler(), 'client', [{ at: 10, messages: times(50, ping) }]);
      expect(got(seen, 'pong')).to.have.length(50);
      expect(rejected(seen)).to.deep.equal([]);
    });
  });
});
