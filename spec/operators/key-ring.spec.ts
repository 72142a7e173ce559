import { expect } from 'chai';
import { map } from 'rxjs';
import type { KeyRing } from '../../lib/crypto/key-ring.js';
import type { EpochKeys } from '../../lib/crypto/key-schedule.js';
import { keyRing } from '../../operators/key-ring.js';
import { directionKey } from '../support/keys.js';
import { testScheduler } from '../support/marbles.js';

const epochKeys = (epoch: number): EpochKeys => ({
  epoch,
  clientToHost: directionKey(epoch),
  hostToClient: directionKey(epoch),
  chainKey: Buffer.alloc(32, epoch),
});
const keys = { a: epochKeys(1), b: epochKeys(2) };

/** A ring as `send epoch/receive epochs`, e.g. `1/1,0` while epoch 0 is in its grace window. */
const shape = (ring: KeyRing) => `${ring.send.epoch}/${ring.receive.map((key) => key.epoch).join(',')}`;

describe('keyRing', () => {
  it('should start from the handshake keys, rotate at once and drop the previous epoch after the grace', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const rotations = cold('--a------b--|', keys);
      const rings = rotations.pipe(keyRing({ role: 'host', initial: epochKeys(0), graceMs: 3 }), map(shape));
      expectObservable(rings).toBe('i-r--e---s--(f|)', {
        i: '0/0',
        r: '1/1,0',
        e: '1/1',
        s: '2/2,1',
        f: '2/2',
      });
    });
  });

  it('should send with its own direction and receive with the other', () => {
    const initial = epochKeys(0);
    const seen: KeyRing[] = [];
    testScheduler().run(({ cold }) => {
      cold<EpochKeys>('|')
        .pipe(keyRing({ role: 'client', initial, graceMs: 1 }))
        .subscribe((ring) => seen.push(ring));
    });
    expect(seen[0]?.send).to.equal(initial.clientToHost);
    expect(seen[0]?.receive).to.deep.equal([initial.hostToClient]);
  });

  it('should keep the previous epoch through back-to-back rotations until each grace ends', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const rotations = cold('-ab---|', keys);
      const rings = rotations.pipe(keyRing({ role: 'host', initial: epochKeys(0), graceMs: 3 }), map(shape));
      // b's rotation keeps one previous epoch (1); the expiry of 0 then changes nothing visible.
      expectObservable(rings).toBe('iab-cd|', { i: '0/0', a: '1/1,0', b: '2/2,1', c: '2/2,1', d: '2/2' });
    });
  });

  it('should cancel pending expiries when unsubscribed, and pass source errors through', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const rotations = cold('-a-----', keys);
      const rings = rotations.pipe(keyRing({ role: 'host', initial: epochKeys(0), graceMs: 3 }), map(shape));
      expectObservable(rings, '^--!').toBe('ia-', { i: '0/0', a: '1/1,0' });
      expectSubscriptions(rotations.subscriptions).toBe('^--!');
      const failing = cold<EpochKeys>('-#').pipe(
        keyRing({ role: 'host', initial: epochKeys(0), graceMs: 3 }),
        map(shape),
      );
      expectObservable(failing).toBe('i#', { i: '0/0' });
    });
  });
});
