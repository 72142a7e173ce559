import { createHash } from 'node:crypto';
import { type EntityState, type EntityUpdate, MAX_COORDINATE, quantize } from '../protocol/hot-codecs.js';
import { copyMap } from './copy-map.js';
import { DEFAULT_MAX_QUEUED_INPUTS } from './input-queue.js';

/**
 * The world of one map: entities by id, which entity each player controls, and the last input applied per
 * player. Pure values; every function returns a new world. Positions and velocities stay on the wire's grid
 * (`quantize`), so they survive the wire unchanged and hashes agree on host and client.
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
  /**
   * Inputs a player may have waiting for their tick (`MaxQueuedInputs`): a host applies at most `maxStep` of
   * movement per player per tick (input-queue.ts). Absent in recordings made before it: the default then.
   */
  readonly maxQueuedInputs?: number;
}

export const DEFAULT_RULES: WorldRules = {
  width: 1000,
  height: 1000,
  maxStep: 10,
  seed: 7,
  npcCount: 8,
  npcSpeed: 2,
  npcStride: 1,
  maxQueuedInputs: DEFAULT_MAX_QUEUED_INPUTS,
};

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

const clampTo = (value: number, max: number) => quantize(Math.min(Math.max(value, 0), max));

/** A new map with its NPCs placed from the seed. Throws on a map larger than the wire can carry (a bug). */
export const createWorld = (rules: WorldRules): World => {
  if (rules.width > MAX_COORDINATE || rules.height > MAX_COORDINATE)
    throw new RangeError(`a map is at most ${MAX_COORDINATE} units across`);
  const entities = new Map<number, EntityState>();
  for (let id = 1; id <= rules.npcCount; id++) {
    entities.set(id, {
      id,
      kind: 'npc',
      x: quantize((mix(rules.seed, id, 1) % (rules.width * 10)) / 10),
      y: quantize((mix(rules.seed, id, 2) % (rules.height * 10)) / 10),
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
    x: quantize(rules.width / 2),
    y: quantize(rules.height / 2),
    vx: 0,
    vy: 0,
    hp: 100,
  };
  const entities = copyMap(world.entities);
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
  const entities = copyMap(world.entities);
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

/** Where one input takes an entity, and whether the move had to be clamped (see `applyInput`). */
const move = (entity: EntityState, input: PlayerInput, rules: WorldRules) => {
  const length = Math.hypot(input.dx, input.dy);
  const scale = length > rules.maxStep ? rules.maxStep / length : 1;
  const wantX = entity.x + input.dx * scale;
  const wantY = entity.y + input.dy * scale;
  const x = clampTo(wantX, rules.width);
  const y = clampTo(wantY, rules.height);
  return {
    entity: { ...entity, x, y, vx: quantize(x - entity.x), vy: quantize(y - entity.y) },
    conflict: scale < 1 || x !== quantize(wantX) || y !== quantize(wantY),
  };
};

export interface AppliedInputs {
  readonly world: World;
  /** The player of each input that was clamped, in input order. */
  readonly conflicts: readonly string[];
}

/**
 * Applies inputs in order, as `applyInput` one after another would, but copies the world once for all of them: a
 * host applies every player's inputs each tick, and a copy per input would copy a thousand-entity map a thousand
 * times a tick.
 */
export const applyInputs = (
  world: World,
  inputs: readonly { readonly player: string; readonly input: PlayerInput }[],
  rules: WorldRules,
): AppliedInputs => {
  let entities: Map<number, EntityState> | null = null;
  let lastInputs: Record<string, number> | null = null;
  const conflicts: string[] = [];
  for (const { player, input } of inputs) {
    const id = world.players[player];
    const entity = id === undefined ? undefined : (entities ?? world.entities).get(id);
    if (entity === undefined || input.seq <= ((lastInputs ?? world.lastInputs)[player] ?? 0)) continue;
    const moved = move(entity, input, rules);
    entities ??= copyMap(world.entities);
    lastInputs ??= { ...world.lastInputs };
    entities.set(entity.id, moved.entity);
    lastInputs[player] = input.seq;
    if (moved.conflict) conflicts.push(player);
  }
  return {
    world: entities === null || lastInputs === null ? world : { ...world, entities, lastInputs },
    conflicts,
  };
};

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
  const applied = applyInputs(world, [{ player, input }], rules);
  return { world: applied.world, conflict: applied.conflicts.length > 0 };
};

/** One tick: NPCs walk (a new heading every 20 ticks, from the seed, on their turn), bounded by the map. */
export const step = (world: World, rules: WorldRules): World => {
  const tick = world.tick + 1;
  const entities = copyMap(world.entities);
  for (const entity of world.entities.values()) {
    if (entity.kind !== 'npc' || entity.id % rules.npcStride !== tick % rules.npcStride) continue;
    const heading = ((mix(rules.seed, entity.id, Math.floor(tick / 20)) % 360) * Math.PI) / 180;
    const vx = quantize(Math.cos(heading) * rules.npcSpeed);
    const vy = quantize(Math.sin(heading) * rules.npcSpeed);
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

export interface WorldDelta {
  readonly tick: number;
  readonly baseTick: number;
  readonly entities: readonly EntityUpdate[];
  readonly removed: readonly number[];
}

/** The fields of `entity` that differ from `before`; all of them (with its kind) when it is new. */
const changes = (before: EntityState | undefined, entity: EntityState): EntityUpdate | null => {
  if (before === undefined || before.kind !== entity.kind) return entity;
  if (
    before.x === entity.x &&
    before.y === entity.y &&
    before.vx === entity.vx &&
    before.vy === entity.vy &&
    before.hp === entity.hp
  )
    return null;
  return {
    id: entity.id,
    ...(before.x === entity.x ? {} : { x: entity.x }),
    ...(before.y === entity.y ? {} : { y: entity.y }),
    ...(before.vx === entity.vx ? {} : { vx: entity.vx }),
    ...(before.vy === entity.vy ? {} : { vy: entity.vy }),
    ...(before.hp === entity.hp ? {} : { hp: entity.hp }),
  };
};

/** What changed from `baseline` to `current`: new entities whole, changed ones by field, ids removed. */
export const diff = (baseline: World, current: World): WorldDelta => {
  const entities: EntityUpdate[] = [];
  for (const entity of current.entities.values()) {
    const update = changes(baseline.entities.get(entity.id), entity);
    if (update !== null) entities.push(update);
  }
  const removed = [...baseline.entities.keys()].filter((id) => !current.entities.has(id));
  return { tick: current.tick, baseTick: baseline.tick, entities, removed };
};

/**
 * The world a delta describes, given its baseline (players and inputs travel separately); null when an update
 * names an entity the baseline lacks without carrying all of it (the delta was not made against this baseline).
 */
export const applyDelta = (baseline: World, delta: WorldDelta): World | null => {
  const entities = copyMap(baseline.entities);
  for (const id of delta.removed) entities.delete(id);
  for (const update of delta.entities) {
    const before = update.kind === undefined ? entities.get(update.id) : undefined;
    const entity = { ...before, ...update };
    if (!isEntityState(entity)) return null;
    entities.set(update.id, entity);
  }
  return { ...baseline, tick: delta.tick, entities };
};

const isEntityState = (e: Partial<EntityState>): e is EntityState =>
  e.kind !== undefined &&
  e.x !== undefined &&
  e.y !== undefined &&
  e.vx !== undefined &&
  e.vy !== undefined &&
  e.hp !== undefined;

/** An entity's 23 bytes as the world hash covers them: id, kind, position and velocity as float32, hp. */
const ENTITY_BYTES = 23;
const writeEntity = (e: EntityState, b: Buffer, o: number): void => {
  b.writeUInt32BE(e.id, o);
  b[o + 4] = e.kind === 'player' ? 0 : 1;
  b.writeFloatBE(e.x, o + 5);
  b.writeFloatBE(e.y, o + 9);
  b.writeFloatBE(e.vx, o + 13);
  b.writeFloatBE(e.vy, o + 17);
  b.writeUInt16BE(e.hp, o + 21);
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
