import type { X509Certificate } from 'node:crypto';
import { either } from 'fp-ts';
import { type P2PError, p2pError } from '../errors.js';
import { verifyHostCertificate, verifyWithCertificate } from '../crypto/pki.js';
import type { RestoreMessage } from '../protocol/control-codecs.js';
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

/**
 * Checks one bundle (DESIGN §6 step 4): the certificate chains to the CA and names the previous owner, its key
 * signed the checkpoint, the checkpoint is for this map under the previous epoch, and the snapshot hashes to
 * the checkpoint's hash. Left codes: ERR_RESTORE_FORGED, ERR_RESTORE_EPOCH, ERR_RESTORE_MISMATCH.
 */
export const verifyBundle = (
  bundle: Bundle,
  expected: RestoreExpectations,
): either.Either<P2PError, Bundle> => {
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
      p2pError('ERR_RESTORE_MISMATCH', `bundle is for map ${checkpoint.map}, not ${expected.map}`),
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
 * The restored world: the newest verified checkpoint's snapshot, then every player's own inputs after that
 * checkpoint's last processed input, in order. Null when no bundle is valid (the map starts empty).
 */
export const restoreWorld = (valid: readonly Bundle[], rules: WorldRules): World | null => {
  const newest = [...valid].sort((a, b) => b.restore.checkpoint.tick - a.restore.checkpoint.tick)[0];
  if (newest === undefined) return null;
  const { checkpoint } = newest.restore;
  let world = worldFromSnapshot({
    tick: checkpoint.tick,
    entities: newest.restore.entities,
    players: checkpoint.players,
    lastInputs: checkpoint.lastInputs,
  });
  for (const bundle of valid) {
    const inputs = [...bundle.restore.inputs].sort((a, b) => a.seq - b.seq);
    world = applyInputs(
      world,
      inputs.map((input) => ({ player: bundle.player, input })),
      rules,
    ).world;
  }
  return world;
};
