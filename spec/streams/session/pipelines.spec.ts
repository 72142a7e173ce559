import { expect } from 'chai';
import { type Observable, of } from 'rxjs';
import { nodeZlibCodec } from '../../../lib/compression/index.js';
import { FLAG_COMPRESSED } from '../../../lib/protocol/frame.js';
import type { Message } from '../../../lib/protocol/messages.js';
import { inboundPipeline } from '../../../streams/session/inbound.js';
import { isUrgent, outboundPipeline } from '../../../streams/session/outbound.js';
import { testScheduler } from '../../support/marbles.js';
import { directionKey } from '../../support/keys.js';
import { batchBody, sealedFrame } from '../../support/frames.js';
import { baseSettings } from '../../support/session-harness.js';

const key = directionKey(0);
const settings = { ...baseSettings, batchSize: 3, batchWindowMs: 5 };
const ack = (tick: number): Message => ({ kind: 'ack', tick });

const roundTrip = (
  messages$: Observable<Message>,
  rejected: string[],
  scheduler?: Parameters<typeof outboundPipeline>[0]['scheduler'],
) =>
  messages$.pipe(
    outboundPipeline({
      settings,
      sendKey$: of(key),
      onReject: (e) => rejected.push(e.code),
      ...(scheduler ? { scheduler } : {}),
    }),
    inboundPipeline({ settings, receiveKeys$: of([key]), onReject: (e) => rejected.push(e.code) }),
  );

describe('session pipelines', () => {
  describe('outbound then inbound', () => {
    it('should deliver every message in order, batched by count and by the tick window', () => {
      const rejected: string[] = [];
      testScheduler().run(({ cold, expectObservable }) => {
        const messages$ = cold<Message>('abc-d------e|', {
          a: ack(1),
          b: ack(2),
          c: ack(3),
          d: ack(4),
          e: ack(5),
        });
        expectObservable(roundTrip(messages$, rejected)).toBe('--(abc)--d--(e|)', {
          a: ack(1),
          b: ack(2),
          c: ack(3),
          d: ack(4),
          e: ack(5),
        });
      });
      expect(rejected).to.deep.equal([]);
    });

    it('should send control messages at once with what was buffered before them', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const bye: Message = { kind: 'bye', reason: 'x' };
        expectObservable(roundTrip(cold<Message>('a-(b|)', { a: ack(1), b: bye }), [])).toBe('--(ab|)', {
          a: ack(1),
          b: bye,
        });
      });
      expect(isUrgent({ kind: 'rekey', epoch: 1, publicKey: '' })).to.equal(true);
      expect(isUrgent(ack(1))).to.equal(false);
    });

    it('should hold a checkpoint for the next delta and send both in one frame', () => {
      const delta = (tick: number): Message => ({
        kind: 'delta',
        tick,
        baseTick: tick - 1,
        lastInput: 0,
        hash: null,
        entities: [],
        removed: [],
      });
      const checkpoint: Message = {
        kind: 'checkpoint',
        map: 'forest',
        epoch: 1,
        tick: 1,
        hash: '0123456789abcdef',
        lastInputs: {},
        players: {},
        signature: 'c2ln',
      };
      testScheduler().run(({ cold, expectObservable }) => {
        const messages$ = cold<Message>('(ab) 46ms c', { a: delta(1), b: checkpoint, c: delta(2) });
        const frames$ = messages$.pipe(
          outboundPipeline({
            settings: { ...settings, batchWindowMs: 60 },
            sendKey$: of(key),
            onReject: () => undefined,
          }),
        );
        expectObservable(frames$).toBe('a 49ms c', {
          a: sealedFrame(key, 0, batchBody(delta(1))),
          c: sealedFrame(key, 1, batchBody(checkpoint, delta(2))),
        });
      });
    });

    it('should compress large batches on the wire and restore them', () => {
      const frames: Buffer[] = [];
      const big: Message = { kind: 'app', payload: Buffer.alloc(4096, 7) };
      testScheduler().run(({ cold, expectObservable }) => {
        const wire$ = cold<Message>('a|', { a: big }).pipe(
          outboundPipeline({ settings, sendKey$: of(key), onReject: () => undefined }),
        );
        wire$.subscribe((frame) => frames.push(frame));
        expectObservable(roundTrip(cold<Message>('a|', { a: big }), [])).toBe('-(a|)', { a: big });
      });
      expect(frames).to.have.length(1);
      expect((frames[0] as Buffer)[2]).to.equal(FLAG_COMPRESSED);
      expect((frames[0] as Buffer).length).to.be.below(200);
    });
  });

  describe('inbound with bad input', () => {
    it('should reject a deflate bomb and a message that fails its codec, and go on', () => {
      const rejected: string[] = [];
      const bomb = sealedFrame(key, 0, nodeZlibCodec.deflate(Buffer.alloc(4 << 20)), FLAG_COMPRESSED);
      const invalid = batchBody(ack(1), { kind: 'bye', reason: 'x' });
      invalid.write(
        '{"kind":"bye","reason":9}'.padEnd('{"kind":"bye","reason":"x"}'.length),
        invalid.indexOf('{'),
      );
      testScheduler().run(({ cold, expectObservable }) => {
        const frames$ = cold('a-b-c|', {
          a: bomb,
          b: sealedFrame(key, 1, invalid),
          c: sealedFrame(key, 2, batchBody(ack(2))),
        });
        expectObservable(
          frames$.pipe(
            inboundPipeline({ settings, receiveKeys$: of([key]), onReject: (e) => rejected.push(e.code) }),
          ),
        ).toBe('--a-c|', { a: ack(1), c: ack(2) });
      });
      expect(rejected).to.deep.equal(['ERR_INFLATE_LIMIT', 'ERR_MESSAGE_INVALID']);
    });

    it('should open with the latest keys, and reject garbage, replays and unknown epochs, and go on', () => {
      const rejected: string[] = [];
      const next = directionKey(1);
      testScheduler().run(({ cold, hot, expectObservable }) => {
        const keys$ = hot('k----r', { k: [key], r: [next, key] });
        const frames$ = cold('a-bcd-e|', {
          a: sealedFrame(key, 0, batchBody(ack(1))),
          b: Buffer.from('garbage'),
          c: sealedFrame(key, 0, batchBody(ack(9))),
          d: sealedFrame(next, 0, batchBody(ack(9))),
          e: sealedFrame(next, 1, batchBody(ack(2))),
        });
        expectObservable(
          frames$.pipe(
            inboundPipeline({ settings, receiveKeys$: keys$, onReject: (e) => rejected.push(e.code) }),
          ),
        ).toBe('a-----e|', { a: ack(1), e: ack(2) });
      });
      expect(rejected).to.deep.equal(['ERR_FRAME_TRUNCATED', 'ERR_FRAME_REPLAY', 'ERR_FRAME_EPOCH']);
    });

    it('should end the stream, not the process, when a decoder throws', () => {
      const broken = {
        ...settings,
        codec: {
          ...nodeZlibCodec,
          inflate: () => {
            throw new Error('codec bug');
          },
        },
      };
      testScheduler().run(({ cold, expectObservable }) => {
        const frames$ = cold('a-b|', {
          a: sealedFrame(key, 0, nodeZlibCodec.deflate(Buffer.alloc(64)), FLAG_COMPRESSED),
          b: sealedFrame(key, 1, batchBody(ack(2))),
        });
        expectObservable(
          frames$.pipe(
            inboundPipeline({ settings: broken, receiveKeys$: of([key]), onReject: () => undefined }),
          ),
        ).toBe('#', undefined, new Error('codec bug'));
      });
    });
  });
});
