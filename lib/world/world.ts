import { createHash } from 'node:crypto';
import { ENTITY_BYTES, type EntityState, writeEntity } from '../protocol/hot-codecs.js';

/**
 * The world of one map: entities by id, which entity each player controls, and the last input applied per
 * player. Pure values; every function returns a new world. Positions and velocities are float32-exact
 * (Math.fround), so they survive the wire unchanged and hashes agree on host and client.
 */
export interface World {
  readonly tick: number;
  readonly entities: ReadonlyMap<number, EntityState>;
  readonly players: Readonly<Record<string, number>>;
  readonly lastInputs: Readonly<Record<string, number>>;
}

export interface WorldRules {
  readonly width: number;
  readonly height: number;
  /** The farthest a player may move in one input. */
  readonly maxStep: number;
  /** NPCs walk deterministically from this seed. */
  readonly seed: number;
  readonly npcCount: number;
  readonly npcSpeed: number;
  /** Each NPC moves every `npcStride` ticks, round-robin by id (1: all move every tick). */
  readonly npcStride: number;
}

export const DEFAULT_RULES: WorldRules = {
  width: 1000,
  height: 1000,
  maxStep: 10,
  seed: 7,
  npcCount: 8,
  npcSpeed: 2,
  npcStride: 1,
};

const f = Math.fround;
const FIRST_PLAYER_ID = 1000;

/** A 32-bit mix of integers: the deterministic randomness NPCs walk by. */
const mix = (...values: number[]): number => {
  let h = 0x811c9dc5;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x01000193);
    h ^= h >>> 15;
  }
  return h >>> 0;
};

const clampTo = (value: number, max: number) => f(Math.min(Math.max(value, 0), max));

/** A new map with its NPCs placed from the seed. */
export const createWorld = (rules: WorldRules): World => {
  const entities = new Map<number, EntityState>();
  for (let id = 1; id <= rules.npcCount; id++) {
    entities.set(id, {
      id,
      kind: 'npc',
      x: f((mix(rules.seed, id, 1) % (rules.width * 10)) / 10),
      y: f((mix(rules.seed, id, 2) % (rules.height * 10)) / 10),
      vx: 0,
      vy: 0,
      hp: 100,
    });
  }
  return { tick: 0, entities, players: {}, lastInputs: {} };
};

/** Adds a player's entity (or keeps the one it has). */
export const addPlayer = (world: World, player: string, rules: WorldRules): World => {
  if (world.players[player] !== undefined) return world;
  const taken = [...world.entities.keys()];
  const id = Math.max(FIRST_PLAYER_ID - 1, ...taken) + 1;
  const entity: EntityState = {
    id,
    kind: 'player',
    x: f(rules.width / 2),
    y: f(rules.height / 2),
    vx: 0,
    vy: 0,
    hp: 100,
  };
  const entities = new Map(world.entities);
  entities.set(id, entity);
  return {
    ...world,
    entities,
    players: { ...world.players, [player]: id },
    lastInputs: { ...world.lastInputs, [player]: 0 },
  };
};

export const removePlayer = (world: World, player: string): World => {
  const id = world.players[player];
  if (id === undefined) return world;
  const entities = new Map(world.entities);
  entities.delete(id);
  const { [player]: _gone, ...players } = world.players;
  const { [player]: _last, ...lastInputs } = world.lastInputs;
  return { ...world, entities, players, lastInputs };
};

export interface PlayerInput {
  readonly seq: number;
  readonly dx: number;
  readonly dy: number;
}

export interface AppliedInput {
  readonly world: World;
  /** The move was impossible (too fast or out of bounds) and was clamped: the host corrects the client. */
  readonly conflict: boolean;
}

/**
 * Applies one input of a player: a step longer than `maxStep` is scaled down, a position outside the map is
 * clamped to its edge; either is reported as a conflict. An input not newer than the last applied is ignored.
 */
export const applyInput = (
  world: World,
  player: string,
  input: PlayerInput,
  rules: WorldRules,
): AppliedInput => {
  const id = world.players[player];
  const entity = id === undefined ? undefined : world.entities.get(id);
  if (entity === undefined || input.seq <= (world.lastInputs[player] ?? 0)) return { world, conflict: false };
  const length = Math.hypot(input.dx, input.dy);
  const scale = length > rules.maxStep ? rules.maxStep / length : 1;
  const wantX = entity.x + input.dx * scale;
  const wantY = entity.y + input.dy * scale;
  const x = clampTo(wantX, rules.width);
  const y = clampTo(wantY, rules.height);
  const conflict = scale < 1 || x !== f(wantX) || y !== f(wantY);
  const entities = new Map(world.entities);
  entities.set(entity.id, { ...entity, x, y, vx: f(x - entity.x), vy: f(y - entity.y) });
  return {
    world: { ...world, entities, lastInputs: { ...world.lastInputs, [player]: input.seq } },
    conflict,
  };
};

/** One tick: NPCs walk (a new heading every 20 ticks, from the seed, on their turn), bounded by the map. */
export const step = (world: World, rules: WorldRules): World => {
  const tick = world.tick + 1;
  const entities = new Map(world.entities);
  for (const entity of world.entities.values()) {
    if (entity.kind !== 'npc' || entity.id % rules.npcStride !== tick % rules.npcStride) continue;
    const heading = ((mix(rules.seed, entity.id, Math.floor(tick / 20)) % 360) * Math.PI) / 180;
    const vx = f(Math.cos(heading) * rules.npcSpeed);
    const vy = f(Math.sin(heading) * rules.npcSpeed);
    entities.set(entity.id, {
      ...entity,
      vx,
      vy,
      x: clampTo(entity.x + vx, rules.width),
      y: clampTo(entity.y + vy, rules.height),
    });
  }
  return { ...world, tick, entities };
};

const sameEntity = (a: EntityState, b: EntityState) =>
  a.kind === b.kind && a.x === b.x && a.y === b.y && a.vx === b.vx && a.vy === b.vy && a.hp === b.hp;

export interface WorldDelta {
  readonly tick: number;
  readonly baseTick: number;
  readonly entities: readonly EntityState[];
  readonly removed: readonly number[];
}

/** What changed from `baseline` to `current`: entities added or changed, ids removed. */
export const diff = (baseline: World, current: World): WorldDelta => {
  const entities: EntityState[] = [];
  for (const entity of current.entities.values()) {
    const before = baseline.entities.get(entity.id);
    if (before === undefined || !sameEntity(before, entity)) entities.push(entity);
  }
  const removed = [...baseline.entities.keys()].filter((id) => !current.entities.has(id));
  return { tick: current.tick, baseTick: baseline.tick, entities, removed };
};

/** The world a delta describes, given its baseline (players and inputs travel separately). */
export const applyDelta = (baseline: World, delta: WorldDelta): World => {
  const entities = new Map(baseline.entities);
  for (const id of delta.removed) entities.delete(id);
  for (const entity of delta.entities) entities.set(entity.id, entity);
  return { ...baseline, tick: delta.tick, entities };
};

/**
 * The canonical hash of a world's tick and entities: SHA-256 over entities sorted by id, numbers as float32,
 * first 8 bytes as 16 hex digits. Independent of insertion order; equal worlds hash equal.
 */
export const hashWorld = (world: Pick<World, 'tick' | 'entities'>): string => {
  const ids = [...world.entities.keys()].sort((a, b) => a - b);
  const bytes = Buffer.alloc(4 + ids.length * ENTITY_BYTES);
  bytes.writeUInt32BE(world.tick, 0);
  let at = 4;
  for (const id of ids) {
    writeEntity(world.entities.get(id) as EntityState, bytes, at);
    at += ENTITY_BYTES;
  }
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
};

/** A world from a full-state snapshot. */
export const worldFromSnapshot = (snapshot: {
  readonly tick: number;
  readonly entities: readonly EntityState[];
  readonly players: Readonly<Record<string, number>>;
  readonly lastInputs?: Readonly<Record<string, number>>;
}): World => ({
  tick: snapshot.tick,
  entities: new Map(snapshot.entities.map((e) => [e.id, e])),
  players: snapshot.players,
  lastInputs: snapshot.lastInputs ?? {},
});
