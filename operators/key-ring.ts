import { Observable, type OperatorFunction, type SchedulerLike, Subscription, asyncScheduler } from 'rxjs';
import {
  type KeyRing,
  type Role,
  createKeyRing,
  expireEpoch,
  rotateKeyRing,
} from '../lib/crypto/key-ring.js';
import type { EpochKeys } from '../lib/crypto/key-schedule.js';

export interface KeyRingConfig {
  readonly role: Role;
  /** The handshake's keys: the ring before any rotation. */
  readonly initial: EpochKeys;
  /** How long the previous epoch's receive key is kept after a rotation (`KeyGraceMS`). */
  readonly graceMs: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Rotations → the key ring a channel holds (DESIGN §3): the ring of the handshake's keys at once, the rotated ring
 * at each rotation, and `graceMs` after each rotation the ring without the epoch before it (frames the peer sealed
 * just before rotating still open until then). Completes when the source has completed and no expiry is pending.
 *
 * One subscription to the source and a scheduled action per rotation: the same as a `scan` over rotations merged
 * with `mergeMap(timer)` expiries, but a host holds one per connection, and that chain cost a subject and five
 * subscribers per client for keys that change once an hour.
 *
 * @example rotations$.pipe(keyRing({ role: 'host', initial: handshake.keys, graceMs: 5000, scheduler }))
 */
export const keyRing =
  (config: KeyRingConfig): OperatorFunction<EpochKeys, KeyRing> =>
  (rotations$) =>
    new Observable<KeyRing>((subscriber) => {
      const scheduler = config.scheduler ?? asyncScheduler;
      const expiries = new Subscription();
      let ring = createKeyRing(config.role, config.initial);
      let sourceDone = false;
      let pending = 0;
      const completeWhenIdle = () => {
        if (sourceDone && pending === 0) subscriber.complete();
      };
      subscriber.next(ring);
      const rotations = rotations$.subscribe({
        next: (keys) => {
          ring = rotateKeyRing(ring, config.role, keys);
          subscriber.next(ring);
          pending += 1;
          const expiry = scheduler.schedule(() => {
            pending -= 1;
            expiries.remove(expiry);
            ring = expireEpoch(ring, keys.epoch - 1);
            subscriber.next(ring);
            completeWhenIdle();
          }, config.graceMs);
          expiries.add(expiry);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          completeWhenIdle();
        },
      });
      return () => {
        rotations.unsubscribe();
        expiries.unsubscribe();
      };
    });
