import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { Subject } from 'rxjs';
import { issueTicket } from '../../../lib/crypto/tickets.js';
import { generateTicketKeys } from '../../../lib/crypto/tickets.js';
import type { Message } from '../../../lib/protocol/messages.js';
import type { ChannelEvent } from '../../../streams/session/channel.js';
import { createMemoryDuplexPair } from '../../../streams/session/duplex.js';
import { clientSession } from '../../../streams/session/session.js';
import {
  type Fixtures,
  baseSettings,
  createFixtures,
  failure,
  nextEvent,
  startPair,
} from '../../support/session-harness.js';
import { createTestPki } from '../../support/pki.js';

const isEstablished = (e: ChannelEvent) => e.type === 'established';
const appText = (e: ChannelEvent) =>
  e.type === 'message' && e.message.kind === 'app' ? e.message.payload.toString() : null;
const app = (text: string): Message => ({ kind: 'app', payload: Buffer.from(text) });
const rejectedCodes = (events: ChannelEvent[]) =>
  events.flatMap((e) => (e.type === 'rejected' ? [e.error.code] : []));

describe('session (handshake and channel)', () => {
  let fixtures: Fixtures;
  before(async () => {
    fixtures = await createFixtures();
  });

  describe('with valid certificates and ticket', () => {
    it('should establish both sides and carry messages both ways in order', async () => {
      const pair = startPair(fixtures);
      try {
        await nextEvent(pair.client, isEstablished);
        const established = await nextEvent(pair.host, isEstablished);
        expect(established).to.deep.equal({
          type: 'established',
          hostId: 'host-1',
          player: 'ann',
          certificate: null,
        });
        for (const n of [1, 2, 3]) pair.client.outbox.next(app(`up ${n}`));
        pair.host.outbox.next(app('down'));
        await nextEvent(pair.host, (e) => appText(e) === 'up 3');
        await nextEvent(pair.client, (e) => appText(e) === 'down');
        expect(pair.host.events.map(appText).filter((t) => t !== null)).to.deep.equal([
          'up 1',
          'up 2',
          'up 3',
        ]);
        expect(rejectedCodes(pair.host.events)).to.deep.equal([]);
      } finally {
        pair.close();
      }
    });

    it('should rotate keys and lose nothing across the rotation', async () => {
      const pair = startPair(fixtures, { settings: { rotationIntervalMs: 40, keyGraceMs: 20 } });
      try {
        await nextEvent(pair.host, isEstablished);
        for (let n = 0; n < 20; n++) pair.client.outbox.next(app(`m${n}`));
        await nextEvent(pair.client, (e) => e.type === 'epoch' && e.epoch === 2);
        await nextEvent(pair.host, (e) => e.type === 'epoch' && e.epoch === 2);
        for (let n = 20; n < 40; n++) pair.client.outbox.next(app(`m${n}`));
        pair.host.outbox.next(app('after'));
        await nextEvent(pair.host, (e) => appText(e) === 'm39');
        await nextEvent(pair.client, (e) => appText(e) === 'after');
        expect(pair.host.events.map(appText).filter((t) => t !== null)).to.deep.equal(
          Array.from({ length: 40 }, (_, n) => `m${n}`),
        );
        expect(rejectedCodes(pair.host.events).concat(rejectedCodes(pair.client.events))).to.deep.equal([]);
      } finally {
        pair.close();
      }
    });

    it('should refuse a frame of the previous epoch once its grace window is over', async () => {
      let captured = null as Buffer | null;
      let inject = null as ((frame: Buffer) => void) | null;
      const pair = startPair(fixtures, {
        settings: { rotationIntervalMs: 30, keyGraceMs: 10 },
        clientToHost: (frame, send) => {
          if (frame[1] === 2 && frame.readUInt32BE(4) === 0 && frame.length > 100) captured = frame;
          inject = send;
          send(frame);
        },
      });
      try {
        await nextEvent(pair.host, isEstablished);
        pair.client.outbox.next(app('y'.repeat(200)));
        await nextEvent(pair.host, (e) => e.type === 'epoch' && e.epoch === 2);
        if (captured === null || inject === null) throw new Error('no epoch-0 frame was captured');
        inject(captured);
        pair.client.outbox.next({ kind: 'bye', reason: 'done' });
        await nextEvent(pair.host, (e) => e.type === 'message' && e.message.kind === 'bye');
        expect(rejectedCodes(pair.host.events)).to.deep.equal(['ERR_FRAME_EPOCH']);
      } finally {
        pair.close();
      }
    });
  });

  describe('with a bad host certificate', () => {
    it('should refuse a certificate from another CA', async () => {
      const other = createTestPki('rogue CA').host('host-1');
      const pair = startPair(fixtures, {
        hostIdentity: { certificatePem: other.certificatePem, privateKeyPem: other.keys.privateKeyPem },
      });
      expect(await failure(pair.client)).to.equal('ERR_CERT_CHAIN');
      pair.close();
    });

    it('should refuse an expired certificate', async () => {
      const old = fixtures.pki.host('host-1', { validitySeconds: 60, now: Date.now() - 3_600_000 });
      const pair = startPair(fixtures, {
        hostIdentity: { certificatePem: old.certificatePem, privateKeyPem: old.keys.privateKeyPem },
      });
      expect(await failure(pair.client)).to.equal('ERR_CERT_EXPIRED');
      pair.close();
    });

    it('should refuse a certificate for another host', async () => {
      const pair = startPair(fixtures, { expectedHostId: 'host-2' });
      expect(await failure(pair.client)).to.equal('ERR_CERT_SUBJECT');
      pair.close();
    });

    it('should refuse a transcript signed with a key the certificate does not hold', async () => {
      const stranger = fixtures.pki.host('host-1');
      const pair = startPair(fixtures, {
        hostIdentity: {
          certificatePem: fixtures.host.certificatePem,
          privateKeyPem: stranger.keys.privateKeyPem,
        },
      });
      expect(await failure(pair.client)).to.equal('ERR_HANDSHAKE_SIGNATURE');
      pair.close();
    });

    it('should detect a hello altered in transit (the signature covers it)', async () => {
      let first = true;
      const pair = startPair(fixtures, {
        clientToHost: (frame, send) => {
          if (first) {
            first = false;
            const altered = Buffer.from(frame);
            const at = altered.indexOf('"nonce":"') + 9;
            altered[at] = altered[at] === 0x41 ? 0x42 : 0x41;
            send(altered);
          } else send(frame);
        },
      });
      expect(await failure(pair.client)).to.equal('ERR_HANDSHAKE_SIGNATURE');
      pair.close();
    });
  });

  describe('with a bad ticket', () => {
    const ticketFor = async (overrides: { host?: string; now?: number; signer?: 'rogue' }) => {
      const key =
        overrides.signer === 'rogue'
          ? (await generateTicketKeys()).privateKey
          : fixtures.ticketKeys.privateKey;
      return issueTicket(key, {
        player: 'ann',
        map: 'forest',
        host: overrides.host ?? 'host-1',
        mapEpoch: 1,
        validitySeconds: 60,
        now: overrides.now ?? Date.now(),
      });
    };

    for (const [name, overrides, code] of [
      ['expired', { now: Date.now() - 3_600_000 }, 'ERR_TICKET_EXPIRED'],
      ['for another host', { host: 'host-2' }, 'ERR_TICKET_AUDIENCE'],
      ['forged', { signer: 'rogue' as const }, 'ERR_TICKET_SIGNATURE'],
    ] as const) {
      it(`should refuse a ticket ${name}, telling the client the code`, async () => {
        const pair = startPair(fixtures, { ticket: await ticketFor(overrides) });
        expect(await failure(pair.host)).to.equal(code);
        expect(await failure(pair.client)).to.equal(code);
        pair.close();
      });
    }
  });

  describe('with mismatched modes', () => {
    it('should refuse a client that wants no encryption', async () => {
      const pair = startPair(fixtures, { clientSettings: { encrypted: false } });
      expect(await failure(pair.client)).to.equal('ERR_HANDSHAKE_MODE');
      pair.close();
    });
  });

  describe('with encryption and certificates off (debug switches)', () => {
    it('should still carry messages, in plain frames', async () => {
      const sent: Buffer[] = [];
      const pair = startPair(fixtures, {
        settings: { encrypted: false },
        hostIdentity: null,
        ca: null,
        clientToHost: (frame, send) => {
          sent.push(frame);
          send(frame);
        },
      });
      try {
        await nextEvent(pair.host, isEstablished);
        pair.client.outbox.next(app('visible'));
        await nextEvent(pair.host, (e) => appText(e) === 'visible');
        expect(sent.some((frame) => frame[1] === 3 && frame.includes('visible'))).to.equal(true);
      } finally {
        pair.close();
      }
    });
  });

  describe('with a silent host', () => {
    it('should fail with ERR_HANDSHAKE_TIMEOUT after timeoutMs', async () => {
      const [clientEnd] = createMemoryDuplexPair();
      const events$ = clientSession(clientEnd, {
        settings: { ...baseSettings, timeoutMs: 30 },
        ticket: fixtures.ticket,
        hostId: 'host-1',
        ca: new X509Certificate(fixtures.pki.ca.certificatePem),
        outbox$: new Subject<Message>(),
      });
      const code = await new Promise((resolve) =>
        events$.subscribe({ error: (e: unknown) => resolve((e as { code: string }).code) }),
      );
      expect(code).to.equal('ERR_HANDSHAKE_TIMEOUT');
    });
  });

  describe('with tampered frames on an established channel', () => {
    const tamperAfterHandshake =
      (tamper: (frame: Buffer) => Buffer[]) =>
      (frame: Buffer, send: (frame: Buffer) => void): void => {
        // Frame type 2 = sealed: leave the handshake alone, tamper with app traffic only (big frames).
        if (frame[1] === 2 && frame.length > 200) tamper(frame).forEach(send);
        else send(frame);
      };

    const flip = (frame: Buffer, at: number) => {
      const copy = Buffer.from(frame);
      copy[at] = (copy[at] as number) ^ 0x10;
      return copy;
    };
    const withEpoch = (frame: Buffer, epoch: number) => {
      const copy = Buffer.from(frame);
      copy.writeUInt32BE(epoch, 4);
      return copy;
    };

    for (const [name, tamper, code] of [
      ['a replayed frame', (f: Buffer) => [f, f], 'ERR_FRAME_REPLAY'],
      ['a flipped bit in the ciphertext', (f: Buffer) => [flip(f, 40), f], 'ERR_FRAME_AUTH'],
      ['a flipped bit in the tag', (f: Buffer) => [flip(f, f.length - 1), f], 'ERR_FRAME_AUTH'],
      ['a flipped bit in the header', (f: Buffer) => [flip(f, 12), f], 'ERR_FRAME_AUTH'],
      ['a frame from an unknown epoch', (f: Buffer) => [withEpoch(f, 9), f], 'ERR_FRAME_EPOCH'],
      ['a truncated frame', (f: Buffer) => [f.subarray(0, 10), f], 'ERR_FRAME_TRUNCATED'],
      [
        'an oversized frame',
        (f: Buffer) => [Buffer.concat([f, Buffer.alloc(300_000)]), f],
        'ERR_FRAME_TOO_LARGE',
      ],
    ] as const) {
      it(`should reject ${name} with ${code} and go on`, async () => {
        const pair = startPair(fixtures, { clientToHost: tamperAfterHandshake(tamper) });
        try {
          await nextEvent(pair.host, isEstablished);
          pair.client.outbox.next(app('x'.repeat(300)));
          pair.client.outbox.next({ kind: 'bye', reason: 'done' });
          await nextEvent(pair.host, (e) => e.type === 'message' && e.message.kind === 'bye');
          expect(rejectedCodes(pair.host.events)).to.deep.equal([code]);
          expect(pair.host.events.map(appText).filter((t) => t !== null)).to.have.length(1);
        } finally {
          pair.close();
        }
      });
    }

    it('should close a connection that sends more rejected frames than MaxRejectedFrames', async () => {
      const pair = startPair(fixtures, {
        settings: { maxRejections: 3 },
        clientToHost: tamperAfterHandshake((f) => [f, f, f, f, f]),
      });
      await nextEvent(pair.host, isEstablished);
      pair.client.outbox.next(app('x'.repeat(300)));
      expect(await failure(pair.host)).to.equal('ERR_TOO_MANY_REJECTIONS');
      pair.close();
    });
  });
});
