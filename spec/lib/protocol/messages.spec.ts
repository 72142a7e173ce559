import { expect } from 'chai';
import { either } from 'fp-ts';
import { DEFAULT_LIMITS, type Message, decodeBatch, encodeBatch } from '../../../lib/protocol/index.js';

const entity = { id: 7, kind: 'npc' as const, x: 1.5, y: 2047.96875, vx: -0.5, vy: 0, hp: 100 };

const samples: Message[] = [
  { kind: 'input', seq: 1, tick: 40, dx: 0.5, dy: -1 },
  {
    kind: 'delta',
    tick: 41,
    baseTick: 39,
    lastInput: 1,
    hash: '0123456789abcdef',
    entities: [entity],
    removed: [3, 4],
  },
  { kind: 'delta', tick: 42, baseTick: 41, lastInput: 1, hash: null, entities: [], removed: [] },
  {
    kind: 'delta',
    tick: 70_000,
    baseTick: 69_990,
    lastInput: 300_000,
    hash: null,
    // Changed fields only, ids out of order, and a new entity with all of it.
    entities: [{ id: 1200, x: 3 }, { id: 9, vy: -12.5, hp: 90 }, entity, { id: 8, vx: 2000, y: 0 }],
    removed: [1001, 4],
  },
  { kind: 'ack', tick: 41 },
  { kind: 'ping', id: 9, time: 1234.5 },
  { kind: 'pong', id: 9, time: 1234.5 },
  { kind: 'app', payload: Buffer.from('custom') },
  {
    kind: 'hello',
    version: 1,
    ticket: 'a.b.c',
    publicKey: 'AAAA',
    nonce: 'AAAA',
    encryption: true,
    certificates: true,
  },
  { kind: 'welcome', hostId: 'h1', certificate: 'PEM', publicKey: 'AAAA', nonce: 'AAAA', signature: 'AAAA' },
  { kind: 'finished', verify: 'AAAA' },
  {
    kind: 'full_state',
    tick: 5,
    lastInput: 0,
    hash: '0123456789abcdef',
    entities: [entity],
    players: { ann: 7 },
  },
  {
    kind: 'checkpoint',
    map: 'm',
    epoch: 2,
    tick: 100,
    hash: '0123456789abcdef',
    lastInputs: { ann: 3 },
    players: { ann: 7 },
    signature: 'AAAA',
  },
  { kind: 'resync_request', reason: 'DESYNC', tick: 5 },
  { kind: 'rekey', epoch: 1, publicKey: 'AAAA' },
  { kind: 'error', code: 'ERR_X', message: 'm' },
  { kind: 'bye', reason: 'done' },
];

const decode = (body: Buffer) => {
  const result = decodeBatch(body, DEFAULT_LIMITS);
  if (either.isLeft(result)) throw result.left;
  return result.right;
};

const encode = (messages: readonly Message[]) => {
  const result = encodeBatch(messages, DEFAULT_LIMITS);
  if (either.isLeft(result)) throw result.left;
  return result.right;
};

describe('message codecs', () => {
  it('should round-trip every message kind through one batch', () => {
    const { messages, rejected } = decode(encode(samples));
    expect(rejected).to.deep.equal([]);
    expect(messages).to.deep.equal(samples);
  });

  it('should encode a shared batch of one or two messages once, and tell batches apart by their messages', () => {
    const body = (...messages: Message[]) => {
      const encoded = encodeBatch(messages, DEFAULT_LIMITS);
      if (either.isLeft(encoded)) throw encoded.left;
      return encoded.right;
    };
    const a: Message = { kind: 'ack', tick: 1 };
    const b: Message = { kind: 'ack', tick: 2 };
    expect(body(a)).to.equal(body(a));
    expect(body(a, b)).to.equal(body(a, b));
    expect(body(a, b)).not.to.equal(body(a));
    expect(body(b, a)).not.to.deep.equal(body(a, b));
    // An equal message that is another object is encoded again, to equal bytes.
    expect(body({ kind: 'ack', tick: 1 }, b)).not.to.equal(body(a, b));
    expect(body({ kind: 'ack', tick: 1 }, b)).to.deep.equal(body(a, b));
  });

  it('should give deltas sharing one updates array each its own header, hash and removed list', () => {
    const updates = [entity, { id: 9, x: 3 }];
    const none: readonly number[] = [];
    const delta = (lastInput: number, hash: string | null, removed: readonly number[]): Message => ({
      kind: 'delta',
      tick: 50,
      baseTick: 49,
      lastInput,
      hash,
      entities: updates,
      removed,
    });
    // Two players on the same baseline, then the same updates under another hash and another removed list.
    const sent = [
      delta(3, null, none),
      delta(300_000, null, none),
      delta(3, '0123456789abcdef', none),
      delta(3, null, [4]),
    ];
    for (const message of sent) {
      expect(decode(encode([message])).messages).to.deep.equal([message]);
      // The same bytes as a message with its own copy of the updates, encoded from scratch.
      const own = { ...message, entities: [...updates] } as Message;
      expect(encode([message])).to.deep.equal(encode([own]));
    }
  });

  it('should keep hot messages compact', () => {
    expect(encode([{ kind: 'input', seq: 1, tick: 2, dx: 0, dy: 0 }]).length).to.equal(2 + 5 + 16);
    expect(encode([{ kind: 'ack', tick: 1 }]).length).to.equal(2 + 5 + 4);
  });

  describe('with bad input', () => {
    it('should reject a truncated batch whole', () => {
      const body = encode(samples);
      const result = decodeBatch(body.subarray(0, body.length - 3), DEFAULT_LIMITS);
      expect(either.isLeft(result) && result.left.code).to.equal('ERR_BATCH_MALFORMED');
    });

    it('should reject trailing bytes', () => {
      const result = decodeBatch(Buffer.concat([encode(samples), Buffer.alloc(1)]), DEFAULT_LIMITS);
      expect(either.isLeft(result) && result.left.code).to.equal('ERR_BATCH_MALFORMED');
    });

    it('should reject a count above the limit without reading on', () => {
      const result = decodeBatch(encode(samples), { maxMessagesPerBatch: 3 });
      expect(either.isLeft(result) && result.left.code).to.equal('ERR_BATCH_TOO_MANY');
    });

    it('should reject one message that fails its codec and keep its neighbours', () => {
      const body = encode([
        { kind: 'ack', tick: 1 },
        { kind: 'bye', reason: 'x' },
        { kind: 'ack', tick: 2 },
      ]);
      // Corrupt the bye's JSON: replace its first byte ('{') with a space.
      const at = body.indexOf('{"kind"');
      body[at] = 0x20;
      body[at + 1] = 0x20;
      const { messages, rejected } = decode(body);
      expect(messages).to.deep.equal([
        { kind: 'ack', tick: 1 },
        { kind: 'ack', tick: 2 },
      ]);
      expect(rejected.map((e) => e.code)).to.deep.equal(['ERR_MESSAGE_INVALID']);
    });

    it('should reject a control message whose fields fail io-ts', () => {
      const body = encode([{ kind: 'rekey', epoch: 1, publicKey: 'AAAA' }]);
      const json = Buffer.from(JSON.stringify({ kind: 'rekey', epoch: -1, publicKey: 'AAAA' }));
      const forged = Buffer.concat([body.subarray(0, 3), Buffer.alloc(4), json]);
      forged.writeUInt32BE(json.length, 3);
      const { rejected } = decode(forged);
      expect(rejected.map((e) => e.code)).to.deep.equal(['ERR_MESSAGE_INVALID']);
      expect(rejected[0]?.message).to.contain('rekey');
    });

    it('should reject an unknown kind byte', () => {
      const body = encode([{ kind: 'ack', tick: 1 }]);
      body[2] = 99;
      expect(decode(body).rejected.map((e) => e.code)).to.deep.equal(['ERR_MESSAGE_KIND']);
    });

    it('should reject a hot message of the wrong length', () => {
      const body = encode([{ kind: 'ack', tick: 1 }]);
      const short = Buffer.concat([body.subarray(0, 3), Buffer.from([0, 0, 0, 3]), body.subarray(7, 10)]);
      expect(decode(short).rejected.map((e) => e.code)).to.deep.equal(['ERR_MESSAGE_INVALID']);
    });

    it('should reject a delta whose entity list overruns the payload', () => {
      const body = encode([
        { kind: 'delta', tick: 1, baseTick: 0, lastInput: 0, hash: null, entities: [], removed: [] },
      ]);
      body[7 + 7] = 50; // entity count (a one-byte varint) far beyond the payload
      expect(decode(body).rejected.map((e) => e.code)).to.deep.equal(['ERR_MESSAGE_INVALID']);
    });

    it('should reject a delta naming a new entity without all of its fields', () => {
      const body = encode([
        { kind: 'delta', tick: 1, baseTick: 0, lastInput: 0, hash: null, entities: [entity], removed: [] },
      ]);
      body[7 + 9] = 0x21; // field mask: kind and hp only
      expect(decode(body).rejected.map((e) => e.message)).to.deep.equal([
        'delta: entity 7 has field mask 33',
      ]);
    });

    it('should reject a delta with bytes after its removed list', () => {
      const body = encode([
        { kind: 'delta', tick: 1, baseTick: 0, lastInput: 0, hash: null, entities: [], removed: [] },
      ]);
      const padded = Buffer.concat([body, Buffer.from([0])]);
      padded.writeUInt32BE(body.readUInt32BE(3) + 1, 3); // the entry's length covers the extra byte
      expect(decode(padded).rejected.map((e) => e.message)).to.deep.equal(['delta: 1 trailing bytes']);
    });

    it('should refuse to encode a batch past the inflated-size limit', () => {
      const big = { kind: 'app' as const, payload: Buffer.alloc(2048) };
      const result = encodeBatch([big], { maxMessagesPerBatch: 10, maxInflatedBytes: 1024 });
      expect(either.isLeft(result) && result.left.code).to.equal('ERR_MESSAGE_TOO_LARGE');
    });
  });
});
