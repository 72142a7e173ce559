import { either } from 'fp-ts';

/**
 * Compact binary codecs for the messages sent every tick. Each reads only within [offset, end) and returns
 * `Left(reason)` instead of throwing, like an io-ts codec. Numbers are big-endian; positions and velocities are
 * float32, so the world model keeps them float32-exact (Math.fround) and hashes agree on both ends.
 */
export interface BinaryCodec<A> {
  readonly name: string;
  readonly size: (value: A) => number;
  readonly write: (value: A, target: Buffer, offset: number) => void;
  readonly read: (source: Buffer, offset: number, end: number) => either.Either<string, A>;
}

export type EntityKind = 'player' | 'npc';

export interface EntityState {
  readonly id: number;
  readonly kind: EntityKind;
  readonly x: number;
  readonly y: number;
  readonly vx: number;
  readonly vy: number;
  readonly hp: number;
}

export interface InputMessage {
  readonly kind: 'input';
  readonly seq: number;
  readonly tick: number;
  readonly dx: number;
  readonly dy: number;
}

export interface DeltaMessage {
  readonly kind: 'delta';
  readonly tick: number;
  readonly baseTick: number;
  readonly lastInput: number;
  /** 16 hex digits when this tick carries a world hash. */
  readonly hash: string | null;
  readonly entities: readonly EntityState[];
  readonly removed: readonly number[];
}

export interface AckMessage {
  readonly kind: 'ack';
  readonly tick: number;
}

export interface PingMessage {
  readonly kind: 'ping';
  readonly id: number;
  readonly time: number;
}

export interface PongMessage {
  readonly kind: 'pong';
  readonly id: number;
  readonly time: number;
}

/** Opaque application bytes: a game's own messages ride the same channel. */
export interface AppMessage {
  readonly kind: 'app';
  readonly payload: Buffer;
}

export const ENTITY_BYTES = 23;
const HASH_PATTERN = /^[0-9a-f]{16}$/;

const exactly =
  (expected: number) =>
  (offset: number, end: number): boolean =>
    end - offset === expected;

const fixed = <A>(
  name: string,
  bytes: number,
  write: (value: A, target: Buffer, offset: number) => void,
  read: (source: Buffer, offset: number) => A | string,
): BinaryCodec<A> => {
  const fits = exactly(bytes);
  return {
    name,
    size: () => bytes,
    write,
    read: (source, offset, end) => {
      if (!fits(offset, end)) return either.left(`${name}: expected ${bytes} bytes, got ${end - offset}`);
      const value = read(source, offset);
      return typeof value === 'string' ? either.left(`${name}: ${value}`) : either.right(value);
    },
  };
};

export const InputCodec = fixed<InputMessage>(
  'input',
  16,
  (m, b, o) => {
    b.writeUInt32BE(m.seq, o);
    b.writeUInt32BE(m.tick, o + 4);
    b.writeFloatBE(m.dx, o + 8);
    b.writeFloatBE(m.dy, o + 12);
  },
  (b, o) => {
    const dx = b.readFloatBE(o + 8);
    const dy = b.readFloatBE(o + 12);
    if (!Number.isFinite(dx) || !Number.isFinite(dy)) return 'movement is not finite';
    return { kind: 'input', seq: b.readUInt32BE(o), tick: b.readUInt32BE(o + 4), dx, dy };
  },
);

export const AckCodec = fixed<AckMessage>(
  'ack',
  4,
  (m, b, o) => void b.writeUInt32BE(m.tick, o),
  (b, o) => ({ kind: 'ack', tick: b.readUInt32BE(o) }),
);

const timed = (kind: 'ping' | 'pong') =>
  fixed<PingMessage | PongMessage>(
    kind,
    12,
    (m, b, o) => {
      b.writeUInt32BE(m.id, o);
      b.writeDoubleBE(m.time, o + 4);
    },
    (b, o) => {
      const time = b.readDoubleBE(o + 4);
      return Number.isFinite(time) ? { kind, id: b.readUInt32BE(o), time } : 'time is not finite';
    },
  );
export const PingCodec = timed('ping') as BinaryCodec<PingMessage>;
export const PongCodec = timed('pong') as BinaryCodec<PongMessage>;

export const AppCodec: BinaryCodec<AppMessage> = {
  name: 'app',
  size: (m) => m.payload.length,
  write: (m, b, o) => void b.set(m.payload, o),
  // A copy: the frame buffer it came from may be reused by the socket layer.
  read: (b, o, end) => either.right({ kind: 'app', payload: Buffer.from(b.subarray(o, end)) }),
};

/** Writes an entity's 23 bytes (the wire form, also what the world hash covers). */
export const writeEntity = (e: EntityState, b: Buffer, o: number): void => {
  b.writeUInt32BE(e.id, o);
  b[o + 4] = e.kind === 'player' ? 0 : 1;
  b.writeFloatBE(e.x, o + 5);
  b.writeFloatBE(e.y, o + 9);
  b.writeFloatBE(e.vx, o + 13);
  b.writeFloatBE(e.vy, o + 17);
  b.writeUInt16BE(e.hp, o + 21);
};

const readEntity = (b: Buffer, o: number): EntityState | string => {
  const kindByte = b[o + 4];
  if (kindByte !== 0 && kindByte !== 1) return `entity kind ${kindByte} is unknown`;
  const entity: EntityState = {
    id: b.readUInt32BE(o),
    kind: kindByte === 0 ? 'player' : 'npc',
    x: b.readFloatBE(o + 5),
    y: b.readFloatBE(o + 9),
    vx: b.readFloatBE(o + 13),
    vy: b.readFloatBE(o + 17),
    hp: b.readUInt16BE(o + 21),
  };
  const finite = [entity.x, entity.y, entity.vx, entity.vy].every(Number.isFinite);
  return finite ? entity : 'entity position or velocity is not finite';
};

// tick u32, baseTick u32, lastInput u32, flags u8 (bit 0: hash), [hash 8], entity count u16, entities,
// removed count u16, removed ids u32 each.
export const DeltaCodec: BinaryCodec<DeltaMessage> = {
  name: 'delta',
  size: (m) =>
    13 + (m.hash === null ? 0 : 8) + 2 + m.entities.length * ENTITY_BYTES + 2 + m.removed.length * 4,
  write: (m, b, o) => {
    b.writeUInt32BE(m.tick, o);
    b.writeUInt32BE(m.baseTick, o + 4);
    b.writeUInt32BE(m.lastInput, o + 8);
    b[o + 12] = m.hash === null ? 0 : 1;
    let at = o + 13;
    if (m.hash !== null) at += b.write(m.hash, at, 8, 'hex');
    b.writeUInt16BE(m.entities.length, at);
    at += 2;
    for (const e of m.entities) {
      writeEntity(e, b, at);
      at += ENTITY_BYTES;
    }
    b.writeUInt16BE(m.removed.length, at);
    at += 2;
    for (const id of m.removed) {
      b.writeUInt32BE(id, at);
      at += 4;
    }
  },
  read: (b, o, end) => {
    const fail = (why: string) => either.left(`delta: ${why}`);
    if (end - o < 17) return fail('shorter than its fixed part');
    const flags = b[o + 12] as number;
    if (flags > 1) return fail(`unknown flags ${flags}`);
    let at = o + 13;
    let hash: string | null = null;
    if (flags === 1) {
      if (end - at < 8 + 4) return fail('truncated hash');
      hash = b.toString('hex', at, at + 8);
      at += 8;
    }
    const count = b.readUInt16BE(at);
    at += 2;
    if (end - at < count * ENTITY_BYTES + 2) return fail('truncated entity list');
    const entities: EntityState[] = [];
    for (let i = 0; i < count; i++, at += ENTITY_BYTES) {
      const entity = readEntity(b, at);
      if (typeof entity === 'string') return fail(entity);
      entities.push(entity);
    }
    const removedCount = b.readUInt16BE(at);
    at += 2;
    if (end - at !== removedCount * 4) return fail('removed list does not match its length');
    const removed: number[] = [];
    for (let i = 0; i < removedCount; i++, at += 4) removed.push(b.readUInt32BE(at));
    return either.right({
      kind: 'delta',
      tick: b.readUInt32BE(o),
      baseTick: b.readUInt32BE(o + 4),
      lastInput: b.readUInt32BE(o + 8),
      hash,
      entities,
      removed,
    });
  },
};

/** True when a hash string can be carried by a delta. */
export const isWireHash = (hash: string): boolean => HASH_PATTERN.test(hash);
