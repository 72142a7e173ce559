import { signWithKey } from '../../lib/crypto/pki.js';
import type { RestoreMessage } from '../../lib/protocol/control-codecs.js';
import { checkpointBytes } from '../../lib/world/checkpoint.js';
import { type World, hashWorld } from '../../lib/world/world.js';
import type { HostIdentity } from './pki.js';

export interface SignedRestoreOptions {
  readonly map: string;
  readonly epoch: number;
  /** The checkpoint's last input per player (default: the world's own). */
  readonly lastInputs?: Readonly<Record<string, number>>;
  readonly inputs: RestoreMessage['inputs'];
}

/** A restore message as a client carries it: `world` checkpointed and signed by `signer`, and the inputs since. */
export const signedRestore = (
  world: World,
  signer: HostIdentity,
  options: SignedRestoreOptions,
): RestoreMessage => {
  const payload = {
    map: options.map,
    epoch: options.epoch,
    tick: world.tick,
    hash: hashWorld(world),
    lastInputs: options.lastInputs ?? world.lastInputs,
    players: world.players,
  };
  return {
    kind: 'restore',
    checkpoint: {
      kind: 'checkpoint',
      ...payload,
      signature: signWithKey(signer.keys.privateKeyPem, checkpointBytes(payload)).toString('base64'),
    },
    entities: [...world.entities.values()],
    certificate: signer.certificatePem,
    inputs: options.inputs,
  };
};
