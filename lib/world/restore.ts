import type { X509Certificate } from 'node:crypto';
import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';
import { verifyHostCertificate, verifyWithCertificate } from '../crypto/certificates.js';
import { RestoreMessage } from '../protocol/control-codecs.js';
import { boundBundleInputs } from './bundle-inputs.js';
import { checkpointBytes } from './checkpoint.js';
import { type World, type WorldRules, applyInputs, hashWorld, worldFromSnapshot } from './world.js';

/** A bundle a failing-over client brings, and the player it came from (from its ticket, not from the bundle). */
export interface Bundle {
  readonly player: string;
  readonly restore: RestoreMessage;
}

export interface RestoreExpectations {
  readonly ca: X509Certificate;
  readonly map: string;
  /** The epoch the VPS holds the map under: a bundle must come from the epoch just before. */
  readonly epoch: number;
  /** The host that owned the map before: only its signature counts. */
  readonly previousOwner: string;
  /** The epoch it held the map under (default `epoch - 1`; more ownerless epochs may have come between). */
  readonly previousEpoch?: number;
  readonly now: number;
}

/** A peer's string as it goes into an error message: a map name can be as long as a frame. */
const shown = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

/**
 * The highest entity id a restored world may hold: a world numbers a new player after its highest id, and the
 * hash takes ids as u32, so a genuine checkpoint naming 0xFFFFFFFF left the next player an id the hash threw on
 * (and the map failed again at every restore). 2^24 ids leave room for every player to come.
 */
export const MAX_RESTORED_ENTITY_ID = 0xff_ffff;

/**
 * Whether every value is in its type's range (RestoreMessage's codec: ticks, sequence numbers and entity ids
 * u32, hp u16, positions on the wire's grid) and no entity id comes twice. The session's decoder checks the
 * same codec, but a bundle is checked again here, where it enters the world: the world hash and the delta
 * encoder throw on a value past their fields (an hp of 70000), and a throw there took a whole VPS down.
 */
const inRange = (restore: unknown): restore is RestoreMessage => {
  if (!RestoreMessage.is(restore)) return false;
  const ids = new Set<number>();
  for (const entity of restore.entities) {
    if (ids.has(entity.id) || entity.id > MAX_RESTORED_ENTITY_ID) return false;
    ids.add(entity.id);
  }
  return true;
};

const verifyChecked = (bundle: Bundle, expected: RestoreExpectations): either.Either<P2PError, Bundle> => {
  if (!inRange(bundle.restore)) {
    return either.left(p2pError('ERR_RESTORE_INVALID', 'bundle holds a value outside its type'));
  }
  const { checkpoint } = bundle.restore;
  const cert = verifyHostCertificate(
    bundle.restore.certificate,
    expected.ca,
    expected.previousOwner,
    expected.now,
  );
  if (either.isLeft(cert))
    return either.left(p2pError('ERR_RESTORE_FORGED', `bundle certificate: ${cert.left.message}`));
  const { signature, kind: _kind, ...payload } = checkpoint;
  if (!verifyWithCertificate(cert.right, checkpointBytes(payload), Buffer.from(signature, 'base64'))) {
    return either.left(p2pError('ERR_RESTORE_FORGED', 'checkpoint signature does not verify'));
  }
  if (checkpoint.map !== expected.map) {
    return either.left(
      p2pError('ERR_RESTORE_MISMATCH', `bundle is for map ${shown(checkpoint.map)}, not ${expected.map}`),
    );
  }
  const previousEpoch = expected.previousEpoch ?? expected.epoch - 1;
  if (checkpoint.epoch !== previousEpoch) {
    return either.left(
      p2pError('ERR_RESTORE_EPOCH', `bundle epoch ${checkpoint.epoch}, expected ${previousEpoch}`),
    );
  }
  const snapshot = worldFromSnapshot({
    tick: checkpoint.tick,
    entities: bundle.restore.entities,
    players: checkpoint.players,
  });
  if (hashWorld(snapshot) !== checkpoint.hash) {
    return either.left(p2pError('ERR_RESTORE_MISMATCH', 'snapshot does not hash to the checkpoint'));
  }
  return either.right(bundle);
};

/**
 * Checks one bundle (DESIGN §6 step 4): every value is in its type's range, the certificate chains to the CA
 * and names the previous owner, its key signed the checkpoint, the checkpoint is for this map under the previous
 * epoch, and the snapshot hashes to the checkpoint's hash. Never throws: whatever a bundle holds, the answer is
 * a code. Left codes: ERR_RESTORE_INVALID, ERR_RESTORE_FORGED, ERR_RESTORE_EPOCH, ERR_RESTORE_MISMATCH.
 */
export const verifyBundle = (
  bundle: Bundle,
  expected: RestoreExpectations,
): either.Either<P2PError, Bundle> => {
  try {
    return verifyChecked(bundle, expected);
  } catch (error) {
    // Nothing above should throw on a value in range; if something does, it is this bundle's refusal, not the
    // server's end.
    const why = error instanceof Error ? error.message : String(error);
    return either.left(p2pError('ERR_RESTORE_INVALID', `bundle could not be checked: ${why}`));
  }
};

/** The bundle whose checkpoint is the newest (the highest tick), or null for none. */
export const newestBundle = (bundles: Iterable<Bundle>): Bundle | null => {
  let newest: Bundle | null = null;
  for (const bundle of bundles)
    if (newest === null || bundle.restore.checkpoint.tick > newest.restore.checkpoint.tick) newest = bundle;
  return newest;
};

/**
 * Whether every player the newest checkpoint names has brought a bundle: no one who was on the map at that tick
 * can still bring a newer one. (Someone who joined after it can, which is why a restore window stays open for
 * a newer checkpoint after it starts the map on this.)
 */
export const everyoneReported = (bundles: ReadonlyMap<string, Bundle>): boolean => {
  const newest = newestBundle(bundles.values());
  return newest !== null && Object.keys(newest.restore.checkpoint.players).every((p) => bundles.has(p));
};

/**
 * The restored world: the newest verified checkpoint's snapshot, then each player's own inputs after that
 * checkpoint's last processed input, in order, as far as `boundBundleInputs` allows in `travelTicks` of play
 * (`onDropped` hears of the rest). Null when no bundle is valid (the map starts empty).
 */
export const restoreWorld = (
  valid: readonly Bundle[],
  rules: WorldRules,
  travelTicks: number,
  onDropped?: (player: string, inputs: number) => void,
): World | null => {
  const newest = newestBundle(valid);
  if (newest === null) return null;
  const { checkpoint } = newest.restore;
  let world = worldFromSnapshot({
    tick: checkpoint.tick,
    entities: newest.restore.entities,
    players: checkpoint.players,
    lastInputs: checkpoint.lastInputs,
  });
  for (const bundle of valid) {
    const { kept, dropped } = boundBundleInputs(bundle.restore.inputs, {
      since: checkpoint.lastInputs[bundle.player] ?? 0,
      maxStep: rules.maxStep,
      travelTicks,
    });
    if (dropped > 0) onDropped?.(bundle.player, dropped);
    world = applyInputs(
      world,
      kept.map((input) => ({ player: bundle.player, input })),
      rules,
    ).world;
  }
  return world;
};
