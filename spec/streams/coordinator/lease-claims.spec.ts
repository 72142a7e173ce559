import { expect } from 'chai';
import { sortLeaseClaims } from '../../../streams/coordinator/lease-claims.js';
import { createMemoryStore } from '../../../streams/coordinator/store.js';

describe('sortLeaseClaims', () => {
  it('should keep only what the store says the host holds, and never change the store', async () => {
    const store = createMemoryStore();
    await store.putLease({ map: 'forest', owner: 'host-1', epoch: 3, previous: null });
    await store.putLease({ map: 'desert', owner: 'host-2', epoch: 2, previous: null });
    await store.putLease({ map: 'cave', owner: null, epoch: 4, previous: { owner: 'host-1', epoch: 3 } });
    const before = await store.listLeases();

    expect(
      await sortLeaseClaims(store, 'host-1', [
        { map: 'forest', epoch: 2 },
        { map: 'forest', epoch: 1000 },
        { map: 'desert', epoch: 2 },
        { map: 'desert', epoch: 1000 },
        { map: 'cave', epoch: 3 },
        { map: 'swamp', epoch: 1 },
      ]),
    ).to.deep.equal({
      kept: [{ map: 'forest', epoch: 3 }],
      revoked: [
        { map: 'desert', epoch: 2 },
        { map: 'cave', epoch: 3 },
      ],
      refused: [{ map: 'swamp', epoch: 1 }],
    });
    expect(await store.listLeases()).to.deep.equal(before);
  });

  it('should refuse a higher epoch than the store granted, even for the owner', async () => {
    const store = createMemoryStore();
    await store.putLease({ map: 'forest', owner: 'host-1', epoch: 3, previous: null });
    expect(await sortLeaseClaims(store, 'host-1', [{ map: 'forest', epoch: 4 }])).to.deep.equal({
      kept: [],
      revoked: [],
      refused: [{ map: 'forest', epoch: 4 }],
    });
  });
});
