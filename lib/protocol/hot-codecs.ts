import { either } from 'fp-ts';
import { readVarint, unzigzag, varintSize, writeVarint, zigzag } from './varint.js';

/**
 * Compact binary codecs for the messages sent every tick. Each reads only within [offset, end) and returns
 * `Left(reason)` instead of throwing, like an io-ts codec. Numbers are big-endian; positions and velocities in a
 * delta are fixed point (`POSITION_STEPS`), small numbers are varints.
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

/**
 * What a delta says about one entity: every field when the entity is new to the baseline (`kind` is present
 * exactly then), otherwise only the fields that changed.
 */
export interface EntityUpdate {
  readonly id: number;
  readonly kind?: EntityKind;
  readonly x?: number;
  readonly y?: number;
  readonly vx?: number;
  readonly vy?: number;
  readonly hp?: number;
}

export interface DeltaMessage {
  readonly kind: 'delta';
  readonly tick: number;
  readonly baseTick: number;
  readonly lastInput: number;
  /** 16 hex digits when this tick carries a world hash. */
  readonly hash: string | null;
  readonly entities: readonly EntityUpdate[];
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

/**
 * Positions and velocities are fixed point on the wire, in steps of 1/32 of a world unit: a position is a u16
 * (so a map is at most 2047 units across), a velocity a zigzag varint. The world model keeps every value on
 * that grid (`quantize`), so nothing is lost on the wire and hashes agree on both ends.
 */
export const POSITION_STEPS = 32;
export const MAX_COORDINATE = 0xffff / POSITION_STEPS;

/** A value in grid steps, as the wire carries it. */
const steps = (value: number) => Math.round(value * POSITION_STEPS);

/**
 * The nearest value on the wire's grid, never -0: a small negative velocity rounds to -0, the wire carries +0, and
 * the float32 world hash tells them apart, so a -0 kept on the host made every client see a desync.
 */
export const quantize = (value: number): number => steps(value) / POSITION_STEPS + 0;

// Which fields an entity update carries. A new entity carries all of them, and only a new entity has KIND.
const FIELD = { kind: 1, x: 2, y: 4, vx: 8, vy: 16, hp: 32 } as const;
const ALL_FIELDS = 63;

const fieldMask = (u: EntityUpdate): number =>
  (u.kind === undefined ? 0 : FIELD.kind) |
  (u.x === undefined ? 0 : FIELD.x) |
  (u.y === undefined ? 0 : FIELD.y) |
  (u.vx === undefined ? 0 : FIELD.vx) |
  (u.vy === undefined ? 0 : FIELD.vy) |
  (u.hp === undefined ? 0 : FIELD.hp);

const updateSize = (u: EntityUpdate, previousId: number): number =>
  varintSize(zigzag(u.id - previousId)) +
  1 +
  (u.kind === undefined ? 0 : 1) +
  (u.x === undefined ? 0 : 2) +
  (u.y === undefined ? 0 : 2) +
  (u.vx === undefined ? 0 : varintSize(zigzag(steps(u.vx)))) +
  (u.vy === undefined ? 0 : varintSize(zigzag(steps(u.vy)))) +
  (u.hp === undefined ? 0 : 2);

// Ids are written as the gap from the previous id (zigzag, so any order works; ascending costs a byte each).
const writeUpdate = (u: EntityUpdate, previousId: number, b: Buffer, o: number): number => {
  let at = writeVarint(zigzag(u.id - previousId), b, o);
  b[at++] = fieldMask(u);
  if (u.kind !== undefined) b[at++] = u.kind === 'player' ? 0 : 1;
  if (u.x !== undefined) at = b.writeUInt16BE(steps(u.x), at);
  if (u.y !== undefined) at = b.writeUInt16BE(steps(u.y), at);
  if (u.vx !== undefined) at = writeVarint(zigzag(steps(u.vx)), b, at);
  if (u.vy !== undefined) at = writeVarint(zigzag(steps(u.vy)), b, at);
  if (u.hp !== undefined) at = b.writeUInt16BE(u.hp, at);
  return at;
};

// No closures or array literals in here: it runs for every entity of every delta a client reads.
const readUpdate = (
  b: Buffer,
  o: number,
  end: number,
  previousId: number,
): { readonly update: EntityUpdate; readonly next: number } | string => {
  const gap = readVarint(b, o, end);
  if (gap === null || gap.next >= end) return 'truncated entity';
  const id = previousId + unzigzag(gap.value);
  if (id < 0 || id > 0xffff_ffff) return `entity id ${id} is out of range`;
  const mask = b[gap.next] as number;
  if (mask > ALL_FIELDS || ((mask & FIELD.kind) !== 0 && mask !== ALL_FIELDS))
    return `entity ${id} has field mask ${mask}`;
  // Fixed-size fields first in the byte count check; varints check their own bounds.
  const fixedBytes =
    ((mask & FIELD.kind) !== 0 ? 1 : 0) +
    ((mask & FIELD.x) !== 0 ? 2 : 0) +
    ((mask & FIELD.y) !== 0 ? 2 : 0) +
    ((mask & FIELD.hp) !== 0 ? 2 : 0);
  let at = gap.next + 1;
  if (end - at < fixedBytes) return 'truncated entity';
  const update: { -readonly [K in keyof EntityUpdate]: EntityUpdate[K] } = { id };
  if ((mask & FIELD.kind) !== 0) {
    const kind = b[at++];
    if (kind !== 0 && kind !== 1) return `entity kind ${kind} is unknown`;
    update.kind = kind === 0 ? 'player' : 'npc';
  }
  if ((mask & FIELD.x) !== 0) {
    update.x = b.readUInt16BE(at) / POSITION_STEPS;
    at += 2;
  }
  if ((mask & FIELD.y) !== 0) {
    update.y = b.readUInt16BE(at) / POSITION_STEPS;
    at += 2;
  }
  if ((mask & FIELD.vx) !== 0) {
    const read = readVarint(b, at, end);
    if (read === null) return 'truncated entity';
    update.vx = unzigzag(read.value) / POSITION_STEPS;
    at = read.next;
  }
  if ((mask & FIELD.vy) !== 0) {
    const read = readVarint(b, at, end);
    if (read === null) return 'truncated entity';
    update.vy = unzigzag(read.value) / POSITION_STEPS;
    at = read.next;
  }
  if ((mask & FIELD.hp) !== 0) {
    if (end - at < 2) return 'truncated entity';
    update.hp = b.readUInt16BE(at);
    at += 2;
  }
  return { update, next: at };
};

const deltaError = (why: string) => either.left(`delta: ${why}`);

const tailSize = (m: DeltaMessage): number => {
  let size = 1 + (m.hash === null ? 0 : 8) + varintSize(m.entities.length) + varintSize(m.removed.length);
  let previous = 0;
  for (const u of m.entities) {
    size += updateSize(u, previous);
    previous = u.id;
  }
  previous = 0;
  for (const id of m.removed) {
    size += varintSize(zigzag(id - previous));
    previous = id;
  }
  return size;
};

const writeTail = (m: DeltaMessage, b: Buffer, o: number): void => {
  let at = o;
  b[at++] = m.hash === null ? 0 : 1;
  if (m.hash !== null) at += b.write(m.hash, at, 8, 'hex');
  at = writeVarint(m.entities.length, b, at);
  let previous = 0;
  for (const u of m.entities) {
    at = writeUpdate(u, previous, b, at);
    previous = u.id;
  }
  at = writeVarint(m.removed.length, b, at);
  previous = 0;
  for (const id of m.removed) {
    at = writeVarint(zigzag(id - previous), b, at);
    previous = id;
  }
};

/**
 * A delta's tail (flags, hash, updates, removed) encoded once for every delta sharing it. A host's clients who
 * move each get their own delta (their own last input), but every client with the same baseline shares the
 * updates array: without this each would encode the same updates, every tick. Keyed by that array and checked
 * against the hash and removed list it was encoded with, so a message built from other parts never gets it.
 */
interface EncodedTail {
  readonly hash: string | null;
  readonly removed: readonly number[];
  readonly bytes: Buffer;
}
const encodedTails = new WeakMap<readonly EntityUpdate[], EncodedTail>();
const tailOf = (m: DeltaMessage): Buffer => {
  const cached = encodedTails.get(m.entities);
  if (cached !== undefined && cached.hash === m.hash && cached.removed === m.removed) return cached.bytes;
  const bytes = Buffer.allocUnsafe(tailSize(m));
  writeTail(m, bytes, 0);
  encodedTails.set(m.entities, { hash: m.hash, removed: m.removed, bytes });
  return bytes;
};

// tick u32, ticks since the baseline varint, lastInput varint, then the tail: flags u8 (bit 0: hash),
// [hash 8 bytes], update count varint, updates, removed count varint, removed ids as zigzag gaps.
export const DeltaCodec: BinaryCodec<DeltaMessage> = {
  name: 'delta',
  size: (m) => 4 + varintSize(m.tick - m.baseTick) + varintSize(m.lastInput) + tailOf(m).length,
  write: (m, b, o) => {
    b.writeUInt32BE(m.tick, o);
    let at = writeVarint(m.tick - m.baseTick, b, o + 4);
    at = writeVarint(m.lastInput, b, at);
    tailOf(m).copy(b, at);
  },
  read: (b, o, end) => {
    if (end - o < 4) return deltaError('shorter than its tick');
    const tick = b.readUInt32BE(o);
    const gap = readVarint(b, o + 4, end);
    const lastInput = gap === null ? null : readVarint(b, gap.next, end);
    if (gap === null || lastInput === null || lastInput.next >= end) return deltaError('truncated header');
    if (gap.value > tick) return deltaError(`baseline ${gap.value} ticks before tick ${tick}`);
    const flags = b[lastInput.next] as number;
    if (flags > 1) return deltaError(`unknown flags ${flags}`);
    let at = lastInput.next + 1;
    let hash: string | null = null;
    if (flags === 1) {
      if (end - at < 8) return deltaError('truncated hash');
      hash = b.toString('hex', at, at + 8);
      at += 8;
    }
    const count = readVarint(b, at, end);
    // Each update takes at least two bytes: a count past that is a lie, refused before anything is allocated.
    if (count === null || count.value * 2 > end - count.next) return deltaError('truncated entity list');
    at = count.next;
    const entities: EntityUpdate[] = [];
    let previous = 0;
    for (let i = 0; i < count.value; i++) {
      const read = readUpdate(b, at, end, previous);
      if (typeof read === 'string') return deltaError(read);
      entities.push(read.update);
      previous = read.update.id;
      at = read.next;
    }
    const removedCount = readVarint(b, at, end);
    if (removedCount === null || removedCount.value > end - removedCount.next)
      return deltaError('truncated removed list');
    at = removedCount.next;
    const removed: number[] = [];
    previous = 0;
    for (let i = 0; i < removedCount.value; i++) {
      const read = readVarint(b, at, end);
      if (read === null) return deltaError('truncated removed list');
      previous += unzigzag(read.value);
      removed.push(previous);
      at = read.next;
    }
    if (at !== end) return deltaError(`${end - at} trailing bytes`);
    return either.right({
      kind: 'delta',
      tick,
      baseTick: tick - gap.value,
      lastInput: lastInput.value,
      hash,
      entities,
      removed,
    });
  },
};

/** True when a hash string can be carried by a delta. */
export const isWireHash = (hash: string): boolean => HASH_PATTERN.test(hash);
